"""The BOM's ``version``: which revision of the BOM with this serial number it is.

The serial number is derived from the service and the build id, so a rerun of the same build
writes the same ``serialNumber``. CycloneDX asks that a BOM modified under one serial number
get the next ``version``: a rerun that produces the same BOM keeps the version (and so the
same bytes), one whose content differs (a dependency changed, another cipipe) is the next.

The previous revision is the ``sbom.json`` already in the work folder: it is what a rerun of
the step (a Jenkins stage restarted in the same workspace, ``cipipe run`` again) sees,
without asking the artifact store.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def bom_version(document: Mapping[str, Any], previous: Mapping[str, Any] | None) -> int:
    """The version ``document`` (a CycloneDX JSON object) should carry after ``previous``:
    1 for a serial number not seen before, the previous version for the same content, the
    next one for other content."""
    if previous is None or previous.get("serialNumber") != document.get("serialNumber"):
        return 1
    before = previous.get("version")
    if not isinstance(before, int) or isinstance(before, bool) or before < 1:
        before = 1  # a document without a usable version was the first revision
    if _content(previous) == _content(document):
        return before
    return before + 1


def _content(document: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "version"}
