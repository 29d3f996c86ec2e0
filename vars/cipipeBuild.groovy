// cipipeBuild: runs `cipipe build` and returns artifacts.json parsed.
// Help: vars/cipipeBuild.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeBuild', command: 'build', args: args,
                      output: 'artifacts.json', credentials: [],
                      flags: [
        repo                 : '--repo',
        config               : '--config',
        platform             : '--platform',
        jobs                 : '--jobs',
        buildId              : '--build-id',
        checkReproducible    : '--check-reproducible',
        skipMissingToolchains: '--skip-missing-toolchains',
    ])
}
