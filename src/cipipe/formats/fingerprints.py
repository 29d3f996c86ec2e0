"""``partialFingerprints.primaryLocationLineHash``, computed as GitHub's upload action does.

A port of github/codeql-action ``src/fingerprints.ts`` (``hash``, ``resolveUriToFile``,
``addFingerprints``; read at commit 0225834cc549ee0ca93cb085b92954821a145866). GitHub code
scanning matches an alert across analyses by this value; the REST upload (``cipipe precheck
--upload-sarif``) does not compute it, so a log without it shows every finding as new on each
analysis. The rules copied:

- the file is read as UTF-8 (invalid bytes become U+FFFD) and hashed per UTF-16 code unit,
  as JavaScript's ``charCodeAt`` sees it;
- spaces and tabs are skipped; ``\\r``, ``\\n`` and ``\\r\\n`` all end a line;
- each line's hash is a rolling hash (base 37, 64-bit wrap-around) over the next 100 hashed
  characters from its start, with 65535 as end of file and zeros after it;
- the value is the hash in lowercase hex, ``:`` and how many times that hash has been seen
  so far in the file (identical lines are told apart by their occurrence);
- only a result's first location counts, and only with a ``region.startLine``; its URI is
  taken relative to the source root (``file://`` stripped, any other scheme refused, an
  absolute path outside the root refused, a missing file or a folder skipped).

Reading is bounded and safe where the action's is not: a file whose real path (links followed)
leaves the repository, a file larger than ``MAX_FILE_BYTES``, a binary file (a NUL byte) or an
unreadable one gets no fingerprint; nothing here raises for a file.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from itertools import chain
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from cipipe.confine import inside

LF = 0x0A
EOF = 65535
BLOCK_SIZE = 100
MOD = 37
MASK64 = (1 << 64) - 1
FIRST_MOD = pow(MOD, BLOCK_SIZE, 1 << 64)
# A source file larger than this is not a source file a finding points into: no fingerprint.
MAX_FILE_BYTES = 16 * 1024 * 1024
FILE_SCHEME = "file://"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")

HashCallback = Callable[[int, str], None]


def hashed_units(text: str) -> memoryview:
    """The UTF-16 code units the hash reads, as JavaScript's ``charCodeAt`` sees ``text`` (an
    astral character is two), with what fingerprints.ts skips already gone: spaces, tabs,
    and a line feed right after a carriage return; a carriage return becomes a line feed.
    (A space between the two resets the pairing there too: ``\\r \\n`` ends two lines.)"""
    kept = text.replace("\r\n", "\n").replace("\r", "\n").replace(" ", "").replace("\t", "")
    codec = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"
    return memoryview(kept.encode(codec, errors="surrogatepass")).cast("H")


def line_hashes(text: str, callback: HashCallback) -> None:
    """Call ``callback(line, "hash:occurrence")`` for every line of ``text``, in order (``hash``
    of fingerprints.ts). The per-character work is one inlined loop over the kept code units:
    it runs for every character of every file a finding points into."""
    window = [0] * BLOCK_SIZE
    line_numbers = [-1] * BLOCK_SIZE
    counts: dict[str, int] = {}

    def emit(line: int, hash_raw: int) -> None:
        value = format(hash_raw, "x")
        counts[value] = counts.get(value, 0) + 1
        callback(line, f"{value}:{counts[value]}")

    hash_raw = index = line_number = 0
    line_start = True
    for current in chain(hashed_units(text), (EOF,)):
        if line_numbers[index] != -1:
            emit(line_numbers[index], hash_raw)
            line_numbers[index] = -1
        if line_start:
            line_number += 1
            line_numbers[index] = line_number
        line_start = current == LF
        hash_raw = (MOD * hash_raw + current - FIRST_MOD * window[index]) & MASK64
        window[index] = current
        index = (index + 1) % BLOCK_SIZE
    # Flush the lines whose window runs past the end of the file, with zeros.
    for _ in range(BLOCK_SIZE):
        if line_numbers[index] != -1:
            emit(line_numbers[index], hash_raw)
            line_numbers[index] = -1
        hash_raw = (MOD * hash_raw - FIRST_MOD * window[index]) & MASK64
        window[index] = 0
        index = (index + 1) % BLOCK_SIZE


def text_hashes(text: str) -> dict[int, str]:
    """Every line's ``primaryLocationLineHash`` in ``text``, by line number (1-based)."""
    found: dict[int, str] = {}
    line_hashes(text, found.__setitem__)
    return found


def read_source(path: Path, root: Path) -> str | None:
    """The text of a repository file to fingerprint; None when it must not or cannot be read
    (outside ``root`` once links are followed, not a regular file, too large, binary, or
    unreadable)."""
    try:
        if not inside(path, root) or not path.is_file():
            return None
        with path.open("rb") as stream:  # never more than the limit and one byte
            data = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError):
        return None
    if len(data) > MAX_FILE_BYTES or b"\0" in data:
        return None
    # Node's "utf8" stream decoding: invalid bytes become U+FFFD, a BOM is kept.
    return data.decode("utf-8", errors="replace")


def resolve_uri(location: Any, artifacts: list[Any], root: Path) -> Path | None:
    """The file a result's ``artifactLocation`` names under ``root`` (resolveUriToFile)."""
    if not isinstance(location, dict):
        return None
    if "uri" not in location and location.get("index") is not None:
        index = location["index"]
        valid = isinstance(index, int) and not isinstance(index, bool)
        if not valid or not 0 <= index < len(artifacts):
            return None
        entry = artifacts[index]
        location = entry.get("location") if isinstance(entry, dict) else None
        if not isinstance(location, dict):
            return None
    uri = location.get("uri")
    # decodeURIComponent throws on a '%' without two hex digits, and on bad UTF-8.
    if not isinstance(uri, str) or _BAD_PERCENT.search(uri):
        return None
    try:
        uri = unquote(uri, errors="strict")
    except UnicodeDecodeError:
        return None
    uri = uri.removeprefix(FILE_SCHEME)
    if "://" in uri:
        return None
    top = os.path.normpath(root.absolute())
    if uri.startswith("/") and not uri.startswith(f"{top}/"):
        return None
    path = Path(uri if Path(uri).is_absolute() else f"{top}/{uri}")
    return path if path.is_file() else None


def add_fingerprints(log: dict[str, Any], root: Path) -> dict[str, Any]:
    """Set ``primaryLocationLineHash`` on every result of ``log`` whose first location is a
    line of a readable file under ``root`` (addFingerprints); ``log`` is changed in place and
    returned. A fingerprint already there is kept."""
    wanted: dict[Path, list[tuple[dict[str, Any], int]]] = {}
    for run in log.get("runs") or []:
        artifacts = run.get("artifacts") or []
        for result in run.get("results") or []:
            physical = ((result.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}
            line = (physical.get("region") or {}).get("startLine")
            if not physical.get("artifactLocation") or not isinstance(line, int):
                continue  # "Locations without a line number are unlikely to be source files"
            path = resolve_uri(physical["artifactLocation"], artifacts, root)
            if path is not None:
                wanted.setdefault(path, []).append((result, line))
    for path, results in wanted.items():
        text = read_source(path, root)
        if text is None:
            continue
        hashes = text_hashes(text)
        for result, line in results:
            if line in hashes:
                prints = result.setdefault("partialFingerprints", {})
                prints.setdefault("primaryLocationLineHash", hashes[line])
    return log
