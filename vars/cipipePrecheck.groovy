// cipipePrecheck: runs `cipipe precheck` and returns precheck.json parsed.
// Help: vars/cipipePrecheck.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipePrecheck', command: 'precheck', args: args,
                      output: 'precheck.json', credentials: ['db'],
                      flags: [
        repo        : '--repo',
        config      : '--config',
        commit      : '--commit',
        branch      : '--branch',
        pr          : '--pr',
        targetBranch: '--target-branch',
        scope       : '--scope',
        db          : '--db',
    ])
}
