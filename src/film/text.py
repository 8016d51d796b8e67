"""Text as a line to speak or show: control characters out, whitespace collapsed."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_line(text: str) -> str:
    """`text` without control characters, its whitespace collapsed to single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())
