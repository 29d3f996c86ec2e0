// cipipeOutcomeSync: runs `cipipe outcome sync --from SOURCE [DOCUMENT]` and returns
// outcome-sync.json parsed. Help: vars/cipipeOutcomeSync.txt
def call(Map args = [:]) {
    Map flags = [:]
    args.each { key, value ->
        if (key != 'document') {
            flags[key] = value
        }
    }
    List document = []
    if (args.document != null) {
        String value = args.document.toString()
        // DOCUMENT is positional: '-' is standard input, anything else starting with '-' a flag.
        if (value != '-' && value.startsWith('-')) {
            error("cipipeOutcomeSync: document must not start with '-' (got '${value}'; write ./${value})")
        }
        document << value
    }
    return cipipeStep(step: 'cipipeOutcomeSync', command: ['outcome', 'sync'], args: flags,
                      output: 'outcome-sync.json', required: ['from'], fixedArgs: document,
                      credentials: ['db', 'audit', 'artifactory', 'jenkins'],
                      flags: [
        from          : '--from',
        db            : '--db',
        policy        : '--policy',
        policyPin     : '--policy-pin',
        policyDeadline: '--policy-deadline',
        url           : '--url',
        job           : '--job',
        kind          : '--kind',
        buildParam    : '--build-param',
        serviceParam  : '--service-param',
        service       : '--service',
        target        : '--target',
        via           : '--via',
        repository    : '--repository',
    ])
}
