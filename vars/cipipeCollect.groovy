// cipipeCollect: runs `cipipe collect` and returns artifacts.json parsed.
// Help: vars/cipipeCollect.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeCollect', command: 'collect', args: args,
                      output: 'artifacts.json', required: ['parts'],
                      flags: [
        parts: '--part',
    ])
}
