// The one helper every vars/cipipe<Step>.groovy calls (SAP Piper's piperExecuteBin pattern):
// Jenkins credentials -> environment variables, the step's parameters -> safely quoted
// `cipipe` flags, cipipe's exit code -> error()/unstable(), and the step's output JSON parsed.
// Help: vars/cipipeStep.txt
import groovy.transform.Field

// credential kind -> [default credentials id, how to bind it]
@Field final Map CREDENTIALS = [
    artifactory    : [id: 'cipipe-artifactory-token', variable: 'CIPIPE_ARTIFACTORY_TOKEN'],
    artifactoryUser: [id: null, usernameVariable: 'CIPIPE_ARTIFACTORY_USER',
                      passwordVariable: 'CIPIPE_ARTIFACTORY_PASSWORD'],
    slack          : [id: 'cipipe-slack-bot-token', variable: 'SLACK_BOT_TOKEN'],
    github         : [id: 'cipipe-github-token', variable: 'GITHUB_TOKEN'],
    db             : [id: null, variable: 'CIPIPE_DB'],
    audit          : [id: 'cipipe-audit-key', variable: 'CIPIPE_AUDIT_KEY'],
    jenkins        : [id: null, usernameVariable: 'JENKINS_USER', passwordVariable: 'JENKINS_API_TOKEN'],
]

@Field final List COMMON_PARAMETERS = ['workdir', 'cipipe', 'allowUnstable', 'extraArgs', 'verbose']

@Field final Map EXIT_MEANINGS = [
    1: 'the answer is no',
    2: 'bad usage or bad input',
    3: 'an outside system failed after retries',
    4: 'a bug in cipipe (rerun with extraArgs or verbose, or locally with --debug)',
]

/**
 * spec.step        the calling step's name, for messages (e.g. 'cipipeGate')
 * spec.command     the cipipe subcommand (String, or a List such as ['history', 'record'])
 * spec.args        the Map the pipeline passed to the step
 * spec.flags       Map: step parameter name -> cipipe flag, in command-line order
 * spec.fixedArgs   List of arguments always passed after the flags (e.g. ['--format', 'jenkins'])
 * spec.required    List of parameter names that must be given
 * spec.credentials List of credential kinds the step uses (keys of CREDENTIALS)
 * spec.output      file in the work folder to return parsed with readJSON (null: return null)
 * spec.stdout      true: capture cipipe's stdout and return it as text instead
 */
def call(Map spec) {
    Map args = spec.args ?: [:]
    String problem = checkParameters(spec, args)
    if (problem) {
        error(problem)
    }
    String workdir = args.workdir ?: (env.CIPIPE_WORKDIR ?: '.cipipe')
    String name = commandName(spec.command)
    String logDir = "${workdir}/.jenkins"
    List bindings = credentialBindings(spec.credentials ?: [], args)
    int status = 0
    withEnv(["CIPIPE_WORKDIR=${workdir}"]) {
        if (bindings) {
            withCredentials(bindings) {
                status = sh(script: script(spec, args, name), returnStatus: true)
            }
        } else {
            status = sh(script: script(spec, args, name), returnStatus: true)
        }
    }
    if (status != 0) {
        String stderrFile = "${logDir}/${name}.stderr"
        String stderrText = fileExists(stderrFile) ? readFile(stderrFile) : ''
        String message = failureMessage(spec.step ?: 'cipipe', name, status, stderrText)
        if (status == 1 && args.allowUnstable) {
            unstable(message)
        } else {
            error(message)
        }
    }
    if (spec.stdout) {
        return readFile("${logDir}/${name}.stdout")
    }
    String output = spec.output ? "${workdir}/${spec.output}" : null
    return output && fileExists(output) ? readJSON(file: output) : null
}

/** The POSIX sh script: live stderr in the log and a copy in the work folder, exit code kept. */
@NonCPS
String script(Map spec, Map args, String name) {
    String base = '"$CIPIPE_WORKDIR/.jenkins/' + name
    String stdoutRedirect = spec.stdout ? ' > ' + base + '.stdout"' : ''
    List lines = [
        'set +e',
        'mkdir -p "$CIPIPE_WORKDIR/.jenkins" || exit 125',
        'fifo=' + base + '.stderr.fifo.$$"',
        'rm -f "$fifo" && mkfifo "$fifo" || exit 125',
        'tee ' + base + '.stderr" < "$fifo" >&2 &',
        commandLine(spec, args) + ' 2> "$fifo"' + stdoutRedirect,
        'rc=$?',
        'wait',
        'rm -f "$fifo"',
    ]
    if (spec.stdout) {
        lines << 'cat ' + base + '.stdout"'
    }
    lines << 'exit "$rc"'
    return lines.join('\n') + '\n'
}

/** The cipipe command line, every word single-quoted for POSIX sh. */
@NonCPS
String commandLine(Map spec, Map args) {
    return argv(spec, args).collect { shellQuote(it) }.join(' ')
}

@NonCPS
List argv(Map spec, Map args) {
    List words = []
    def cipipe = args.cipipe ?: (env.CIPIPE_BIN ?: 'cipipe')
    words.addAll(cipipe instanceof List ? cipipe : [cipipe])
    words.addAll(['--log-format', 'text'])
    if (args.verbose) {
        words << '-v'
    }
    words.addAll(spec.command instanceof List ? spec.command : [spec.command])
    (spec.flags ?: [:]).each { String parameter, String flag ->
        def value = args[parameter]
        List values = (value instanceof List || value instanceof Object[]) ? value as List : [value]
        values.each { item ->
            if (item == true) {
                words << flag
            } else if (item != null && item != false) {
                words << "${flag}=${item}"
            }
        }
    }
    words.addAll(spec.fixedArgs ?: [])
    words.addAll(args.extraArgs ?: [])
    return words.collect { it.toString() }
}

/** 'it''s' for POSIX sh: the whole word in single quotes, each ' written as '\''. */
@NonCPS
String shellQuote(String word) {
    return "'" + word.replace("'", "'\\''") + "'"
}

@NonCPS
String commandName(command) {
    return (command instanceof List ? command.join('-') : command.toString())
}

@NonCPS
String checkParameters(Map spec, Map args) {
    String step = spec.step ?: 'cipipe'
    List known = COMMON_PARAMETERS + (spec.flags ?: [:]).keySet()
    (spec.credentials ?: []).each { kind -> known << "${kind}CredentialsId".toString() }
    List unknown = args.keySet().findAll { !(it in known) }.collect { it.toString() }
    if (unknown) {
        return "${step}: unknown parameter(s) ${unknown.join(', ')}; known: ${known.join(', ')}"
    }
    List missing = (spec.required ?: []).findAll { args[it] == null }
    if (missing) {
        return "${step}: missing required parameter(s) ${missing.join(', ')}"
    }
    return null
}

/** withCredentials bindings: a kind's id is the step's `<kind>CredentialsId`, or its default; null skips it. */
List credentialBindings(List kinds, Map args) {
    List bindings = []
    for (String kind in kinds) {
        Map credential = CREDENTIALS[kind]
        String parameter = "${kind}CredentialsId"
        String id = args.containsKey(parameter) ? args[parameter] : credential.id
        if (id == null) {
            continue
        }
        if (credential.usernameVariable) {
            bindings << usernamePassword(credentialsId: id, usernameVariable: credential.usernameVariable,
                                         passwordVariable: credential.passwordVariable)
        } else {
            bindings << string(credentialsId: id, variable: credential.variable)
        }
    }
    return bindings
}

/** One line for error()/unstable(): the step, the exit code's meaning and cipipe's own message. */
@NonCPS
String failureMessage(String step, String name, int status, String stderrText) {
    List lines = (stderrText ?: '').readLines().collect { it.trim() }.findAll { it }
    // 'cipipe: error: ...', or click's usage errors: 'cipipe gate: error: ...'
    String detail = lines.reverse().find { line -> line ==~ /cipipe( [a-z-]+)*: error: .*/ }
    detail = detail ?: (lines ? lines[-1] : 'no message on stderr')
    String meaning = EXIT_MEANINGS[status]
    meaning = meaning ?: (status == 127 ? 'cipipe not found (see cipipeInstall)' : 'not a cipipe exit code')
    return "${step}: cipipe ${name} exited ${status} (${meaning}): ${detail}"
}
