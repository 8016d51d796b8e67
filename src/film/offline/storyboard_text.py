"""Text on storyboard panels in any script: runs of one font each, measured and drawn with
Pillow at a shared baseline.

Pillow has no font fallback, so a line is cut into runs by `film.media.fonts.split_runs`
(Noto Sans, the script fonts, Noto Sans CJK in the language's glyph shapes, Symbols, Emoji),
the runs are put in visual order (right-to-left runs and lines reversed) and each is drawn
with its face, in its direction (Pillow's raqm layout shapes Arabic and Devanagari). Without
raqm (no FriBiDi on the system) right-to-left runs are drawn reversed, unshaped.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from PIL import ImageDraw, ImageFont, features

from film.media.fonts import Face, base_rtl, chain_for, split_runs, visual_runs
from film.media.linebreak import break_pieces

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Font:
    """A text size and the language whose glyph shapes it prefers (CJK)."""

    size: int
    language: str | None = None


@functools.lru_cache(maxsize=1)
def has_raqm() -> bool:
    """Whether Pillow lays text out with raqm (bidi and complex shaping)."""
    return bool(features.check("raqm"))


@functools.lru_cache(maxsize=256)
def _pil_font(face: Face, size: int) -> Any:
    return ImageFont.truetype(str(face.path), max(1, size), index=face.index)


def clean_text(text: str) -> str:
    """Text as a caption shows it: composed (NFC), no control characters, single spaces."""
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text))
    return " ".join(text.split())


def _runs(text: str, font: Font) -> list[tuple[str, Any, str]]:
    """(text, Pillow font, direction) per run, in drawing order (left to right)."""
    runs = split_runs(text, chain_for(font.language))
    out = []
    for run in visual_runs(runs, base_rtl(text)):
        direction = "rtl" if run.rtl else "ltr"
        piece = run.text if has_raqm() or not run.rtl else run.text[::-1]
        out.append((piece, _pil_font(run.face, font.size), direction))
    return out


def _length(d: ImageDraw.ImageDraw, piece: str, pil: Any, direction: str) -> float:
    if has_raqm():
        return d.textlength(piece, font=pil, direction=direction)
    return d.textlength(piece, font=pil)


def length(d: ImageDraw.ImageDraw, text: str, font: Font) -> float:
    """The width `text` takes when drawn."""
    return sum(_length(d, *run) for run in _runs(text, font))


def metrics(font: Font) -> tuple[int, int]:
    """(ascent, descent) of the line's main face, in pixels."""
    return _pil_font(chain_for(font.language)[0], font.size).getmetrics()


def draw(d: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, font: Font,
         fill: Any, anchor: str = "la") -> float:
    """Draw `text` at `xy` with Pillow's two-letter `anchor` (l/m/r, then a/m/s); returns
    its width."""
    runs = _runs(text, font)
    widths = [_length(d, *run) for run in runs]
    total = sum(widths)
    ascent, descent = metrics(font)
    x = xy[0] - {"l": 0.0, "m": total / 2, "r": total}[anchor[0]]
    y = xy[1] + {"a": ascent, "m": (ascent - descent) / 2, "s": 0.0}[anchor[1]]
    for (piece, pil, direction), width in zip(runs, widths, strict=True):
        if has_raqm():
            d.text((x, y), piece, font=pil, fill=fill, anchor="ls", direction=direction)
        else:
            d.text((x, y), piece, font=pil, fill=fill, anchor="ls")
        x += width
    return total


def fit(d: ImageDraw.ImageDraw, text: str, font: Font, width: float) -> str:
    """`text`, cut with … to fit `width` (never between a letter and its marks)."""
    if length(d, text, font) <= width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        fits = length(d, text[:mid].rstrip() + "…", font) <= width
        lo, hi = (mid, hi) if fits else (lo, mid - 1)
    while 0 < lo < len(text) and unicodedata.combining(text[lo]):
        lo -= 1
    return text[:lo].rstrip(" ,.;:、，。") + "…" if lo else ""


def wrap(d: ImageDraw.ImageDraw, text: str, font: Font, width: float, lines: int) -> list[str]:
    """Wrap `text` into at most `lines` lines (at spaces, or between CJK characters); the
    last one ends in … when text is cut."""
    out: list[str] = []
    pieces = break_pieces(text)
    while pieces and len(out) < lines:
        line = pieces.pop(0).lstrip()
        while pieces and length(d, line + pieces[0], font) <= width:
            line += pieces.pop(0)
        out.append(fit(d, line, font, width))
    if pieces and out:
        out[-1] = fit(d, out[-1] + "".join(pieces), font, width)
        if not out[-1].endswith("…"):
            out[-1] = fit(d, out[-1] + " …", font, length(d, out[-1], font))
    return out
