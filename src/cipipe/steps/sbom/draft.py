"""The components.yaml draft as text: YAML that ``sbom.vendored`` reads as it is, with what
cipipe could not know written as comments (never as a placeholder value to forget)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from cipipe.steps.sbom.suggest import Suggestion

HEADER = (
    "# components.yaml drafted by `cipipe sbom --suggest`: what looks vendored here.\n"
    "# Check each entry (a copy of your own code is not a component: delete it), fill in what\n"
    "# the comments say is unknown, then save it where sbom.vendored points\n"
    "# (third_party/components.yaml unless .cipipe.yaml says otherwise).\n"
)
# A plain YAML scalar that stays a string: no leading digit (1.3 would be a float), no
# indicator characters, not one of YAML 1.1's booleans or null.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_./+-]*")
_NOT_PLAIN = frozenset({"y", "yes", "n", "no", "true", "false", "on", "off", "null"})
_CONTROLS = dict.fromkeys((*range(32), 127, 133, 8232, 8233), "?")


def scalar(value: str) -> str:
    if _PLAIN.fullmatch(value) and value.lower() not in _NOT_PLAIN:
        return value
    return json.dumps(value)  # a JSON string is a YAML double-quoted scalar


def comment(text: str) -> str:
    """One comment line whatever a file name holds (a newline would end the comment)."""
    return text.translate(_CONTROLS)


def render_draft(suggestions: Sequence[Suggestion], *, declared: Sequence[str] = ()) -> str:
    lines = [HEADER.rstrip("\n")]
    if declared:
        lines.append(comment(f"# Already declared, left out: {', '.join(declared)}"))
    if not suggestions:
        nothing = "Nothing else looks vendored." if declared else "Nothing here looks vendored."
        lines += [f"# {nothing}", "components: []"]
        return "\n".join(lines) + "\n"
    lines.append("components:")
    for item in suggestions:
        lines.append(comment(f"  # {item.path}"))
        lines += [comment(f"  #   {note}") for note in item.notes]
        lines.append(f"  - name: {scalar(item.name)}")
        if item.version:
            lines.append(f"    version: {scalar(item.version)}")
        lines.append(f"    path: {scalar(item.path)}")
        if item.licence:
            lines.append(f"    license: {scalar(item.licence)}")
        if item.scope:
            lines.append(f"    scope: {scalar(item.scope)}")
        lines.append(f"    hash: {scalar(item.hash)}")
    return "\n".join(lines) + "\n"
