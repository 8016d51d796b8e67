"""Text helpers: a line to speak or show, a stable id from a name, what a character is called."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean_line(text: str) -> str:
    """`text` without control characters, its whitespace collapsed to single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


def slug(text: str, fallback: str = "x") -> str:
    """A stable id from a name ("Dr. Mara Voss" → "dr-mara-voss"); non-Latin names keep a
    short hash so "花子" has an id too."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    value = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40]
    if not value:
        value = f"{fallback}-{hashlib.sha256(text.encode()).hexdigest()[:6]}"
    return value


_TITLES = {"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "miss", "sir", "lady", "lord",
           "detective", "captain", "officer", "agent", "professor", "doctor", "old", "young",
           "sister", "brother", "father", "mother", "aunt", "uncle"}


def call_name(name: str) -> str:
    """The name a character is called by in shots ("Dr. Mara Voss" → "Mara")."""
    words = name.split()
    return next((w for w in words if w.lower() not in _TITLES), words[-1] if words else name)
