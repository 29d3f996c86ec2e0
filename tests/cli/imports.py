"""The modules a cipipe command loaded, measured in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.outside import OUTSIDE_CONFIG

PROBE = """\
import json, sys
from cipipe.cli import run
code = run(json.loads(sys.argv[1]))
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def modules_after(tmp_path: Path, *argv: str) -> set[str]:
    """Run cipipe ``argv`` in a fresh interpreter; the modules it had loaded at the end."""
    env = {k: v for k, v in os.environ.items() if k not in OUTSIDE_CONFIG}
    out = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, out.stderr
    return set(result["modules"])
