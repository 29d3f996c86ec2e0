from __future__ import annotations

import io
import json
import logging

import pytest

from cipipe.logs import MASK, SecretMasker, setup_logging


def test_masker_masks_secret_looking_variables_only() -> None:
    masker = SecretMasker(
        {
            "ARTIFACTORY_TOKEN": "tok-abc-123",
            "DB_PASSWORD": "hunter22",
            "GITHUB_APP_KEY": "key-xyz",
            "JENKINS_PSW": "p4ss",
            "SOME_CREDENTIALS": "cred-9",
            "HTTP_AUTH": "Basic Zm9vOmJhcg==",
            "PATH": "/usr/bin:/bin",
            "SHORT_TOKEN": "1",
        }
    )
    text = "tok-abc-123 hunter22 key-xyz p4ss cred-9 Basic Zm9vOmJhcg== /usr/bin:/bin 1"
    assert masker.mask(text) == f"{MASK} {MASK} {MASK} {MASK} {MASK} {MASK} /usr/bin:/bin 1"


def test_longer_secret_containing_another_is_masked_whole() -> None:
    masker = SecretMasker({"A_TOKEN": "abcd", "B_TOKEN": "abcdefgh"})
    assert masker.mask("x abcdefgh y") == f"x {MASK} y"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_log_line_carries_a_secret(monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-super-secret")
    stream = io.StringIO()
    setup_logging(fmt=fmt, stream=stream)  # type: ignore[arg-type]
    logging.getLogger("cipipe.test").warning("calling with %s", "xoxb-super-secret")
    output = stream.getvalue()
    assert "xoxb-super-secret" not in output
    assert MASK in output
    if fmt == "json":
        record = json.loads(output)
        assert record["level"] == "warning" and record["logger"] == "cipipe.test"
    else:
        assert output.split()[1] == "WARNING" and output[:4].isdigit()
