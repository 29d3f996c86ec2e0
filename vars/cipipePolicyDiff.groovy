// cipipePolicyDiff: runs `cipipe policy diff OLD NEW` and returns policy-diff.json parsed.
// Help: vars/cipipePolicyDiff.txt
def call(Map args = [:]) {
    Map flags = [:]
    args.each { key, value ->
        if (!(key in ['old', 'new'])) {
            flags[key] = value
        }
    }
    List bundles = []
    for (String name in ['old', 'new']) {
        String value = args[name] == null ? '' : args[name].toString()
        if (!value) {
            error("cipipePolicyDiff: missing required parameter(s) ${name}")
        }
        // OLD and NEW are positional: one starting with '-' would be read as a flag.
        if (value.startsWith('-')) {
            error("cipipePolicyDiff: ${name} must not start with '-' (got '${value}'; write ./${value})")
        }
        bundles << value
    }
    return cipipeStep(step: 'cipipePolicyDiff', command: ['policy', 'diff'], args: flags,
                      output: 'policy-diff.json', credentials: ['db', 'github'], fixedArgs: bundles,
                      flags: [
        history       : '--history',
        fromDb        : '--from-db',
        db            : '--db',
        label         : '--label',
        time          : '--time',
        features      : '--features',
        id            : '--id',
        labelLag      : '--label-lag',
        policyPin     : '--policy-pin',
        policyDeadline: '--policy-deadline',
        top           : '--top',
        failIf        : '--fail-if',
        githubRepo    : '--github-repo',
        pr            : '--pr',
        githubApi     : '--github-api',
    ])
}
