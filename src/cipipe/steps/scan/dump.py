"""Loading an unpacked OSV dump (one JSON file per advisory, in nested folders) into an index.

Decoding every file is what a naive loader spends its time on, and worse, keeping 50,000
decoded advisories alive makes Python's cyclic garbage collector walk them again and again
while they load (measured: 1.8 s to decode and keep them, 0.6 s of it decoding). The index
needs only a few strings per advisory (see index.py), so `scan_keys` finds them in the raw
bytes instead, which is exact for the strings that matter because JSON escapes every quote
inside a string: a ``"name"`` token followed by ``:`` can only be an object key, never text
inside a value. What the scan collects is a superset (a ``"name"`` key of ``credits`` is
collected too), which costs a wasted look at match time, never a missed match.

Where the bytes could mislead, the file is decoded for real instead: an ``"id"`` that occurs
more than once (a nested object with an id), a ``"modified"`` that does, any ``"withdrawn"``,
and a file that does not end in "}" (most truncations). A file cut off right after a nested
"}" is only noticed, as a warning, when a component could match it.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path

from cipipe.readers.osv import OsvError, osv_document
from cipipe.steps.scan.index import AdvisoryIndex

_KEY = re.compile(rb'"(id|modified|withdrawn|name|purl|repo)"\s*:\s*')
_STRING = re.compile(rb'"((?:[^"\\]|\\.)*)"')

ScannedKeys = tuple[str, str | None, list[str], list[str], list[str]]
"""(id, modified, package names, package URLs, range repositories)."""


def load_osv_directory(root: Path) -> AdvisoryIndex:
    """An index of every ``*.json`` advisory under ``root``, in path order. A file that cannot
    be read or is not an OSV advisory is a warning naming the file, not an error."""
    index = AdvisoryIndex()
    for path in json_files(root):
        try:
            data = _read(path)
        except OSError as exc:
            index.warnings.append(f"{path}: cannot read the advisory: {exc}")
            continue
        keys = scan_keys(data)
        if keys is not None:
            index.add_keys(*keys, source=path)
            continue
        try:
            document = osv_document(data)
        except OsvError as exc:
            index.warnings.append(f"{path}: {exc}")
            continue
        index.add(document, path)
    return index


def json_files(root: Path) -> list[str]:
    """Every ``*.json`` file under ``root``, sorted (so warnings come in a stable order).
    Symbolic links to folders inside the tree are not followed, so a link cycle cannot hang."""
    files: list[str] = []
    pending = [str(root)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.name.endswith(".json"):
                    files.append(entry.path)
    files.sort()
    return files


def scan_keys(data: bytes) -> ScannedKeys | None:
    """The index keys of one advisory file, found without decoding it; None when only decoding
    can tell (see the module docstring)."""
    if not data[-16:].rstrip().endswith(b"}"):
        return None
    found: dict[bytes, list[str]] = {
        b"id": [],
        b"modified": [],
        b"name": [],
        b"purl": [],
        b"repo": [],
    }
    ids = 0  # "id" keys, whatever their value: a nested one makes the top-level one unsure
    for key in _KEY.finditer(data):
        name = key.group(1)
        if name == b"withdrawn":
            return None
        ids += name == b"id"
        value = _STRING.match(data, key.end())
        if value is None:
            continue  # not a string (null, a number): not a key the index uses
        raw = value.group(1)
        try:
            found[name].append(json.loads(b'"' + raw + b'"') if b"\\" in raw else raw.decode())
        except ValueError:  # UnicodeDecodeError and JSONDecodeError alike
            return None
    modified = found[b"modified"]
    if ids != 1 or len(found[b"id"]) != 1 or len(modified) > 1:
        return None
    return (
        found[b"id"][0],
        modified[0] if modified else None,
        found[b"name"],
        found[b"purl"],
        found[b"repo"],
    )


def _read(path: str) -> bytes:
    """The bytes of a file, with the fewest system calls and objects (no buffered reader)."""
    # Non-blocking, and only a regular file: a FIFO or /dev/zero named *.json must not hang.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", path)
        size = info.st_size
        data = os.read(fd, size + 1)
        if len(data) > size:  # the file grew since fstat: read on to the end
            while chunk := os.read(fd, 1 << 16):
                data += chunk
        return data
    finally:
        os.close(fd)
