"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl into a temp folder, loopback only.

PostgreSQL refuses to run as root, and the tests run as root on CI. pytest-postgresql starts
``pg_ctl`` as the current user and has no way to switch, so this starts the server itself, as
the ``postgres`` OS user when we are root (``subprocess``'s ``user=``/``group=``, which is what
``runuser -u postgres --`` does, without a dependency on util-linux or PAM). The folder is
created under a world-traversable temp folder and handed to that user; the server listens on
127.0.0.1 on a free port with a unix socket in the same folder, and is stopped and removed by
``stop()``. pytest-postgresql's DatabaseJanitor then makes one database per test on it.
"""

from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.loopback import free_port

USER = "cipipe"
PASSWORD = "pg-test-Secret-42"
RUN_AS = "postgres"
TIMEOUT = 90


class Unavailable(Exception):
    """No PostgreSQL can be started here; the message is the skip reason."""


def find_bindir() -> Path | None:
    """Debian keeps the server binaries off PATH, in /usr/lib/postgresql/VERSION/bin."""
    candidates: list[Path] = []
    if pg_config := shutil.which("pg_config"):
        try:
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=30, check=False
            )
            candidates.append(Path(out.stdout.strip()))
        except (OSError, subprocess.SubprocessError):
            pass

    def version(path: Path) -> int:
        match = re.fullmatch(r"\d+", path.parent.name)
        return int(match[0]) if match else 0

    installed = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    candidates += installed
    if pg_ctl := shutil.which("pg_ctl"):
        candidates.append(Path(pg_ctl).resolve().parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            return bindir
    return None


def _traversable_by_all(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


@dataclass
class PgServer:
    bindir: Path
    base: Path
    port: int
    account: pwd.struct_passwd | None
    host: str = "127.0.0.1"
    user: str = USER
    password: str = PASSWORD

    @property
    def datadir(self) -> Path:
        return self.base / "data"

    def url(self, dbname: str, *, password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql+psycopg://{self.user}:{secret}@{self.host}:{self.port}/{dbname}"

    def _run(self, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "LANG": "C"}
        if self.account is not None:
            env["HOME"] = str(self.base)
        uid, gid = (self.account.pw_uid, self.account.pw_gid) if self.account else (None, None)
        result = subprocess.run(
            [str(self.bindir / argv[0]), *argv[1:]],
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            env=env,
            cwd=self.base,
            check=False,
            user=uid,
            group=gid,
            extra_groups=[] if self.account else None,
        )
        if check and result.returncode != 0:
            log = self.base / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise Unavailable(f"{argv[0]} failed: {result.stderr.strip()[-2000:]}\n{tail}")
        return result

    def start(self) -> None:
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._chown(pwfile)
        self._run(
            "initdb",
            "-D",
            str(self.datadir),
            "-U",
            self.user,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--no-locale",
            "-E",
            "UTF8",
            "--no-sync",
        )
        pwfile.unlink()
        options = " ".join(
            [
                f"-p {self.port}",
                f"-c listen_addresses={self.host}",
                f"-c unix_socket_directories={shlex.quote(str(self.base))}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
            ]
        )
        self._run(
            "pg_ctl", "-D", str(self.datadir), "-l", str(self.base / "server.log"),
            "-o", options, "-w", "-t", str(TIMEOUT), "start",
        )  # fmt: skip

    def stop(self) -> None:
        try:
            if (self.datadir / "postmaster.pid").exists():
                stopped = self._run(
                    "pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop",
                    check=False,
                )  # fmt: skip
                if stopped.returncode != 0:
                    self._run("pg_ctl", "-D", str(self.datadir), "-m", "immediate", "stop",
                              check=False)  # fmt: skip
        finally:
            shutil.rmtree(self.base, ignore_errors=True)

    def _chown(self, path: Path) -> None:
        if self.account is not None:
            os.chown(path, self.account.pw_uid, self.account.pw_gid)


def start_server() -> PgServer:
    """Start a server or raise Unavailable saying why not."""
    bindir = find_bindir()
    if bindir is None:
        raise Unavailable(
            "PostgreSQL server binaries not found (pg_config --bindir, /usr/lib/postgresql/*/bin);"
            " `make test` installs Debian's postgresql package"
        )
    account = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam(RUN_AS)
        except KeyError:
            raise Unavailable(
                f"running as root and there is no {RUN_AS!r} user to run PostgreSQL as"
            ) from None
    roots = [Path(tempfile.gettempdir()), Path("/tmp")]
    root = next((r for r in roots if r.is_dir() and _traversable_by_all(r)), None)
    if root is None:
        raise Unavailable("no temp folder that the postgres user can reach")
    last: Unavailable | None = None
    for _ in range(3):  # a free port can be taken between our check and the server's bind
        server = PgServer(bindir, Path(tempfile.mkdtemp(prefix="cipipe-pg-", dir=root)),
                          free_port(), account)  # fmt: skip
        server._chown(server.base)
        try:
            server.start()
            return server
        except (Unavailable, subprocess.TimeoutExpired) as exc:
            last = exc if isinstance(exc, Unavailable) else Unavailable(str(exc))
            server.stop()
    assert last is not None
    raise last
