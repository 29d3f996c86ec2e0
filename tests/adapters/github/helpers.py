"""What the GitHub client tests share."""

from __future__ import annotations

import json
from typing import Any

import responses


def sent(index: int) -> Any:
    """The JSON body of the ``index``-th request ``responses`` recorded (None without one)."""
    body = responses.calls[index].request.body
    return json.loads(body) if body else None
