"""The BOM version after the one a rerun of the same build wrote before."""

from __future__ import annotations

from typing import Any

import pytest

from cipipe.steps.sbom.versioning import bom_version

SERIAL = "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79"


def doc(version: Any = 1, **fields: Any) -> dict[str, Any]:
    return {"bomFormat": "CycloneDX", "serialNumber": SERIAL, "version": version, **fields}


def test_no_previous_bom_is_the_first_revision() -> None:
    assert bom_version(doc(), None) == 1


def test_another_serial_number_starts_again() -> None:
    previous = doc(4, serialNumber="urn:uuid:00000000-0000-0000-0000-000000000000")
    assert bom_version(doc(components=[1]), previous) == 1


def test_same_content_keeps_the_version_other_content_is_the_next() -> None:
    assert bom_version(doc(components=[1]), doc(3, components=[1])) == 3
    assert bom_version(doc(components=[1, 2]), doc(3, components=[1])) == 4


@pytest.mark.parametrize("unusable", [None, "2", True, 0, -1, 1.5])
def test_a_previous_version_that_is_not_a_positive_integer_counts_as_1(unusable: Any) -> None:
    previous = doc(unusable, components=[1])
    if unusable is None:
        del previous["version"]
    assert bom_version(doc(components=[1]), previous) == 1
    assert bom_version(doc(components=[2]), previous) == 2
