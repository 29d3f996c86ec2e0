// A fake Jenkins for the shared library in vars/: the steps the library uses, recorded, and
// `sh` run for real through /bin/sh -xe (as Jenkins runs it) in a temporary workspace with a
// stub `cipipe` first on PATH that records its argv and environment.
import groovy.json.JsonSlurper
import org.codehaus.groovy.control.CompilerConfiguration
import org.codehaus.groovy.control.customizers.ImportCustomizer
import org.codehaus.groovy.runtime.InvokerHelper

class StepError extends RuntimeException {
    StepError(String message) { super(message) }
}

class Harness {
    static Map<String, Class> scripts = [:]
    static File stubBin

    File workspace
    Map env = [:]
    List calls = []
    List envStack = []
    Map secrets = [:]
    // how the stub cipipe behaves
    int exitCode = 0
    String stderr = ''
    String stdout = ''
    Map outputs = [:]
    // what the last sh run saw
    String shOutput = ''
    private Binding binding

    /** Compiles vars/*.groovy once, and writes the stub cipipe. */
    static void load(File varsDir, File tmp) {
        // Jenkins imports NonCPS for every Pipeline script and library file; so do we.
        CompilerConfiguration config = new CompilerConfiguration()
        config.addCompilationCustomizers(new ImportCustomizer().addImports('com.cloudbees.groovy.cps.NonCPS'))
        GroovyClassLoader loader = new GroovyClassLoader(Harness.classLoader, config)
        loader.parseClass('''package com.cloudbees.groovy.cps
            import java.lang.annotation.*
            @Retention(RetentionPolicy.RUNTIME) @Target(ElementType.METHOD) @interface NonCPS {}''')
        varsDir.listFiles().findAll { it.name.endsWith('.groovy') }.sort { it.name }.each { file ->
            scripts[file.name - '.groovy'] = loader.parseClass(file)
        }
        stubBin = new File(tmp, 'bin')
        stubBin.mkdirs()
        File stub = new File(stubBin, 'cipipe')
        stub.text = '''#!/bin/sh
# the stub cipipe: records argv (NUL-separated) and environment, then behaves as told
printf '%s\\0' "$@" > "$CIPIPE_WORKDIR/.stub-argv"
env > "$CIPIPE_WORKDIR/.stub-env"
[ -n "$STUB_STDOUT" ] && printf '%s\\n' "$STUB_STDOUT"
[ -n "$STUB_STDERR" ] && printf '%s\\n' "$STUB_STDERR" >&2
[ -n "$STUB_OUTPUT" ] && printf '%s' "$STUB_OUTPUT_JSON" > "$CIPIPE_WORKDIR/$STUB_OUTPUT"
exit "${STUB_EXIT:-0}"
'''
        stub.setExecutable(true)
    }

    Harness(File tmp) {
        workspace = File.createTempFile('workspace', '', tmp)
        workspace.delete()
        workspace.mkdirs()
    }

    /** vars/<name>.groovy bound to this fake Jenkins, as Jenkins binds every global variable. */
    Script script(String name) {
        if (binding == null) {
            binding = new Binding()
            binding.setVariable('env', env)
            ['sh', 'readJSON', 'readFile', 'writeFile', 'fileExists', 'error', 'unstable', 'echo',
             'withEnv', 'withCredentials', 'string', 'usernamePassword', 'input'].each { step ->
                binding.setVariable(step, this.&"$step")
            }
            scripts.each { String var, Class cls ->
                binding.setVariable(var, InvokerHelper.createScript(cls, binding))
            }
        }
        return binding.getVariable(name)
    }

    Object call(String name, Map args) {
        return script(name).invokeMethod('call', [args] as Object[])
    }

    List named(String step) {
        return calls.findAll { it[0] == step }.collect { it[1] }
    }

    Map currentEnv() {
        Map merged = [:]
        envStack.each { merged.putAll(it) }
        return merged
    }

    File file(String path) {
        File f = new File(path)
        return f.absolute ? f : new File(workspace, path)
    }

    // ---- the Jenkins steps ----

    Object sh(Map args) {
        calls << ['sh', args + [env: currentEnv()]]
        ProcessBuilder builder = new ProcessBuilder('/bin/sh', '-xe', '-c', args.script)
        builder.directory(workspace)
        Map processEnv = builder.environment()
        processEnv.putAll(currentEnv())
        processEnv.PATH = "${stubBin.absolutePath}:${System.getenv('PATH')}".toString()
        processEnv.putAll([STUB_EXIT: exitCode.toString(), STUB_STDERR: stderr, STUB_STDOUT: stdout])
        outputs.each { String name, String json ->
            processEnv.putAll([STUB_OUTPUT: name, STUB_OUTPUT_JSON: json])
        }
        builder.redirectErrorStream(true)
        Process process = builder.start()
        shOutput = process.inputStream.text
        int status = process.waitFor()
        if (args.returnStatus) {
            return status
        }
        if (status != 0) {
            throw new StepError("script returned exit code ${status}")
        }
        return args.returnStdout ? shOutput : null
    }

    Object readJSON(Map args) {
        calls << ['readJSON', args]
        return new JsonSlurper().parse(file(args.file))
    }

    String readFile(Object args) {
        String path = args instanceof Map ? args.file : args
        calls << ['readFile', path]
        return file(path).text
    }

    void writeFile(Map args) {
        calls << ['writeFile', args]
        file(args.file).text = args.text
    }

    boolean fileExists(String path) {
        calls << ['fileExists', path]
        return file(path).exists()
    }

    void error(String message) {
        calls << ['error', message]
        throw new StepError(message)
    }

    void unstable(String message) {
        calls << ['unstable', message]
    }

    void echo(String message) {
        calls << ['echo', message]
    }

    Object input(Map args) {
        calls << ['input', args]
        return null
    }

    Map string(Map args) {
        return [type: 'string'] + args
    }

    Map usernamePassword(Map args) {
        return [type: 'usernamePassword'] + args
    }

    Object withEnv(List pairs, Closure body) {
        calls << ['withEnv', pairs.collect { it.toString() }]
        Map added = pairs.collectEntries { String pair ->
            int at = pair.indexOf('=')
            [(pair.substring(0, at)): pair.substring(at + 1)]
        }
        return within(added, body)
    }

    Object withCredentials(List bindings, Closure body) {
        calls << ['withCredentials', bindings]
        Map added = [:]
        bindings.each { Map binding ->
            if (!secrets.containsKey(binding.credentialsId)) {
                throw new StepError("Could not find credentials entry with ID '${binding.credentialsId}'")
            }
            def secret = secrets[binding.credentialsId]
            if (binding.type == 'string') {
                added[binding.variable] = secret
            } else {
                added[binding.usernameVariable] = secret[0]
                added[binding.passwordVariable] = secret[1]
            }
        }
        return within(added, body)
    }

    private Object within(Map added, Closure body) {
        envStack << added
        try {
            return body.call()
        } finally {
            envStack.remove(envStack.size() - 1)
        }
    }

    // ---- what the stub cipipe saw ----

    List argv(String workdir = '.cipipe') {
        String text = file("${workdir}/.stub-argv").getText('UTF-8')
        return text ? text.split('\u0000', -1)[0..-2] : []
    }

    Map stubEnv(String workdir = '.cipipe') {
        return file("${workdir}/.stub-env").readLines().findAll { it.contains('=') }.collectEntries {
            int at = it.indexOf('=')
            [(it.substring(0, at)): it.substring(at + 1)]
        }
    }
}
