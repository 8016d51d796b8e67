"""Line breaking for captions in any script: widths in columns, CJK breaks with kinsoku.

A character is 2 columns when East Asian Width calls it wide or full-width, 0 when it is a
combining mark or a format character (a Thai vowel sign stays with its consonant, a ZWJ
with its emoji), else 1. Lines break at spaces, and also between two wide characters
(Chinese and Japanese have no spaces), never inside a Latin word or a number, and follow
the kinsoku rules (禁則処理): no closing bracket, stop, comma or small kana at the start of a
line, no opening bracket or quote at its end, no split inside `……` or `——`; French `;`, `!`,
`?` and `»` stay with the word before them and `«` with the word after.
"""

from __future__ import annotations

import unicodedata

NO_START = frozenset(
    "、。，．,.!?！？：；:;)）]］}｝」』】〕〉》〗〙〛’”»›ゝゞ々〻ーぁぃぅぇぉっゃゅょゎゕゖ"
    "ァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ・‥…〜～%％‰℃")
NO_END = frozenset("(（[［{｛「『【〔〈《〖〘〚‘“«‹$＄￥¥£€#＃„")
INSEPARABLE = ("……", "——", "‥‥", "！？", "？！")
#: the longest caption line, in columns (Netflix's guides: 13 full-width characters for
#: Japanese, 16 for Chinese and Korean, 42 characters elsewhere)
LINE_COLUMNS = {"ja": 26, "zh": 32, "ko": 32, "yue": 32}
DEFAULT_COLUMNS = 42


def line_columns(language: str | None, default: int = DEFAULT_COLUMNS) -> int:
    """The longest caption line for `language`, in columns."""
    return LINE_COLUMNS.get((language or "").split("-")[0], default)


def char_width(ch: str) -> int:
    """Columns one character takes: 2 wide, 0 combining or format, else 1."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    """Columns a text takes."""
    return sum(char_width(c) for c in text)


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _atoms(text: str) -> list[str]:
    """Unbreakable pieces: a wide character (with its marks), a run of narrow characters
    (a word, a number), or a space."""
    atoms: list[str] = []
    for ch in text:
        if atoms and char_width(ch) == 0 and atoms[-1] != " ":
            atoms[-1] += ch
        elif ch.isspace():
            atoms.append(" ")
        elif _wide(ch) or not atoms or atoms[-1] == " " or _wide(atoms[-1][-1]):
            atoms.append(ch)
        else:
            atoms[-1] += ch
    return atoms


def _glue(units: list[str], atom: str) -> None:
    """Join `atom` to the unit before it, across a space between them."""
    if units and units[-1] == " ":
        units.pop()
        units[-1] += " " + atom
    else:
        units[-1] += atom


def units(text: str) -> list[str]:
    """The pieces a line may break between (" " marks a space), kinsoku applied."""
    out: list[str] = []
    glue_next = False
    for atom in _atoms(" ".join(text.split())):
        if atom == " ":
            out.append(" ")
            continue
        real = [u for u in out if u != " "]
        spaced = len(out) >= 2 and out[-1] == " "
        pair = bool(real) and out[-1] != " " and any(
            out[-1][-1] + atom[0] == p[:2] for p in INSEPARABLE)
        if real and ((all(c in NO_START for c in atom) and spaced) or (glue_next and spaced)):
            _glue(out, atom)
        elif real and out[-1] != " " and (glue_next or atom[0] in NO_START or pair):
            out[-1] += atom
        else:
            out.append(atom)
        glue_next = atom[-1] in NO_END
    return out


def wrap(text: str, width: int) -> list[str]:
    """Lines of at most `width` columns (a piece wider than a line is cut, marks kept)."""
    lines: list[str] = []
    cur = ""
    for unit in units(text):
        if unit == " ":
            cur += " " if cur and not cur.endswith(" ") else ""
            continue
        if cur.strip() and text_width(cur + unit) > width:
            lines.append(cur.rstrip())
            cur = ""
        cur += unit
        while text_width(cur) > width:
            cut = len(cur)
            while cut > 1 and text_width(cur[:cut]) > width:
                cut -= 1
            while 1 < cut < len(cur) and char_width(cur[cut]) == 0:
                cut -= 1  # never between a letter and its marks
            lines.append(cur[:cut].rstrip())
            cur = cur[cut:].lstrip()
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


def balanced(text: str, width: int, max_lines: int = 2) -> list[str]:
    """At most `max_lines` lines of similar width when the text fits, else `wrap`."""
    total = text_width(" ".join(text.split()))
    for w in range(max(1, -(-total // max_lines)), width + 1):
        lines = wrap(text, w)
        if len(lines) <= max_lines:
            return lines
    return wrap(text, width)


def break_pieces(text: str) -> list[str]:
    """The pieces a line may break between, for a wrapper that measures each: words, and
    single CJK characters (kinsoku kept); a piece that follows a space starts with one."""
    out: list[str] = []
    space = False
    for unit in units(text):
        if unit == " ":
            space = True
            continue
        out.append(" " + unit if space and out else unit)
        space = False
    return out
