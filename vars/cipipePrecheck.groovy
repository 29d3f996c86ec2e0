// cipipePrecheck: runs `cipipe precheck` and returns precheck.json parsed.
// Help: vars/cipipePrecheck.txt
def call(Map args = [:]) {
    // GITHUB_TOKEN is bound only for the SARIF upload: a precheck needs no token otherwise.
    boolean upload = args.uploadSarif || args.containsKey('githubCredentialsId')
    Map given = upload ? args : args + [githubCredentialsId: null]
    return cipipeStep(step: 'cipipePrecheck', command: 'precheck', args: given,
                      output: 'precheck.json', credentials: ['db', 'github'],
                      flags: [
        repo         : '--repo',
        config       : '--config',
        commit       : '--commit',
        branch       : '--branch',
        pr           : '--pr',
        targetBranch : '--target-branch',
        scope        : '--scope',
        db           : '--db',
        sarifCategory: '--sarif-category',
        uploadSarif  : '--upload-sarif',
        sarifRef     : '--sarif-ref',
        githubRepo   : '--github-repo',
        githubApi    : '--github-api',
    ])
}
