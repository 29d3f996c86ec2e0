// cipipeInstall: installs a pinned cipipe into a virtualenv in the workspace and makes the
// cipipe steps use it (env.CIPIPE_BIN). Help: vars/cipipeInstall.txt
def call(Map args = [:]) {
    List known = ['version', 'wheelUrl', 'indexUrl', 'venv', 'python']
    List unknown = args.keySet().findAll { !(it in known) } as List
    if (unknown) {
        error("cipipeInstall: unknown parameter(s) ${unknown.join(', ')}; known: ${known.join(', ')}")
    }
    if (!args.version == !args.wheelUrl) {
        error('cipipeInstall: give exactly one of version (e.g. \'0.1.0\') or wheelUrl')
    }
    String venv = args.venv ?: '.cipipe-venv'
    sh(script: installScript(args, venv))
    String cipipe = "${venv}/bin/cipipe"
    env.CIPIPE_BIN = cipipe
    return cipipe
}

@NonCPS
String installScript(Map args, String venv) {
    String python = cipipeStep.shellQuote("${venv}/bin/python")
    List pip = [python, '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check']
    if (args.indexUrl) {
        pip << '--index-url' << cipipeStep.shellQuote(args.indexUrl.toString())
    }
    String requirement = args.version ? "cipipe==${args.version}" : args.wheelUrl.toString()
    pip << cipipeStep.shellQuote(requirement)
    String creator = cipipeStep.shellQuote(args.python ? args.python.toString() : 'python3')
    return [
        'set -e',
        "${creator} -m venv ${cipipeStep.shellQuote(venv)}",
        pip.join(' '),
        "${cipipeStep.shellQuote("${venv}/bin/cipipe")} --version",
    ].join('\n') + '\n'
}
