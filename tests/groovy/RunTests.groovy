// Checks the shared library in vars/ and Jenkinsfile.example against a fake Jenkins
// (tests/groovy/Harness.groovy), all in one JVM: Groovy 2.4 starts slowly.
//
//   groovy tests/groovy/RunTests.groovy [REPO_ROOT]      exit 0: all passed; 1: a check failed
import groovy.json.JsonOutput
import org.codehaus.groovy.control.CompilationUnit
import org.codehaus.groovy.control.Phases

File root = new File(args ? args[0] : '.').canonicalFile
File here = new File(root, 'tests/groovy')
File tmp = File.createTempDir('cipipe-groovy', '')
GroovyClassLoader harnessLoader = new GroovyClassLoader(getClass().classLoader)
harnessLoader.parseClass(new File(here, 'Harness.groovy'))
Class Harness = harnessLoader.loadClass('Harness')
Harness.load(new File(root, 'vars'), tmp)

Map checks = [:]
def check = { String name, Closure body -> checks[name] = body }
def newJenkins = { -> Harness.newInstance(tmp) }
def expect = { actual, expected, String what ->
    if (actual != expected) {
        throw new AssertionError((Object) "${what}:\n  expected: ${expected.inspect()}\n  actual:   ${actual.inspect()}".toString())
    }
}
def failsWith = { Closure body ->
    try {
        body()
    } catch (Exception e) {
        if (e.class.simpleName == 'StepError') {
            return e.message
        }
        throw e
    }
    throw new AssertionError((Object) 'expected error(...), but the step returned')
}
def commandLineOf = { jenkins ->
    List scripts = jenkins.named('sh')*.script
    expect(scripts.size(), 1, 'sh calls')
    String line = scripts[0].readLines().find { it.startsWith("'") }
    return line.replace(' 2> "$fifo"', '')
}
String secretValue = 'tok"en$X`id`'
Map allSecrets = [
    'cipipe-artifactory-token': secretValue, 'cipipe-slack-bot-token': 'xoxb-1', 'cipipe-github-token': 'ghp_1',
    'cipipe-audit-key': 'audit-key-0123456789abcdef0123456789',
]

// ---- one check per wrapper: the exact command line, the credentials, the returned JSON ----

Map wrappers = [
    cipipePrecheck: [
        args: [repo: 'src', commit: 'abc', branch: 'main', pr: '7', targetBranch: 'develop', scope: 'changed',
               sarifCategory: 'precheck/linux', uploadSarif: true, githubRepo: 'acme/widget'],
        line: "'cipipe' '--log-format' 'text' 'precheck' '--repo=src' '--commit=abc' '--branch=main' '--pr=7' '--target-branch=develop' '--scope=changed' '--sarif-category=precheck/linux' '--upload-sarif' '--github-repo=acme/widget'",
        output: 'precheck.json', credentials: [[type: 'string', credentialsId: 'cipipe-github-token', variable: 'GITHUB_TOKEN']]],
    cipipeBuild: [
        args: [platform: ['linux', 'arm'], jobs: 2, buildId: '42', checkReproducible: true, skipMissingToolchains: true],
        line: "'cipipe' '--log-format' 'text' 'build' '--platform=linux' '--platform=arm' '--jobs=2' '--build-id=42' '--check-reproducible' '--skip-missing-toolchains'",
        output: 'artifacts.json', credentials: []],
    cipipeTest: [
        args: [platform: 'arm', baseline: 'old/tests.json', allowUnstable: true],
        line: "'cipipe' '--log-format' 'text' 'test' '--platform=arm' '--baseline=old/tests.json'",
        output: 'tests.json', credentials: []],
    cipipeSbom: [
        args: [merge: ['syft.json', 'spdx.json'], baseline: 'base.json', buildId: '42'],
        line: "'cipipe' '--log-format' 'text' 'sbom' '--merge=syft.json' '--merge=spdx.json' '--baseline=base.json' '--build-id=42'",
        output: 'deps_changed.json', credentials: []],
    cipipeScan: [
        args: [osvDb: '/osv', grype: 'g.json', trivy: ['t1.json', 't2.json']],
        line: "'cipipe' '--log-format' 'text' 'scan' '--osv-db=/osv' '--grype=g.json' '--trivy=t1.json' '--trivy=t2.json'",
        output: 'scan.json', credentials: []],
    cipipeBuildInfo: [
        args: [base: 'HEAD~3', buildId: '42', db: 'history.sqlite'],
        line: "'cipipe' '--log-format' 'text' 'build-info' '--base=HEAD~3' '--build-id=42' '--db=history.sqlite'",
        output: 'build-info.json', credentials: []],
    cipipePublish: [
        args: [target: 'https://af.example.com/artifactory', via: 'jf', repository: 'cands', threads: 8, dryRun: true],
        line: "'cipipe' '--log-format' 'text' 'publish' '--target=https://af.example.com/artifactory' '--via=jf' '--repository=cands' '--threads=8' '--dry-run'",
        output: 'publish.json', credentials: [[type: 'string', credentialsId: 'cipipe-artifactory-token', variable: 'CIPIPE_ARTIFACTORY_TOKEN']]],
    cipipeBundle: [
        args: [spec: 'bundle.yaml', via: 'rest', buildId: '9'],
        line: "'cipipe' '--log-format' 'text' 'bundle' '--spec=bundle.yaml' '--via=rest' '--build-id=9'",
        output: 'manifest.json', credentials: [[type: 'string', credentialsId: 'cipipe-artifactory-token', variable: 'CIPIPE_ARTIFACTORY_TOKEN']]],
    cipipeGate: [
        args: [githubRepo: 'acme/svc', pr: 12, githubApi: 'https://ghe/api/v3'],
        line: "'cipipe' '--log-format' 'text' 'gate' '--github-repo=acme/svc' '--pr=12' '--github-api=https://ghe/api/v3'",
        output: 'gate.json', credentials: [
            [type: 'string', credentialsId: 'cipipe-artifactory-token', variable: 'CIPIPE_ARTIFACTORY_TOKEN'],
            [type: 'string', credentialsId: 'cipipe-github-token', variable: 'GITHUB_TOKEN']]],
    cipipeNotify: [
        args: [channel: '#builds', strict: true],
        line: "'cipipe' '--log-format' 'text' 'notify' '--channel=#builds' '--strict'",
        output: 'notification.json', credentials: [[type: 'string', credentialsId: 'cipipe-slack-bot-token', variable: 'SLACK_BOT_TOKEN']]],
    cipipeCollect: [
        args: [parts: ['cipipe-parts/linux/cipipe-work', 'cipipe-parts/arm/cipipe-work']],
        line: "'cipipe' '--log-format' 'text' 'collect' '--part=cipipe-parts/linux/cipipe-work' '--part=cipipe-parts/arm/cipipe-work'",
        output: 'artifacts.json', credentials: []],
    cipipeChecklist: [
        args: [target: 'https://af.example.com/artifactory', repository: 'cands'],
        line: "'cipipe' '--log-format' 'text' 'checklist' '--target=https://af.example.com/artifactory' '--repository=cands'",
        output: null, credentials: [[type: 'string', credentialsId: 'cipipe-artifactory-token', variable: 'CIPIPE_ARTIFACTORY_TOKEN']]],
    cipipeDecideStrategy: [
        args: [context: 'context.yaml', label: ['hotfix', 'db-migration'], policy: 'policies', mode: 'enforce',
               export: 'argo-rollouts', channel: '#deploys', allowRejected: true,
               modelUrl: 'http://127.0.0.1:8766', modelDeadline: 1.5],
        line: "'cipipe' '--log-format' 'text' 'decide-strategy' '--context=context.yaml' '--label=hotfix' '--label=db-migration' '--policy=policies' '--mode=enforce' '--export=argo-rollouts' '--channel=#deploys' '--allow-rejected' '--model-url=http://127.0.0.1:8766' '--model-deadline=1.5'",
        output: 'risk-decision.json', credentials: [
            [type: 'string', credentialsId: 'cipipe-artifactory-token', variable: 'CIPIPE_ARTIFACTORY_TOKEN'],
            [type: 'string', credentialsId: 'cipipe-slack-bot-token', variable: 'SLACK_BOT_TOKEN'],
            [type: 'string', credentialsId: 'cipipe-audit-key', variable: 'CIPIPE_AUDIT_KEY']]],
]
wrappers.cipipePolicyDiff = [
    args: [old: 'base/policies', new: 'policies', fromDb: true, top: 10, failIf: ['fpr>0.10', 'recall_drop>0.05'], pr: 7],
    line: "'cipipe' '--log-format' 'text' 'policy' 'diff' '--from-db' '--top=10' '--fail-if=fpr>0.10' '--fail-if=recall_drop>0.05' '--pr=7' 'base/policies' 'policies'",
    output: 'policy-diff.json', credentials: [[type: 'string', credentialsId: 'cipipe-github-token', variable: 'GITHUB_TOKEN']]]
wrappers.cipipeOutcomeSync = [
    args: [from: 'argo-rollouts', document: 'rollouts.json', db: 'history.sqlite3', artifactoryCredentialsId: null],
    line: "'cipipe' '--log-format' 'text' 'outcome' 'sync' '--from=argo-rollouts' '--db=history.sqlite3' 'rollouts.json'",
    output: 'outcome-sync.json', credentials: [
        [type: 'string', credentialsId: 'cipipe-audit-key', variable: 'CIPIPE_AUDIT_KEY']]]
wrappers.cipipeModelCompare = [
    args: [candidate: 'm-20261206T000000Z-0000beef', fromDb: true, last: 300, failIf: ['auc_drop>0.02', 'fpr_increase>0.02']],
    line: "'cipipe' '--log-format' 'text' 'model' 'compare' '--from-db' '--last=300' '--fail-if=auc_drop>0.02' '--fail-if=fpr_increase>0.02' 'm-20261206T000000Z-0000beef'",
    output: 'model-compare.json', credentials: []]
wrappers.each { String step, Map spec ->
    check("${step}: exact command line, CIPIPE_WORKDIR, credentials, returned JSON") {
        def jenkins = newJenkins()
        jenkins.secrets = allSecrets
        jenkins.outputs = spec.output ? [(spec.output): JsonOutput.toJson([step: step, ok: true])] : [:]
        def result = jenkins.call(step, spec.args)
        expect(commandLineOf(jenkins), spec.line, 'command line')
        expect(jenkins.named('withEnv'), [['CIPIPE_WORKDIR=.cipipe']], 'withEnv')
        expect(jenkins.named('sh')[0].returnStatus, true, 'sh returnStatus')
        expect(jenkins.named('withCredentials'), spec.credentials ? [spec.credentials] : [], 'withCredentials')
        if (spec.output) {
            expect(result, [step: step, ok: true], 'returned JSON')
            expect(jenkins.named('readJSON'), [[file: ".cipipe/${spec.output}".toString()]], 'readJSON')
        } else {
            expect(result, null, 'returns nothing')
            expect(jenkins.named('readJSON'), [], 'readJSON')
        }
        List argv = jenkins.argv()
        expect(argv[0..2], ['--log-format', 'text', spec.line.split("' '")[3]], 'argv start')
        expect(jenkins.stubEnv().CIPIPE_WORKDIR, '.cipipe', 'CIPIPE_WORKDIR seen by cipipe')
    }
}

check('cipipeBuildMatrix: --format jenkins, returns the ordered platform -> agent map') {
    def jenkins = newJenkins()
    jenkins.stdout = 'linux\tlinux-x64\narm\tlinux-arm64\nwindows\twindows'
    def result = jenkins.call('cipipeBuildMatrix', [config: 'ci/.cipipe.yaml'])
    expect(commandLineOf(jenkins), "'cipipe' '--log-format' 'text' 'build-matrix' '--config=ci/.cipipe.yaml' '--format' 'jenkins' > \"\$CIPIPE_WORKDIR/.jenkins/build-matrix.stdout\"", 'command line')
    expect(result, [linux: 'linux-x64', arm: 'linux-arm64', windows: 'windows'], 'agents')
    expect(result.keySet() as List, ['linux', 'arm', 'windows'], 'order')
    assert jenkins.shOutput.contains('linux\tlinux-x64'): 'the matrix lines are shown in the log'
}

check('cipipeOutcomeSync: from is required; the document may be stdin, never a flag') {
    def jenkins = newJenkins()
    String missing = failsWith { jenkins.call('cipipeOutcomeSync', [document: 'x.json']) }
    expect(missing, 'cipipeOutcomeSync: missing required parameter(s) from', 'missing from')
    String flag = failsWith { jenkins.call('cipipeOutcomeSync', [from: 'flagger', document: '--help']) }
    assert flag.contains("document must not start with '-'"): flag
    expect(jenkins.named('sh'), [], 'no cipipe run')
    jenkins.secrets = ['ci-reader': ['reader', 'api-token-1']]
    jenkins.call('cipipeOutcomeSync', [from: 'jenkins', job: 'ops/rollback', kind: 'hotfix',
                                       jenkinsCredentialsId: 'ci-reader', artifactoryCredentialsId: null,
                                       auditCredentialsId: null])
    expect(jenkins.argv(), ['--log-format', 'text', 'outcome', 'sync', '--from=jenkins', '--job=ops/rollback',
                            '--kind=hotfix'], 'argv')
    expect(jenkins.named('withCredentials'), [[[type: 'usernamePassword', credentialsId: 'ci-reader',
        usernameVariable: 'JENKINS_USER', passwordVariable: 'JENKINS_API_TOKEN']]], 'Jenkins credentials')
    expect(jenkins.stubEnv().JENKINS_USER, 'reader', 'JENKINS_USER seen by cipipe')
}

check('cipipePolicyDiff: OLD and NEW are required and never read as flags') {
    def jenkins = newJenkins()
    String missing = failsWith { jenkins.call('cipipePolicyDiff', [new: 'policies']) }
    expect(missing, 'cipipePolicyDiff: missing required parameter(s) old', 'missing old')
    String flag = failsWith { jenkins.call('cipipePolicyDiff', [old: '--help', new: 'policies']) }
    assert flag.contains("old must not start with '-'"): flag
    expect(jenkins.named('sh'), [], 'no cipipe run')
}

check('cipipeModelCompare: CANDIDATE is required, CURRENT optional, neither read as a flag') {
    def jenkins = newJenkins()
    String missing = failsWith { jenkins.call('cipipeModelCompare', [current: 'm-1']) }
    expect(missing, 'cipipeModelCompare: missing required parameter(s) candidate', 'missing candidate')
    String flag = failsWith { jenkins.call('cipipeModelCompare', [candidate: 'm-2', current: '--force']) }
    assert flag.contains("current must not start with '-'"): flag
    expect(jenkins.named('sh'), [], 'no cipipe run')
    jenkins.call('cipipeModelCompare', [candidate: 'm-2', current: 'm-1', fromDb: true])
    expect(jenkins.argv(), ['--log-format', 'text', 'model', 'compare', '--from-db', 'm-2', 'm-1'], 'both positional, in order')
}

// ---- quoting: what the pipeline passes is what cipipe gets ----

check('arguments with spaces, quotes, $, backticks, backslashes and newlines arrive unchanged') {
    def jenkins = newJenkins()
    List nasty = ["it's a \"branch\" with spaces", 'cost $HOME ${PATH} $(id) `id`', "two\nlines\\n", "'", '', '-x',
                  "; rm -rf / #", 'ünïcödé ✓']
    jenkins.call('cipipeDecideStrategy', [label: nasty, artifactoryCredentialsId: null, slackCredentialsId: null,
                                          auditCredentialsId: null])
    List expected = ['--log-format', 'text', 'decide-strategy'] + nasty.collect { "--label=${it}".toString() }
    expect(jenkins.argv(), expected, 'argv seen by cipipe')
}

check('the secrets reach cipipe through the environment, never argv or the script') {
    def jenkins = newJenkins()
    jenkins.secrets = allSecrets
    jenkins.call('cipipeGate', [:])
    Map env = jenkins.stubEnv()
    expect(env.CIPIPE_ARTIFACTORY_TOKEN, secretValue, 'CIPIPE_ARTIFACTORY_TOKEN')
    expect(env.GITHUB_TOKEN, 'ghp_1', 'GITHUB_TOKEN')
    assert !env.containsKey('SLACK_BOT_TOKEN'): 'gate binds no Slack token'
    assert !jenkins.named('sh')[0].script.contains(secretValue): 'secret in the script'
    assert !jenkins.argv().any { it.contains(secretValue) }: 'secret in argv'
}

// ---- credentials: configurable ids, null skips ----

check('credential ids are configurable; null skips one; usernamePassword for Artifactory user') {
    def jenkins = newJenkins()
    jenkins.secrets = ['team-af': ['deployer', 'pw'], 'team-slack': 'xoxb-team', 'team-audit': 'audit-key-team-0123456789abcdef01']
    jenkins.call('cipipeDecideStrategy', [artifactoryCredentialsId: null, artifactoryUserCredentialsId: 'team-af',
                                          slackCredentialsId: 'team-slack', dbCredentialsId: null,
                                          auditCredentialsId: 'team-audit'])
    expect(jenkins.named('withCredentials'), [[
        [type: 'usernamePassword', credentialsId: 'team-af', usernameVariable: 'CIPIPE_ARTIFACTORY_USER',
         passwordVariable: 'CIPIPE_ARTIFACTORY_PASSWORD'],
        [type: 'string', credentialsId: 'team-slack', variable: 'SLACK_BOT_TOKEN'],
        [type: 'string', credentialsId: 'team-audit', variable: 'CIPIPE_AUDIT_KEY']]], 'bindings')
    Map env = jenkins.stubEnv()
    expect([env.CIPIPE_ARTIFACTORY_USER, env.CIPIPE_ARTIFACTORY_PASSWORD, env.SLACK_BOT_TOKEN, env.CIPIPE_AUDIT_KEY],
           ['deployer', 'pw', 'xoxb-team', 'audit-key-team-0123456789abcdef01'], 'environment')
    assert !env.containsKey('CIPIPE_ARTIFACTORY_TOKEN')
    assert !jenkins.argv().any { it.contains('audit-key-team') }: 'the audit key in argv'
    assert !jenkins.named('sh')[0].script.contains('audit-key-team'): 'the audit key in the script'
}

check('all credentials null: no withCredentials at all') {
    def jenkins = newJenkins()
    jenkins.call('cipipePublish', [artifactoryCredentialsId: null])
    expect(jenkins.named('withCredentials'), [], 'withCredentials')
    expect(jenkins.named('sh').size(), 1, 'sh calls')
}

check('cipipePrecheck binds GITHUB_TOKEN only to upload the SARIF') {
    def jenkins = newJenkins()
    jenkins.call('cipipePrecheck', [:])
    expect(jenkins.named('withCredentials'), [], 'withCredentials')
    expect(commandLineOf(jenkins), "'cipipe' '--log-format' 'text' 'precheck'", 'command line')
}

check('a credentials parameter the step does not use is rejected') {
    def jenkins = newJenkins()
    String message = failsWith { jenkins.call('cipipeBuild', [githubCredentialsId: 'x']) }
    assert message.startsWith('cipipeBuild: unknown parameter(s) githubCredentialsId; known: '): message
}

// ---- exit codes ----

Map failing = [
    2: 'cipipeGate: cipipe gate exited 2 (bad usage or bad input): cipipe: error: .cipipe.yaml: gate.policy: expected a mapping',
    3: 'cipipeGate: cipipe gate exited 3 (an outside system failed after retries): cipipe: error: .cipipe.yaml: gate.policy: expected a mapping',
    4: 'cipipeGate: cipipe gate exited 4 (a bug in cipipe (rerun with extraArgs or verbose, or locally with --debug)): cipipe: error: .cipipe.yaml: gate.policy: expected a mapping',
]
failing.each { int code, String expected ->
    check("exit ${code}: error() with the last 'cipipe: error:' line") {
        def jenkins = newJenkins()
        jenkins.exitCode = code
        jenkins.stderr = '2026-01-01T00:00:00Z INFO    gate: reading\ncipipe: error: an earlier one\n' +
            'cipipe: error: .cipipe.yaml: gate.policy: expected a mapping\n'
        String message = failsWith { jenkins.call('cipipeGate', [githubCredentialsId: null, artifactoryCredentialsId: null]) }
        expect(message, expected, 'error message')
        expect(jenkins.named('unstable'), [], 'unstable')
        assert jenkins.shOutput.contains('cipipe: error: an earlier one'): 'stderr shown in the log'
    }
    check("exit ${code} with allowUnstable: still error()") {
        def jenkins = newJenkins()
        jenkins.exitCode = code
        failsWith { jenkins.call('cipipeTest', [allowUnstable: true]) }
        expect(jenkins.named('unstable'), [], 'unstable')
    }
}

check("exit 2 from a usage error: click's 'cipipe gate: error:' line") {
    def jenkins = newJenkins()
    jenkins.exitCode = 2
    jenkins.stderr = "cipipe gate: error: Invalid value for '--pr': 'abc' is not a valid integer range.\n" +
        "2026-01-01T00:00:00Z INFO    trailing log line"
    String message = failsWith { jenkins.call('cipipeGate', [pr: 'abc', githubCredentialsId: null, artifactoryCredentialsId: null]) }
    expect(message, "cipipeGate: cipipe gate exited 2 (bad usage or bad input): cipipe gate: error: Invalid value for '--pr': 'abc' is not a valid integer range.", 'message')
}

check('exit 0: no error, no unstable, the JSON returned') {
    def jenkins = newJenkins()
    jenkins.outputs = ['gate.json': '{"verdict": "needs-attention"}']
    def gate = jenkins.call('cipipeGate', [githubCredentialsId: null, artifactoryCredentialsId: null])
    expect(gate.verdict, 'needs-attention', 'verdict')
    expect(jenkins.named('error') + jenkins.named('unstable'), [], 'error/unstable')
}

check('exit 1 without allowUnstable: the stage fails') {
    def jenkins = newJenkins()
    jenkins.exitCode = 1
    jenkins.stderr = '2026-01-01T00:00:00Z ERROR   gate: rejected: unit-tests failed on arm'
    jenkins.outputs = ['gate.json': '{"verdict": "rejected"}']
    String message = failsWith { jenkins.call('cipipeGate', [githubCredentialsId: null, artifactoryCredentialsId: null]) }
    expect(message, 'cipipeGate: cipipe gate exited 1 (the answer is no): 2026-01-01T00:00:00Z ERROR   gate: rejected: unit-tests failed on arm', 'message')
}

check('exit 1 with allowUnstable: unstable(), and the JSON still returned') {
    def jenkins = newJenkins()
    jenkins.exitCode = 1
    jenkins.stderr = 'cipipe: error: 2 critical tests failed'
    jenkins.outputs = ['tests.json': '{"passed": false}']
    def tests = jenkins.call('cipipeTest', [allowUnstable: true])
    expect(jenkins.named('unstable'), ['cipipeTest: cipipe test exited 1 (the answer is no): cipipe: error: 2 critical tests failed'], 'unstable')
    expect(jenkins.named('error'), [], 'error')
    expect(tests, [passed: false], 'returned JSON')
}

check('cipipe missing (exit 127): error() says so') {
    def jenkins = newJenkins()
    String message = failsWith { jenkins.call('cipipeScan', [cipipe: '/nowhere/cipipe']) }
    assert message.startsWith('cipipeScan: cipipe scan exited 127 (cipipe not found (see cipipeInstall)): '): message
}

// ---- the work folder, which cipipe, extra arguments ----

check('work folder: parameter, else env.CIPIPE_WORKDIR, else .cipipe') {
    def jenkins = newJenkins()
    jenkins.env.CIPIPE_WORKDIR = 'cipipe-work'
    jenkins.outputs = ['scan.json': '{"n": 1}']
    expect(jenkins.call('cipipeScan', [:]), [n: 1], 'JSON from env work folder')
    expect(jenkins.named('withEnv'), [['CIPIPE_WORKDIR=cipipe-work']], 'withEnv')
    expect(jenkins.stubEnv('cipipe-work').CIPIPE_WORKDIR, 'cipipe-work', 'seen by cipipe')
    def other = newJenkins()
    other.outputs = ['scan.json': '{"n": 2}']
    expect(other.call('cipipeScan', [workdir: 'my work']), [n: 2], 'JSON from the parameter work folder')
    expect(other.named('withEnv'), [['CIPIPE_WORKDIR=my work']], 'withEnv')
    expect(other.named('readJSON'), [[file: 'my work/scan.json']], 'readJSON')
}

check('cipipe: a path, a List command, env.CIPIPE_BIN; extraArgs and verbose quoted') {
    def jenkins = newJenkins()
    jenkins.call('cipipeSbom', [cipipe: "${Harness.stubBin}/cipipe".toString(), extraArgs: ['--x', 'a b'], verbose: true])
    expect(commandLineOf(jenkins), "'${Harness.stubBin}/cipipe' '--log-format' 'text' '-v' 'sbom' '--x' 'a b'".toString(), 'path')
    def listed = newJenkins()
    listed.call('cipipeSbom', [cipipe: ['env', 'CIPIPE_X=1', 'cipipe']])
    expect(commandLineOf(listed), "'env' 'CIPIPE_X=1' 'cipipe' '--log-format' 'text' 'sbom'", 'list')
    expect(listed.stubEnv().CIPIPE_X, '1', 'ran through env')
    def fromEnv = newJenkins()
    fromEnv.env.CIPIPE_BIN = '.cipipe-venv/bin/cipipe'
    failsWith { fromEnv.call('cipipeSbom', [:]) }
    assert commandLineOf(fromEnv).startsWith("'.cipipe-venv/bin/cipipe' "): 'env.CIPIPE_BIN'
}

check('unknown and missing parameters fail before anything runs') {
    def jenkins = newJenkins()
    String message = failsWith { jenkins.call('cipipeBuild', [platfrom: 'arm']) }
    assert message.startsWith('cipipeBuild: unknown parameter(s) platfrom; known: workdir, cipipe, '): message
    message = failsWith { jenkins.call('cipipeBundle', [artifactoryCredentialsId: null]) }
    expect(message, 'cipipeBundle: missing required parameter(s) spec', 'missing')
    expect(jenkins.named('sh'), [], 'sh calls')
}

// ---- cipipeInstall ----

check('cipipeInstall: a pinned version or a wheel into a venv; env.CIPIPE_BIN set') {
    def jenkins = newJenkins()
    jenkins.calls.clear()
    def script = jenkins.script('cipipeInstall')
    String pip = "'.cipipe-venv/bin/python' -m pip --disable-pip-version-check"
    expect(script.installScript([version: '0.1.0', indexUrl: 'https://af/api/pypi/pypi/simple', wheelCache: null], '.cipipe-venv'),
        "set -e\n'python3' -m venv '.cipipe-venv'\n${pip} install --quiet " +
        "--index-url 'https://af/api/pypi/pypi/simple' 'cipipe==0.1.0'\n'.cipipe-venv/bin/cipipe' --version\n".toString(), 'version, no cache')
    expect(script.installScript([wheelUrl: 'https://af/cipipe-0.1.0-py3-none-any.whl', python: 'python3.11', wheelCache: ''], 'v'),
        "set -e\n'python3.11' -m venv 'v'\n'v/bin/python' -m pip --disable-pip-version-check install --quiet " +
        "'https://af/cipipe-0.1.0-py3-none-any.whl'\n'v/bin/cipipe' --version\n", 'wheel, no cache')
    String message = failsWith { jenkins.call('cipipeInstall', [:]) }
    assert message.contains('exactly one of version'): message
    failsWith { jenkins.call('cipipeInstall', [version: '1', wheelUrl: 'x']) }
    message = failsWith { jenkins.call('cipipeInstall', [version: '1', extras: ['model', 'modle']]) }
    expect(message, 'cipipeInstall: unknown extra(s) modle; known: model, charts, postgres, all, coverage, parquet', 'extras')
    expect(jenkins.named('sh'), [], 'nothing ran')
}

check('cipipeInstall: extras, and a wheel house per version, extras, Python and platform') {
    def script = newJenkins().script('cipipeInstall')
    expect(script.requirement([version: '0.1.0', extras: ['postgres', 'model', 'model']]), 'cipipe[model,postgres]==0.1.0', 'pinned')
    expect(script.requirement([version: '0.1.0', extras: 'charts']), 'cipipe[charts]==0.1.0', 'one extra as a string')
    expect(script.requirement([wheelUrl: 'https://af/cipipe-0.1.0-py3-none-any.whl', extras: ['model']]),
        'cipipe[model] @ https://af/cipipe-0.1.0-py3-none-any.whl', 'wheel URL with extras')
    expect(script.nameWithExtras([wheelUrl: 'https://af/cipipe-0.1.0-py3-none-any.whl', extras: ['model']]),
        'cipipe[model]', 'a wheel URL is installed from the house by name')
    expect(script.nameWithExtras([wheelUrl: 'https://af/cipipe-0.1.0-py3-none-any.whl']), 'cipipe', 'core by name')
    expect(script.houseName([version: '0.1.0']), 'cipipe-0.1.0-core', 'core house')
    expect(script.houseName([version: '0.1.0', extras: ['postgres', 'model']]), 'cipipe-0.1.0-model+postgres', 'extras house')
    expect(script.houseName([wheelUrl: 'https://af/x/cipipe-0.2.0-py3-none-any.whl?sig=a b']), 'cipipe-0.2.0-py3-none-any-core', 'wheel house')
    String text = script.installScript([version: '0.1.0', extras: ['model'], indexUrl: 'https://af/simple'], '.cipipe-venv')
    String pip = "'.cipipe-venv/bin/python' -m pip --disable-pip-version-check"
    expect(text.readLines(), [
        'set -e',
        "'python3' -m venv '.cipipe-venv'",
        "house='.cipipe-wheels/cipipe-0.1.0-model'-\"\$('.cipipe-venv/bin/python' -c 'import sys, sysconfig; " +
            "print(sys.implementation.cache_tag, sysconfig.get_platform(), sep=chr(45))')\"",
        'if [ ! -d "$house" ]; then',
        "  mkdir -p '.cipipe-wheels'",
        "  ${pip} wheel --quiet --index-url 'https://af/simple' --wheel-dir \"\$house.\$\$\" 'cipipe[model]==0.1.0' " +
            '|| { rm -rf "$house.$$"; exit 1; }',
        '  mv -T "$house.$$" "$house" 2>/dev/null || rm -rf "$house.$$"',
        'fi',
        "${pip} install --quiet --no-index --find-links \"\$house\" 'cipipe[model]==0.1.0'",
        "'.cipipe-venv/bin/cipipe' --version",
    ]*.toString(), 'cached install script')
}

check('cipipeInstall run for real: the first build fills the wheel house, the next installs from it') {
    def jenkins = newJenkins()
    // python3 stub: makes the venv; its python records each pip call, answers the interpreter
    // tag, and for `pip wheel` puts a wheel in the --wheel-dir.
    File fakePython = new File(Harness.stubBin, 'python3')
    fakePython.text = '#!/bin/sh\nmkdir -p "$3/bin"; cp "$(dirname "$0")/cipipe" "$3/bin/cipipe"\n' +
        'cat > "$3/bin/python" <<\'EOF\'\n#!/bin/sh\n' +
        'if [ "$1" = -c ]; then echo cpython-311-linux-x86_64; exit 0; fi\n' +
        'echo "pip $*" >> pip.log\n' +
        'if [ "$4" = wheel ]; then shift 4; while [ "$1" != --wheel-dir ]; do shift; done; ' +
        'mkdir -p "$2"; touch "$2/cipipe-0.1.0-py3-none-any.whl"; fi\n' +
        'EOF\nchmod +x "$3/bin/python"\n'
    fakePython.setExecutable(true)
    try {
        jenkins.workspace.toPath().resolve('.cipipe').toFile().mkdirs()
        jenkins.envStack << [CIPIPE_WORKDIR: '.cipipe']
        expect(jenkins.call('cipipeInstall', [version: '0.1.0', extras: ['model']]), '.cipipe-venv/bin/cipipe', 'returned path')
        expect(jenkins.env.CIPIPE_BIN, '.cipipe-venv/bin/cipipe', 'env.CIPIPE_BIN')
        File house = jenkins.file('.cipipe-wheels/cipipe-0.1.0-model-cpython-311-linux-x86_64')
        assert new File(house, 'cipipe-0.1.0-py3-none-any.whl').isFile(): 'the wheel house was filled'
        expect(jenkins.file('.cipipe-wheels').list().toList(), [house.name], 'no private folder left')
        String find = '--find-links .cipipe-wheels/cipipe-0.1.0-model-cpython-311-linux-x86_64 cipipe[model]==0.1.0'
        List first = jenkins.file('pip.log').readLines()
        expect(first.size(), 2, 'pip calls of the first build')
        assert first[0].startsWith('pip -m pip --disable-pip-version-check wheel --quiet --wheel-dir .cipipe-wheels/'): first[0]
        expect(first[1], "pip -m pip --disable-pip-version-check install --quiet --no-index ${find}".toString(), 'offline install')
        jenkins.file('pip.log').delete()
        jenkins.call('cipipeInstall', [version: '0.1.0', extras: ['model']])
        expect(jenkins.file('pip.log').readLines(),
            ["pip -m pip --disable-pip-version-check install --quiet --no-index ${find}".toString()], 'second build: no pip wheel')
    } finally {
        fakePython.delete()
    }
    expect(jenkins.argv(), ['--version'], 'installed cipipe ran')
}

// ---- help pages and the example pipeline ----

check('every vars/*.groovy has a vars/*.txt naming each of its parameters') {
    new File(root, 'vars').listFiles().findAll { it.name.endsWith('.groovy') }.each { File source ->
        File help = new File(source.parentFile, source.name - '.groovy' + '.txt')
        assert help.exists(): "${help} is missing"
        def params = (source.text =~ /(?m)^\s+(\w+)\s*: '--[a-z-]+'/).collect { it[1] }
        params.each { assert help.text =~ /(?m)^\s+${it}\s/: "${help.name} does not describe ${it}" }
    }
}

check('Jenkinsfile.example parses as Groovy and uses every step') {
    File example = new File(root, 'Jenkinsfile.example')
    CompilationUnit unit = new CompilationUnit()
    unit.addSource(example)
    unit.compile(Phases.CONVERSION)
    String text = example.text
    ['cipipePrecheck', 'cipipeBuildMatrix', 'cipipeBuild', 'cipipeTest', 'cipipeSbom', 'cipipeScan',
     'cipipeBuildInfo', 'cipipePublish', 'cipipeGate', 'cipipeNotify', 'cipipeDecideStrategy', 'cipipeInstall',
     'cipipeCollect', 'cipipeChecklist', 'cipipePolicyDiff', 'cipipeOutcomeSync', 'cipipeModelCompare', "triggeredBy 'TimerTrigger'",
     'kubectl get rollouts.argoproj.io', "changeset 'policies/**'", 'git worktree add',
     'SubmoduleOption', 'recursiveSubmodules: true', 'parallel', 'stash', 'unstash',
     "junit allowEmptyResults: true, testResults: 'cipipe-work/reports/junit-gates.xml'", 'input message'].each {
        assert text.contains(it): "Jenkinsfile.example lacks ${it}"
    }
}

// ---- run them ----

List failures = []
checks.each { String name, Closure body ->
    try {
        body()
        println "ok    ${name}"
    } catch (Throwable e) {
        failures << name
        println "FAIL  ${name}\n      ${e.class.simpleName}: ${e.message?.readLines()?.join('\n      ')}"
    }
}
tmp.deleteDir()
println "${checks.size() - failures.size()} passed, ${failures.size()} failed"
if (failures) {
    System.exit(1)
}
