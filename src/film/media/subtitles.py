"""Subtitle cues: line wrapping, splitting a line into cues, SRT and ASS text (all pure).

SRT is what the project ships (`subtitles.srt`); ASS is what compose burns into segments,
because it fixes the canvas (PlayResX/Y = the video size) and the style without any
`force_style` escaping. Lines are measured in columns (a CJK character takes two) and broken
with the rules of `film.media.linebreak`; in ASS every change of font is an `\\fn` tag
(`film.media.fonts`), since libass does not fall back between the fonts it is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from film.media.linebreak import break_pieces, line_columns, text_width, wrap

MAX_CHARS = 42
MAX_LINES = 2


@dataclass(frozen=True)
class Cue:
    """One subtitle on the screen: `text` may hold a newline (at most `MAX_LINES` lines)."""

    start: float
    end: float
    text: str
    #: the language it is written in (picks the CJK glyph shapes; None: the film's default)
    language: str | None = None

    def shifted(self, offset: float) -> Cue:
        return Cue(self.start + offset, self.end + offset, self.text, self.language)


def format_timestamp(seconds: float) -> str:
    """SRT time `HH:MM:SS,mmm` (negative times clamp to zero)."""
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def format_ass_timestamp(seconds: float) -> str:
    """ASS time `H:MM:SS.cc` (centiseconds)."""
    cs = max(0, round(seconds * 100))
    h, rest = divmod(cs, 360_000)
    m, rest = divmod(rest, 6000)
    s, cs = divmod(rest, 100)
    return f"{h:d}:{m:02d}:{s:02d}.{cs:02d}"


def wrap_lines(text: str, width: int = MAX_CHARS) -> list[str]:
    """Wrap `text` into lines of at most `width` columns (breaks at spaces, between CJK
    characters, kinsoku kept; a piece wider than a line is cut)."""
    return wrap(text, width)


def split_into_cue_texts(
    text: str, *, width: int = MAX_CHARS, max_lines: int = MAX_LINES,
    language: str | None = None,
) -> list[str]:
    """Split a spoken line into cue texts of at most `max_lines` lines of `width` columns
    (fewer for Chinese, Japanese and Korean: see `linebreak.line_columns`).

    The pieces are shared out evenly between the fewest cues that can hold them, so a long
    line does not end on a short leftover cue.
    """
    width = min(width, line_columns(language, width))
    lines = wrap_lines(text, width)
    greedy = ["\n".join(lines[i : i + max_lines]) for i in range(0, len(lines), max_lines)]
    if len(lines) <= 1:
        return greedy
    if len(greedy) == 1:  # one cue of several lines: lines of similar width
        return ["\n".join(_even_lines(text, width, max_lines))]
    pieces = break_pieces(text)
    count = len(greedy)
    target = sum(text_width(p) + 1 for p in pieces) / count
    groups: list[list[str]] = [[]]
    size = 0.0
    for piece in pieces:
        if size >= target * len(groups) and len(groups) < count:
            groups.append([])
        groups[-1].append(piece)
        size += text_width(piece) + 1
    balanced = ["\n".join(_even_lines(_join(g), width, max_lines)) for g in groups if g]
    if all(cue.count("\n") < max_lines for cue in balanced) and len(balanced) == count:
        return balanced
    return greedy


def _join(pieces: list[str]) -> str:
    return "".join(pieces).strip()


def _even_lines(text: str, width: int, max_lines: int) -> list[str]:
    """Wrap `text` into at most `max_lines` lines of similar width (if it fits `width`)."""
    for w in range(max(1, -(-text_width(text) // max_lines)), width + 1):
        lines = wrap_lines(text, w)
        if len(lines) <= max_lines and all(text_width(line) <= w for line in lines):
            return lines
    return wrap_lines(text, width)


def time_cues(texts: Sequence[str], start: float, end: float) -> list[Cue]:
    """Spread `texts` over [start, end] in proportion to their length (whole milliseconds)."""
    if not texts or end <= start:
        return []
    weights = [max(1, len(t.replace("\n", " "))) for t in texts]
    total = sum(weights)
    cues, acc = [], 0
    for text, weight in zip(texts, weights, strict=True):
        a = start + (end - start) * acc / total
        acc += weight
        b = start + (end - start) * acc / total
        cues.append(Cue(round(a, 3), round(b, 3), text))
    return cues


def render_srt(cues: Iterable[Cue]) -> str:
    """The SRT file text for `cues` (numbered from 1, blank line after each)."""
    blocks = []
    for n, cue in enumerate(cues, start=1):
        blocks.append(
            f"{n}\n{format_timestamp(cue.start)} --> {format_timestamp(cue.end)}\n{cue.text}\n"
        )
    return "\n".join(blocks)


def parse_srt(text: str) -> list[Cue]:
    """Read SRT text back into cues (used by tests and by anyone editing subtitles by hand)."""
    cues = []
    for block in text.replace("\r\n", "\n").strip().split("\n\n"):
        lines = block.strip().split("\n")
        if len(lines) < 2 or "-->" not in lines[1]:
            continue
        a, b = (part.strip() for part in lines[1].split("-->"))
        cues.append(Cue(_parse_ts(a), _parse_ts(b), "\n".join(lines[2:])))
    return cues


def _parse_ts(value: str) -> float:
    hms, ms = value.replace(".", ",").split(",")
    h, m, s = hms.split(":")
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def _ass_text(text: str) -> str:
    safe = text.replace("\\", "\u29f5").replace("{", "(").replace("}", ")")
    return safe.replace("\n", "\\N")


def caption_font_size(width: int, height: int) -> int:
    """A caption size that reads well on landscape, portrait and square frames."""
    return max(8, round(min(height * 0.065, width * 0.045)))


# Burned captions stay above the bottom BAND_CLEARANCE of the frame (where the offline
# storyboard draws its caption band, 8-16% of the height, plus anti-aliasing and chroma
# bleed) on a semi-opaque dark box.
BAND_CLEARANCE = 0.18
BOX_COLOUR = "&H50000000"  # &HAABBGGRR: black at ~70% opacity


def caption_box(width: int, height: int) -> tuple[int, int]:
    """(box padding, MarginV) in pixels: the box's bottom edge sits `BAND_CLEARANCE` of the
    height above the frame's bottom."""
    pad = max(2, round(caption_font_size(width, height) / 4))
    return pad, math.ceil(height * BAND_CLEARANCE) + pad


def ass_line(text: str, language: str | None, size: float, fonts: bool = True) -> str:
    """One cue's ASS text: escaped, `\\N` between lines, and with `fonts` a font tag per
    run of characters one face draws (see `film.media.fonts.libass_runs`)."""
    if not fonts:
        return _ass_text(text)
    from film.media.fonts import libass_runs

    return "\\N".join(libass_runs(_ass_text(line), language, size)
                       for line in text.split("\n"))


def render_ass(cues: Iterable[Cue], *, width: int, height: int, font: str,
               runs: bool = False) -> str:
    """ASS text drawing `cues` as white captions on a semi-opaque dark box (BorderStyle 3),
    centred and lifted clear of the bottom `BAND_CLEARANCE` of the frame. With `runs`, each
    run of text names its font (every script and emoji, see `ass_line`); Encoding -1 lets
    libass find each line's direction (an Arabic or Hebrew line reads right to left)."""
    size = caption_font_size(width, height)
    pad, margin_v = caption_box(width, height)
    margin_h = round(width * 0.05)
    encoding = -1 if runs else 1
    # BorderStyle 3 boxes each run of a font apart (overlapping boxes of unequal heights);
    # 4 draws one box (BackColour) round the whole cue, its outline (transparent) the padding
    border, outline = (4, "&HFF000000") if runs else (3, BOX_COLOUR)
    head = (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {width}\nPlayResY: {height}\nWrapStyle: 0\nScaledBorderAndShadow: yes\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, "
        "OutlineColour, BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, "
        "Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        # BorderStyle 3 fills the box with OutlineColour (BackColour is its shadow, off)
        f"Style: Default,{font},{size},&H00FFFFFF,&H000000FF,{outline},{BOX_COLOUR},"
        f"0,0,0,0,100,100,0,0,{border},{pad},0,2,{margin_h},{margin_h},{margin_v},{encoding}\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, "
        "Text\n"
    )
    events = [
        f"Dialogue: 0,{format_ass_timestamp(c.start)},{format_ass_timestamp(c.end)},"
        f"Default,,0,0,0,,{ass_line(c.text, c.language, size, runs)}\n"
        for c in cues
    ]
    return head + "".join(events)
