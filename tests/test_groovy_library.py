"""The Jenkins shared library (vars/) and Jenkinsfile.example, checked in Groovy.

The runner is tests/groovy/RunTests.groovy (Debian's groovy 2.4, no Gradle or Maven).

The Groovy runner stubs the Jenkins steps, runs each generated `sh` script through /bin/sh
with a stub cipipe, and checks command lines, credentials, exit-code mapping and quoting; all
its checks run in one JVM, so this is one test.
"""

import os
import shutil
import subprocess
from pathlib import Path

from tests.conftest import requires

ROOT = Path(__file__).resolve().parent.parent
GROOVY = shutil.which("groovy")


def _java_home() -> str | None:
    """Debian's groovy needs JAVA_HOME, or /usr/lib/jvm/default-java (default-jre-headless)."""
    if os.environ.get("JAVA_HOME") or Path("/usr/lib/jvm/default-java").exists():
        return os.environ.get("JAVA_HOME")
    java = shutil.which("java")
    return str(Path(java).resolve().parent.parent) if java else None


@requires(GROOVY is not None, "groovy not installed; `make test` installs it when run as root")
def test_groovy_library() -> None:
    assert GROOVY is not None
    env = dict(os.environ)
    java_home = _java_home()
    if java_home:
        env["JAVA_HOME"] = java_home
    result = subprocess.run(
        [GROOVY, "tests/groovy/RunTests.groovy", str(ROOT)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed, 0 failed" in result.stdout
