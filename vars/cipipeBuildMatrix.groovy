// cipipeBuildMatrix: runs `cipipe build-matrix --format jenkins` and returns [platform: agentLabel].
// Help: vars/cipipeBuildMatrix.txt
def call(Map args = [:]) {
    String lines = cipipeStep(step: 'cipipeBuildMatrix', command: 'build-matrix', args: args, stdout: true,
                              fixedArgs: ['--format', 'jenkins'], flags: [repo: '--repo', config: '--config'])
    return agents(lines)
}

/** 'platform<TAB>agent' lines -> an ordered Map platform -> agent label. */
@NonCPS
Map agents(String lines) {
    Map result = [:]
    lines.readLines().findAll { it.contains('\t') }.each { line ->
        List fields = line.split('\t', 2) as List
        result[fields[0].trim()] = fields[1].trim()
    }
    return result
}
