"""The fonts film draws text with, and per-character fallback among them.

Fonts come from two pip packages (SIL OFL 1.1, upstream Noto files): `manimgx-fonts` (Noto
Sans for Latin, Greek and Cyrillic, Noto Sans for Arabic, Hebrew, Devanagari, Thai and 15
more scripts, Noto Sans Symbols, monochrome Noto Emoji) and `noto-cjk-sans-otc` (Noto Sans
CJK Regular; the face is chosen by language so Chinese and Japanese get their own glyph
shapes). Neither Pillow nor libass falls back between font files by itself, so text is cut
into runs, each drawn with the first face of a chain that maps its characters
(`split_runs`); common characters (spaces, digits, punctuation) stay with the run they sit
in, so an Arabic phrase keeps its spaces and is shaped as one run.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from film.errors import ConfigError
from film.lang import CJK
from film.media.fontfiles import FaceInfo, codepoints, face_info

#: face index in NotoSansCJK-Regular.ttc per language (JP=0, KR=1, SC=2, TC=3, HK=4)
CJK_FACE = {"ja": 0, "ko": 1, "zh": 2, "zh-hans": 2, "zh-hant": 3, "zh-tw": 3, "yue": 4}
#: manimgx-fonts files, in fallback order after Noto Sans
_SCRIPT_FILES = ("Arabic", "Hebrew", "Devanagari", "Thai", "Bengali", "Tamil", "Telugu",
                 "Gujarati", "Gurmukhi", "Kannada", "Malayalam", "Oriya", "Sinhala", "Khmer",
                 "Lao", "Myanmar", "Armenian", "Georgian", "Ethiopic")
_JOINERS = "\u200d\ufe0f\ufe0e\u20e3"


@dataclass(frozen=True)
class Face:
    """One face of a font file (`index` inside a collection)."""

    path: Path
    index: int = 0
    #: symbol and emoji faces never take spaces (Noto Emoji's space is 1.27 em wide)
    text: bool = True

    @property
    def cmap(self) -> frozenset[int]:
        return codepoints(self.path, self.index)

    @property
    def info(self) -> FaceInfo:
        return face_info(self.path, self.index)

    @property
    def family(self) -> str:
        """The family name libass matches (name ID 1)."""
        return self.info.family

    def covers(self, ch: str) -> bool:
        return ord(ch) in self.cmap


@dataclass(frozen=True)
class Run:
    """Consecutive characters drawn with one face in one direction (logical order)."""

    text: str
    face: Face
    rtl: bool


@functools.lru_cache(maxsize=1)
def font_dirs() -> tuple[Path, Path]:
    """(the manimgx-fonts folder, the Noto Sans CJK collection file); ConfigError if absent."""
    try:
        import manimgx_fonts
        import noto_cjk_sans_otc
    except ImportError as exc:
        raise ConfigError(f"the fonts film draws text with are missing ({exc.name})",
                          hint="pip install manimgx-fonts noto-cjk-sans-otc "
                               "(or reinstall film)") from exc
    return Path(manimgx_fonts.__file__).parent, Path(str(noto_cjk_sans_otc.FONT_PATH))


@functools.lru_cache(maxsize=16)
def chain_for(language: str | None) -> tuple[Face, ...]:
    """The fallback chain for text in `language`: Noto Sans, (CJK first for CJK languages),
    the script fonts, CJK, Symbols, Emoji."""
    folder, cjk_file = font_dirs()
    lang = (language or "").lower()
    cjk = Face(cjk_file, CJK_FACE.get(lang, CJK_FACE.get(lang.split("-")[0], 2)))
    scripts = [Face(folder / f"NotoSans{name}[wght].ttf") for name in _SCRIPT_FILES]
    faces = [Face(folder / "NotoSans[wght].ttf")]
    faces += [cjk, *scripts] if lang.split("-")[0] in CJK else [*scripts, cjk]
    faces += [Face(folder / "NotoSansSymbols[wght].ttf", text=False),
              Face(folder / "NotoEmoji[wght].ttf", text=False)]
    return tuple(f for f in faces if f.path.is_file())


def primary(language: str | None) -> Face:
    """The face a line's metrics come from (Noto Sans)."""
    return chain_for(language)[0]


def face_for(ch: str, chain: tuple[Face, ...]) -> Face | None:
    """The first face of `chain` that maps `ch`, None when none does."""
    return next((f for f in chain if f.covers(ch)), None)


def missing(text: str, language: str | None) -> list[str]:
    """The characters of `text` no font of the chain draws (spaces and controls aside)."""
    chain = chain_for(language)
    return sorted({c for c in text if not c.isspace() and unicodedata.category(c) != "Cc"
                   and c not in _JOINERS and face_for(c, chain) is None})


def _is_common(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return not cat.startswith("L") and not (cat == "So" and ord(ch) > 0x2000)


def _strong(ch: str) -> bool | None:
    """True for a right-to-left letter, False for a left-to-right one or a digit, else None."""
    kind = unicodedata.bidirectional(ch)
    return True if kind in ("R", "AL") else False if kind in ("L", "EN", "AN") else None


def base_rtl(text: str) -> bool:
    """Whether a line reads right to left: its first strong letter is Arabic or Hebrew."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def directions(text: str) -> list[bool]:
    """Right-to-left or not, per character: a neutral character takes its neighbours'
    direction when both agree, else the line's."""
    strong = [_strong(c) for c in text]
    base = base_rtl(text)
    out = []
    for i, d in enumerate(strong):
        if d is None:
            prev = next((x for x in reversed(strong[:i]) if x is not None), base)
            nxt = next((x for x in strong[i + 1:] if x is not None), base)
            d = prev if prev == nxt else base
        out.append(d)
    return out


def split_runs(text: str, chain: tuple[Face, ...]) -> list[Run]:
    """`text` cut into runs of one face and one direction, in logical order."""
    runs: list[Run] = []
    for ch, rtl in zip(text, directions(text), strict=True):
        cur = runs[-1].face if runs else None
        if ch.isspace() and cur is not None and not cur.text:
            cur = None
        sticky = _is_common(ch) or ch in _JOINERS
        if cur is not None and sticky and cur.covers(ch):
            face = cur
        else:
            face = face_for(ch, chain) or (cur if sticky and cur else chain[0])
        if runs and runs[-1].face == face and runs[-1].rtl == rtl:
            runs[-1] = Run(runs[-1].text + ch, face, rtl)
        else:
            runs.append(Run(ch, face, rtl))
    return runs


def visual_runs(runs: list[Run], rtl_line: bool) -> list[Run]:
    """The runs in drawing order, left to right: runs of one direction form a group, a
    right-to-left group is reversed, and so is the order of groups on a right-to-left line."""
    groups: list[list[Run]] = []
    for run in runs:
        if groups and groups[-1][0].rtl == run.rtl:
            groups[-1].append(run)
        else:
            groups.append([run])
    out: list[Run] = []
    for group in (reversed(groups) if rtl_line else groups):
        out.extend(reversed(group) if group[0].rtl else group)
    return out


def libass_runs(text: str, language: str | None, size: float) -> str:
    """ASS override text for `text` (already escaped): a `{\\fnFamily\\fsN}` tag wherever
    the face changes. libass does its own bidi, so runs stay in logical order; `N` corrects
    libass's sizing (usWinAscent+usWinDescent = size) so every script matches Noto Sans."""
    chain = chain_for(language)
    base = chain[0].info.win_per_em
    out: list[str] = []
    last: Face | None = None
    for run in split_runs(text, chain):
        if run.face != last:
            scaled = round(size * run.face.info.win_per_em / base, 1)
            out.append(f"{{\\fn{run.face.family}\\fs{scaled:g}}}")
            last = run.face
        out.append(run.text)
    return "".join(out)


def faces_used(texts: list[str], language: str | None) -> list[Face]:
    """The faces drawing `texts` (Noto Sans always), in chain order."""
    chain = chain_for(language)
    used = {chain[0]}
    for text in texts:
        used.update(run.face for run in split_runs(text, chain))
    return [f for f in chain if f in used]
