// cipipeSbom: runs `cipipe sbom` and returns deps_changed.json parsed.
// Help: vars/cipipeSbom.txt
def call(Map args = [:]) {
    return cipipeStep(step: 'cipipeSbom', command: 'sbom', args: args,
                      output: 'deps_changed.json', credentials: [],
                      flags: [
        repo    : '--repo',
        config  : '--config',
        merge   : '--merge',
        baseline: '--baseline',
        buildId : '--build-id',
    ])
}
