"""What an error message may show: the named file's own content, never another file's.

An InputError about a file's content quotes what it found ("got 'x'", a YAML problem, a bad
line). When the named file is reached through a symbolic link, those bytes are the link
target's, which may be any file on the agent (``.cipipe.yaml -> /etc/shadow``): the message
then keeps the file and what was expected (the schema's words), and leaves out the detail and
the field, whose path is made of the target's keys. Refusals of a link (LinkRefusedError)
quote nothing and are shown whole.

Whatever it quotes, a message stays one line of printable text: a newline, tab or escape
sequence taken from a file (a YAML key, a value) is shown escaped, so it can neither forge a
second log line nor drive the terminal.
"""

from __future__ import annotations

import os
from pathlib import Path

from cipipe.errors import CipipeError, InputError, LinkRefusedError

NOT_SHOWN = "detail not shown: the file is reached through a symbolic link"
# C0 controls, DEL and C1 controls, each shown as the escape Python's repr would use.
_CONTROLS = {c: repr(chr(c))[1:-1] for c in (*range(0x20), *range(0x7F, 0xA0))}


def reached_through_link(file: str) -> bool:
    """Whether ``file`` exists, the file or a folder on the way to it as written is a link,
    and its real location is outside the real current folder. A link that stays inside the
    folder cipipe runs in (a Jenkins workspace, a checkout) reaches that folder's own content,
    and a workspace reached through an administrator's link (/var/lib/jenkins -> /data) is not
    another file. For a relative path only the part below the current folder is looked at."""
    path = Path(file)
    if not path.exists():
        return False  # nothing there, so nothing of another file to quote
    here = Path(path.anchor)
    linked = False
    for part in path.parts[1:] if path.anchor else path.parts:
        here = here / part
        if here.is_symlink():
            linked = True
            break
    if not linked:
        return False
    real = Path(os.path.realpath(path))
    return not real.is_relative_to(os.path.realpath(Path.cwd()))


def shown_message(exc: CipipeError) -> str:
    text = str(exc)
    if (
        isinstance(exc, InputError)
        and not isinstance(exc, LinkRefusedError)
        and exc.file
        and reached_through_link(exc.file)
    ):
        text = str(InputError(NOT_SHOWN, file=exc.file, expected=exc.expected))
    return text.translate(_CONTROLS)
