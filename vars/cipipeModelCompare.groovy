// cipipeModelCompare: runs `cipipe model compare CANDIDATE [CURRENT]` and returns model-compare.json parsed.
// Help: vars/cipipeModelCompare.txt
def call(Map args = [:]) {
    Map flags = [:]
    args.each { key, value ->
        if (!(key in ['candidate', 'current'])) {
            flags[key] = value
        }
    }
    List versions = []
    for (String name in ['candidate', 'current']) {
        String value = args[name] == null ? '' : args[name].toString()
        if (!value) {
            if (name == 'candidate') {
                error("cipipeModelCompare: missing required parameter(s) ${name}")
            }
            continue  // CURRENT left out: the approved model the policy references
        }
        // CANDIDATE and CURRENT are positional: one starting with '-' would be read as a flag.
        if (value.startsWith('-')) {
            error("cipipeModelCompare: ${name} must not start with '-' (got '${value}')")
        }
        versions << value
    }
    return cipipeStep(step: 'cipipeModelCompare', command: ['model', 'compare'], args: flags,
                      output: 'model-compare.json', credentials: ['db'], fixedArgs: versions,
                      flags: [
        registry      : '--registry',
        history       : '--history',
        fromDb        : '--from-db',
        db            : '--db',
        label         : '--label',
        time          : '--time',
        id            : '--id',
        labelLag      : '--label-lag',
        last          : '--last',
        since         : '--since',
        policy        : '--policy',
        policyPin     : '--policy-pin',
        policyDeadline: '--policy-deadline',
        top           : '--top',
        failIf        : '--fail-if',
    ])
}
