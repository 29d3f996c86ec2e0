// cipipeGate: runs `cipipe gate` and returns gate.json parsed.
// Help: vars/cipipeGate.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeGate', command: 'gate', args: args,
                      output: 'gate.json', credentials: ['artifactory', 'artifactoryUser', 'github'],
                      flags: [
        repo      : '--repo',
        config    : '--config',
        target    : '--target',
        via       : '--via',
        repository: '--repository',
        githubRepo: '--github-repo',
        pr        : '--pr',
        githubApi : '--github-api',
    ])
}
