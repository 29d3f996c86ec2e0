// cipipePublish: runs `cipipe publish` and returns publish.json parsed.
// Help: vars/cipipePublish.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipePublish', command: 'publish', args: args,
                      output: 'publish.json', credentials: ['artifactory', 'artifactoryUser'],
                      flags: [
        target    : '--target',
        via       : '--via',
        repository: '--repository',
        threads   : '--threads',
        dryRun    : '--dry-run',
    ])
}
