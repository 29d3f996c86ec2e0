// cipipeTest: runs `cipipe test` and returns tests.json parsed.
// Help: vars/cipipeTest.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeTest', command: 'test', args: args,
                      output: 'tests.json', credentials: [],
                      flags: [
        repo    : '--repo',
        config  : '--config',
        platform: '--platform',
        baseline: '--baseline',
    ])
}
