// cipipeBuildInfo: runs `cipipe build-info` and returns build-info.json parsed.
// Help: vars/cipipeBuildInfo.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeBuildInfo', command: 'build-info', args: args,
                      output: 'build-info.json', credentials: ['db'],
                      flags: [
        repo   : '--repo',
        config : '--config',
        base   : '--base',
        buildId: '--build-id',
        db     : '--db',
    ])
}
