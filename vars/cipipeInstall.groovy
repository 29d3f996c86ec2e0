// cipipeInstall: installs a pinned cipipe, with the extras asked for, into a virtualenv in the
// workspace and makes the cipipe steps use it (env.CIPIPE_BIN). The wheels are kept in a wheel
// house per cipipe version, extras, Python and platform, so later builds install offline from
// it. Help: vars/cipipeInstall.txt
def call(Map args = [:]) {
    List known = ['version', 'wheelUrl', 'indexUrl', 'venv', 'python', 'extras', 'wheelCache']
    List unknown = args.keySet().findAll { !(it in known) } as List
    if (unknown) {
        error("cipipeInstall: unknown parameter(s) ${unknown.join(', ')}; known: ${known.join(', ')}")
    }
    if (!args.version == !args.wheelUrl) {
        error('cipipeInstall: give exactly one of version (e.g. \'0.1.0\') or wheelUrl')
    }
    List badExtras = extrasOf(args).findAll { !(it in knownExtras()) }
    if (badExtras) {
        error("cipipeInstall: unknown extra(s) ${badExtras.join(', ')}; known: ${knownExtras().join(', ')}")
    }
    String venv = args.venv ?: '.cipipe-venv'
    sh(script: installScript(args, venv))
    String cipipe = "${venv}/bin/cipipe"
    env.CIPIPE_BIN = cipipe
    return cipipe
}

// cipipe's optional dependencies (pyproject.toml): the core runs every pipeline step.
@NonCPS
List knownExtras() {
    return ['model', 'charts', 'postgres', 'all', 'coverage', 'parquet']
}

@NonCPS
List extrasOf(Map args) {
    // extras: ['model', 'postgres'] or one name, 'model'
    List names = ([] + (args.extras ?: []))*.toString()
    return names.unique().sort()
}

// What pip installs: 'cipipe[model]==0.1.0', or the wheel URL ('cipipe[model] @ URL').
@NonCPS
String requirement(Map args) {
    String name = nameWithExtras(args)
    if (args.version) {
        return name
    }
    return extrasOf(args) ? "${name} @ ${args.wheelUrl}" : args.wheelUrl.toString()
}

// 'cipipe[model]==0.1.0', or for a wheel URL 'cipipe[model]' (or 'cipipe'): what an install
// from the wheel house asks for, by name: the house holds the one cipipe wheel it was filled
// with, so the URL is not fetched again.
@NonCPS
String nameWithExtras(Map args) {
    List extras = extrasOf(args)
    String name = extras ? "cipipe[${extras.join(',')}]" : 'cipipe'
    return args.version ? "${name}==${args.version}" : name
}

// The wheel house's folder name without the interpreter part, e.g. 'cipipe-0.1.0-model'.
@NonCPS
String houseName(Map args) {
    String release = args.version ? "cipipe-${args.version}" :
        args.wheelUrl.toString().replaceFirst(/[?#].*$/, '').tokenize('/')[-1] - ~/\.whl$/
    List extras = extrasOf(args)
    String name = "${release}-${extras ? extras.join('+') : 'core'}"
    return name.replaceAll(/[^A-Za-z0-9._+-]/, '_')
}

@NonCPS
String installScript(Map args, String venv) {
    String python = cipipeStep.shellQuote("${venv}/bin/python")
    List pip = [python, '-m', 'pip', '--disable-pip-version-check']
    List index = args.indexUrl ? ['--index-url', cipipeStep.shellQuote(args.indexUrl.toString())] : []
    String wanted = cipipeStep.shellQuote(requirement(args))
    String fromHouse = cipipeStep.shellQuote(nameWithExtras(args))
    String creator = cipipeStep.shellQuote(args.python ? args.python.toString() : 'python3')
    List lines = ['set -e', "${creator} -m venv ${cipipeStep.shellQuote(venv)}"]
    // wheelCache: null or '' installs from the index every time, as before the wheel house.
    def cache = args.containsKey('wheelCache') ? args.wheelCache : '.cipipe-wheels'
    if (cache) {
        // Wheels differ by interpreter and platform: the house's name says which it holds.
        String tag = "${python} -c 'import sys, sysconfig; " +
            "print(sys.implementation.cache_tag, sysconfig.get_platform(), sep=chr(45))'"
        String house = cipipeStep.shellQuote("${cache}/${houseName(args)}".toString())
        lines += [
            "house=${house}-\"\$(${tag})\"",
            // Built once into a private folder and renamed: a build that fails half way, or
            // two builds filling the same house at once, never leave a partial house.
            'if [ ! -d "$house" ]; then',
            "  mkdir -p ${cipipeStep.shellQuote(cache.toString())}",
            "  ${(pip + ['wheel', '--quiet'] + index).join(' ')} --wheel-dir \"\$house.\$\$\" ${wanted} " +
                '|| { rm -rf "$house.$$"; exit 1; }',
            '  mv -T "$house.$$" "$house" 2>/dev/null || rm -rf "$house.$$"',
            'fi',
            "${(pip + ['install', '--quiet']).join(' ')} --no-index --find-links \"\$house\" ${fromHouse}",
        ]
    } else {
        lines << "${(pip + ['install', '--quiet'] + index).join(' ')} ${wanted}"
    }
    lines << "${cipipeStep.shellQuote("${venv}/bin/cipipe")} --version"
    return lines.join('\n') + '\n'
}
