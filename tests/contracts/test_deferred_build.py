"""Importing a contract builds none of its validators: a model is built when it first
validates (``defer_build`` in contracts.base), so a command pays only for what it reads."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """\
import json
from cipipe.contracts.build_info import BuildInfo, ChangeMetrics
from cipipe.contracts.source import Source
from tests.contracts.samples import sample_contracts

imported = {m.__name__: m.__pydantic_complete__ for m in (BuildInfo, ChangeMetrics, Source)}
source = next(c for c in sample_contracts() if c.SCHEMA_NAME == "source")
Source.model_validate_json(source.to_json())
print(json.dumps({"imported": imported, "source_after": Source.__pydantic_complete__,
                  "metrics_after": ChangeMetrics.__pydantic_complete__}))
"""


def test_a_model_is_built_when_it_first_validates_not_at_import() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["imported"] == {"BuildInfo": False, "ChangeMetrics": False, "Source": False}
    assert found["source_after"] is True  # validating built it
    assert found["metrics_after"] is False  # never used: never built
