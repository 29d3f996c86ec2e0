// cipipeBundle: runs `cipipe bundle` and returns manifest.json parsed.
// Help: vars/cipipeBundle.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeBundle', command: 'bundle', args: args,
                      output: 'manifest.json', credentials: ['artifactory', 'artifactoryUser'], required: ['spec'],
                      flags: [
        spec      : '--spec',
        target    : '--target',
        via       : '--via',
        repository: '--repository',
        buildId   : '--build-id',
    ])
}
