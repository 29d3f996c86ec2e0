"""Validate JUnit XML against Maven Surefire's test-report schema (tests/data/surefire).

The XSD describes one ``<testsuite>``; a file with a ``<testsuites>`` root (what cipipe
writes) has each of its ``<testsuite>`` children validated on its own, as the schema would
see a Surefire ``TEST-*.xml``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import lxml.etree

XSD = Path(__file__).parent.parent / "data" / "surefire" / "surefire-test-report-3.0.xsd"


@cache
def _schema() -> Any:
    return lxml.etree.XMLSchema(lxml.etree.parse(str(XSD)))


def surefire_problems(document: str | bytes | Path) -> list[str]:
    """What the schema rejects in ``document`` (text, bytes or a file); empty when valid."""
    if isinstance(document, Path):
        data = document.read_bytes()
    else:
        data = document.encode("utf-8") if isinstance(document, str) else document
    root = lxml.etree.fromstring(data)
    if root.tag == "testsuites":
        suites = list(root.iterchildren("testsuite"))
        others = [child.tag for child in root.iterchildren() if child.tag != "testsuite"]
        problems = [f"<testsuites> holds <{tag}>, not a <testsuite>" for tag in others]
    elif root.tag == "testsuite":
        suites, problems = [root], []
    else:
        return [f"root <{root.tag}> is neither <testsuite> nor <testsuites>"]
    schema = _schema()
    for index, suite in enumerate(suites):
        if not schema.validate(lxml.etree.ElementTree(suite)):
            label = f"testsuite {suite.get('name', index)!r} line"
            problems += [f"{label} {e.line}: {e.message}" for e in schema.error_log]
    return problems


def assert_surefire_valid(document: str | bytes | Path) -> None:
    problems = surefire_problems(document)
    assert not problems, "\n".join(problems)
