"""Real git repositories in tmp folders, with fixed identities and clocks so SHAs are stable."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

BASE_TIME = 1_767_348_000  # 2026-01-02T10:00:00Z


class GitRepoBuilder:
    def __init__(self, root: Path, *, init: bool = True) -> None:
        self.root = root
        self._tick = 0
        if not init:
            return  # an existing checkout, e.g. a submodule's
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Ada Lovelace")
        self.git("config", "user.email", "ada@example.com")
        self.git("config", "protocol.file.allow", "always")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        full_env = {
            **os.environ,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_ALLOW_PROTOCOL": "file",
            **(env or {}),
        }
        result = subprocess.run(
            ["git", "-c", "protocol.file.allow=always", *args],
            cwd=self.root,
            env=full_env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        return result.stdout

    def write(self, path: str, content: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content)
        return target

    def commit(
        self,
        message: str,
        files: dict[str, str | bytes] | None = None,
        *,
        author: tuple[str, str] | None = None,
    ) -> str:
        for path, content in (files or {}).items():
            self.write(path, content)
        self.git("add", "-A")
        self._tick += 1
        stamp = f"{BASE_TIME + self._tick * 3600} +0000"
        env = {"GIT_AUTHOR_DATE": stamp, "GIT_COMMITTER_DATE": stamp}
        if author:
            env |= {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1]}
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()
