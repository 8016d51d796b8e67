"""Who a character is, drawn: a deterministic look from the bible entry, and the figure.

`appearance_of(...)` reads a character's visual description (colours of clothing and hair,
build, age, one accessory) and fills what it does not say from the character's place in the
cast, so two characters never share a coat colour. `draw_figure(...)` paints that person as an
RGBA layer, front, side or back, in body units (0 = top of the head, 1 = the soles), the same
drawing at every size: a wide shot uses it small, a close-up crops a large one. A reference
sheet shows the three views on a flat chroma-key green, so any compositor can cut them out.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # Pillow is loaded when a figure is drawn, not when a look is chosen
    from PIL import Image

RGB = tuple[int, int, int]
#: the sheet's background: a flat chroma-key green every view is cut out of
KEY_GREEN: RGB = (0, 177, 64)

_COLOURS: dict[str, RGB] = {
    "black": (38, 38, 44), "white": (232, 230, 224), "grey": (128, 130, 136),
    "gray": (128, 130, 136), "silver": (184, 188, 196), "charcoal": (66, 68, 74),
    "red": (178, 44, 46), "crimson": (150, 28, 44), "maroon": (110, 32, 40),
    "burgundy": (112, 30, 50), "orange": (222, 120, 40), "yellow": (226, 190, 52),
    "gold": (200, 160, 60), "mustard": (196, 156, 48), "khaki": (176, 160, 110),
    "beige": (206, 188, 156), "tan": (184, 146, 100), "brown": (112, 74, 46),
    "camel": (176, 132, 84), "olive": (108, 112, 56), "green": (60, 128, 72),
    "teal": (40, 120, 124), "blue": (52, 88, 168), "navy": (36, 46, 88),
    "denim": (70, 98, 140), "purple": (104, 64, 140), "violet": (128, 84, 170),
    "pink": (220, 130, 160), "cream": (236, 226, 200), "rust": (160, 72, 40),
}
_HAIR: dict[str, RGB] = {
    "black": (26, 24, 26), "dark": (44, 34, 30), "brown": (92, 60, 38),
    "chestnut": (110, 62, 36), "auburn": (140, 62, 36), "red": (170, 70, 36),
    "ginger": (190, 96, 44), "blond": (214, 180, 112), "blonde": (214, 180, 112),
    "fair": (206, 178, 122), "grey": (150, 150, 152), "gray": (150, 150, 152),
    "silver": (196, 198, 202), "white": (232, 232, 230),
}
#: clothing colours for characters whose description names none, in cast order (distinct)
_CAST_TOPS: tuple[RGB, ...] = ((176, 48, 50), (44, 86, 170), (214, 168, 46), (58, 128, 80),
                               (116, 66, 150), (218, 120, 44), (40, 124, 128), (190, 96, 140))
_SKINS: tuple[RGB, ...] = ((244, 212, 186), (228, 184, 150), (198, 146, 110), (166, 114, 82),
                           (128, 86, 60), (96, 64, 46))
_ACCESSORIES = ("hat", "glasses", "scarf", "bag", "lamp", "cane", "badge")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Appearance:
    """Everything that makes one character recognisable in a drawing."""

    skin: RGB
    hair: RGB
    hair_style: str  # short, long, bun, bald
    top: RGB  # coat or jacket
    bottom: RGB  # trousers or skirt
    shoes: RGB
    outfit: str  # coat, dress, suit, sweater
    accessory: str  # hat, glasses, scarf, bag, lamp, cane, badge, none
    accent: RGB  # the accessory's colour
    build: float  # shoulder width factor
    height: float  # 1.0 = an adult of average height
    beard: bool = False


def _seed(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\x1f".join(parts).encode()).digest()[:8], "big")


def _colour_before(words: list[str], nouns: tuple[str, ...], table: dict[str, RGB]) -> RGB | None:
    """The colour word just before one of `nouns` ("grey coat" → grey)."""
    for i, word in enumerate(words):
        if word in nouns:
            for back in range(1, 3):
                if i - back >= 0 and words[i - back] in table:
                    return table[words[i - back]]
    return None


def cast_appearances(people: list[tuple[str, str, str]]) -> list[Appearance]:
    """The looks of a whole cast ((name, visual, role) in cast order): a character whose
    description names no clothing colour gets one no one else in the cast wears."""
    taken = [c for name, visual, role in people
             if (c := _explicit_top(visual)) is not None]
    free = [c for c in _CAST_TOPS if all(_far(c, t) for t in taken)] or list(_CAST_TOPS)
    looks, spare = [], iter(free * 3)
    for name, visual, role in people:
        top = _explicit_top(visual) or next(spare)
        look = appearance_of(name, visual, role, top=top)
        worn = {other.accessory for other in looks}
        if look.accessory in worn and not _explicit_accessory(visual):
            look = replace(look, accessory=next(
                (a for a in _ACCESSORIES if a not in worn), look.accessory))
        looks.append(look)
    return looks


def _explicit_accessory(visual: str) -> bool:
    words = set(_WORD.findall(visual.lower()))
    return bool(words & {*_ACCESSORIES, *(f"{a}s" for a in _ACCESSORIES), "lantern",
                         "spectacles", "fedora", "cap", "satchel", "briefcase", "stick",
                         "shawl"})


def _far(a: RGB, b: RGB) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) > 90


_TOPS = ("coat", "jacket", "parka", "oilskin", "sweater", "jumper", "shirt", "blouse", "dress",
         "suit", "uniform", "cardigan", "raincoat", "cloak", "robe", "hoodie", "vest")


def _explicit_top(visual: str) -> RGB | None:
    return _colour_before(_WORD.findall(visual.lower()), _TOPS, _COLOURS)


def appearance_of(name: str, visual: str = "", role: str = "", index: int = 0,
                  top: RGB | None = None) -> Appearance:
    """The character's look: what its visual description says, the rest derived (stably) from
    its name and its place in the cast (or the `top` colour the cast gave it)."""
    words = _WORD.findall(f"{visual} {role}".lower())
    seed = _seed(name.lower(), visual.lower())
    ages = [int(a) for a in re.findall(r"\b(\d{1,2})\b", visual)]
    old = bool({"old", "elderly", "seventies", "sixties", "eighties", "aged", "grey-haired"}
               & set(words)) or any(w.endswith("ties") and w[:3] in ("six", "sev", "eig")
                                    for w in words) or any(a >= 58 for a in ages)
    child = bool({"child", "kid", "boy", "girl", "toddler", "young"} & set(words)) and not old
    hair = _colour_before(words, ("hair", "beard", "bob", "braid", "curls"), _HAIR)
    greying = {"greying", "graying", "grizzled"} & set(words)
    hair = hair or (_HAIR["grey"] if old or greying else list(_HAIR.values())[seed % 6])
    top = _colour_before(words, _TOPS, _COLOURS) or top or _CAST_TOPS[index % len(_CAST_TOPS)]
    bottom = _colour_before(words, ("trousers", "pants", "jeans", "skirt", "slacks"), _COLOURS)
    feminine = bool({"she", "her", "woman", "girl", "lady", "mother", "sister", "daughter",
                     "wife", "aunt", "queen", "dress", "skirt"} & set(words))
    outfit = ("dress" if "dress" in words else "suit" if "suit" in words else
              "sweater" if {"sweater", "jumper", "cardigan", "hoodie"} & set(words) else
              "coat" if set(_TOPS[:4]) & set(words) or "raincoat" in words else
              ("coat", "suit", "sweater", "dress" if feminine else "coat")[(seed >> 4) % 4])
    accessory = next((a for a in _ACCESSORIES if a in words or f"{a}s" in words),
                     {"lantern": "lamp", "spectacles": "glasses", "fedora": "hat",
                      "cap": "hat", "satchel": "bag", "briefcase": "bag", "stick": "cane",
                      "shawl": "scarf"}.get(next((w for w in words if w in (
                          "lantern", "spectacles", "fedora", "cap", "satchel", "briefcase",
                          "stick", "shawl")), ""), ""))
    accessory = accessory or _ACCESSORIES[(seed >> 8) % len(_ACCESSORIES)]
    build = 1.15 if {"broad", "stocky", "burly", "heavy", "big"} & set(words) else \
        0.88 if {"slim", "thin", "slight", "wiry", "lanky"} & set(words) else 1.0
    height = 0.74 if child else 1.06 if "tall" in words else 0.94 if {
        "short", "small", "stooped"} & set(words) else 1.0
    cropped = {"short", "cropped", "close", "buzzed", "shaved"} & set(words)
    style = "bald" if "bald" in words else "bun" if "bun" in words else "long" if (
        {"long", "braid", "ponytail"} & set(words) or (feminine and seed % 3 and not cropped)
    ) else "short"
    return Appearance(
        skin=_SKINS[(seed >> 16) % len(_SKINS)], hair=hair, hair_style=style, top=top,
        bottom=bottom or _darker(top, 0.45) if outfit != "dress" else top,
        shoes=(40, 34, 30), outfit=outfit, accessory=accessory,
        accent=_COLOURS[("red", "gold", "navy", "cream", "black")[(seed >> 24) % 5]],
        build=build, height=height, beard="beard" in words)


def _darker(c: RGB, t: float) -> RGB:
    return tuple(round(v * (1 - t)) for v in c)  # type: ignore[return-value]


def _lighter(c: RGB, t: float) -> RGB:
    return tuple(round(v + (255 - v) * t) for v in c)  # type: ignore[return-value]


# ---- drawing -------------------------------------------------------------------------------


#: room above the head (for a hat or a bun), in body heights
HEADROOM = 0.07


class _Canvas:
    """An RGBA layer drawn `ss` times larger and reduced, with helpers in body units: the
    body is `height` pixels, the layer HEADROOM taller."""

    def __init__(self, height: int, view: str, ss: int = 3) -> None:
        self.ss, self.view = ss, view
        self.h = height * ss
        self.w = max(8, round(height * 0.5)) * ss
        from PIL import Image, ImageDraw

        self.img = Image.new("RGBA", (self.w, round(self.h * (1 + HEADROOM))), (0, 0, 0, 0))
        self.draw = ImageDraw.Draw(self.img)

    def pt(self, u: float, v: float) -> tuple[float, float]:
        return self.w / 2 + u * self.h, (v + HEADROOM) * self.h

    def poly(self, pts: list[tuple[float, float]], fill: RGB, sx: float = 1.0) -> None:
        self.draw.polygon([self.pt(u * sx, v) for u, v in pts], fill=(*fill, 255))

    def oval(self, u: float, v: float, rx: float, ry: float, fill: RGB) -> None:
        x, y = self.pt(u, v)
        self.draw.ellipse([x - rx * self.h, y - ry * self.h, x + rx * self.h, y + ry * self.h],
                          fill=(*fill, 255))

    def line(self, pts: list[tuple[float, float]], width: float, fill: RGB) -> None:
        self.draw.line([self.pt(u, v) for u, v in pts], fill=(*fill, 255),
                       width=max(1, round(width * self.h)), joint="curve")

    def done(self) -> Image.Image:
        from PIL import Image

        size = (self.img.width // self.ss, self.img.height // self.ss)
        return self.img.resize(size, Image.Resampling.LANCZOS)


def _sym(half: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [*half, *[(-u, v) for u, v in reversed(half)]]


_TORSO = _sym([(0.022, 0.11), (0.026, 0.15), (0.062, 0.168), (0.1, 0.178), (0.117, 0.19),
               (0.126, 0.215), (0.124, 0.3), (0.108, 0.4), (0.106, 0.5), (0.0, 0.5)])
_ARM = [(0.112, 0.185), (0.13, 0.2), (0.142, 0.245), (0.146, 0.33), (0.142, 0.45),
        (0.134, 0.49), (0.12, 0.49), (0.116, 0.45), (0.112, 0.33), (0.108, 0.25)]
_LEG = [(0.104, 0.49), (0.004, 0.52), (0.018, 0.96), (0.07, 0.96), (0.09, 0.7)]
_COAT = _sym([(0.0, 0.4), (0.112, 0.4), (0.132, 0.62), (0.142, 0.8), (0.0, 0.8)])
_DRESS = _sym([(0.0, 0.44), (0.104, 0.44), (0.18, 0.82), (0.0, 0.82)])
_SIDE_TORSO = [(-0.05, 0.16), (0.04, 0.16), (0.066, 0.2), (0.07, 0.3), (0.06, 0.4),
               (0.058, 0.5), (-0.058, 0.5), (-0.062, 0.4), (-0.066, 0.25), (-0.06, 0.18)]
_SIDE_ARM = [(-0.01, 0.19), (0.03, 0.19), (0.05, 0.32), (0.045, 0.46), (0.02, 0.47),
             (0.012, 0.33)]
_SIDE_LEG = [(-0.05, 0.48), (0.05, 0.48), (0.045, 0.72), (0.06, 0.95), (0.0, 0.96),
             (-0.02, 0.72)]


def draw_figure(look: Appearance, height: int, view: str = "front") -> Image.Image:
    """The character as an RGBA layer whose body is `height` pixels tall (the layer is
    HEADROOM taller, for a hat), facing the viewer ("front"), to the right ("side") or away
    ("back"). Its feet are at the bottom of the layer."""
    c = _Canvas(height, view, ss=3 if height < 600 else 2 if height < 1200 else 1)
    k, line = look.build, _darker(look.top, 0.55)
    skin, top, bottom = look.skin, look.top, look.bottom
    if view == "side":
        _side(c, look)
    else:
        for s in (-1, 1):  # legs, shoes
            c.poly(_LEG, bottom, s)
            c.oval(s * 0.045 + 0.012, 0.972, 0.038, 0.017, look.shoes)
        if look.outfit == "dress":
            c.poly(_DRESS, top)
        c.poly(_TORSO, top, k)
        for s in (-1, 1):
            c.poly(_ARM, _darker(top, 0.12), s * k)
            c.oval(s * 0.128 * k, 0.5, 0.015, 0.022, skin)
        if look.outfit == "coat":
            c.poly(_COAT, top)
            c.line([(0.0, 0.2), (0.0, 0.79)], 0.004, line)  # the coat's opening
        if look.outfit == "suit":
            c.poly(_sym([(0.0, 0.175), (0.03, 0.175), (0.0, 0.3)]), (236, 234, 228))
        if view == "front":
            c.oval(0.0, 0.13, 0.026, 0.026, skin)  # neck
    _head(c, look, view)
    _accessory(c, look, view)
    image = c.done()
    from PIL import ImageFilter

    return image.filter(ImageFilter.SMOOTH) if height < 60 else image


def _side(c: _Canvas, look: Appearance) -> None:
    c.poly(_SIDE_LEG, look.bottom)
    c.poly([(u + 0.03, v) for u, v in _SIDE_LEG], _darker(look.bottom, 0.15))
    c.oval(0.06, 0.962, 0.045, 0.016, look.shoes)
    c.oval(0.09, 0.962, 0.045, 0.016, look.shoes)
    if look.outfit == "dress":
        c.poly([(-0.06, 0.44), (0.06, 0.44), (0.12, 0.82), (-0.1, 0.82)], look.top)
    c.poly(_SIDE_TORSO, look.top)
    if look.outfit == "coat":
        c.poly([(-0.066, 0.4), (0.062, 0.4), (0.085, 0.79), (-0.09, 0.79)], look.top)
    c.poly(_SIDE_ARM, _darker(look.top, 0.12))
    c.oval(0.034, 0.48, 0.014, 0.02, look.skin)


def _head(c: _Canvas, look: Appearance, view: str) -> None:
    hair, skin = look.hair, look.skin
    if look.hair_style == "long":
        c.poly([(-0.066, 0.05), (0.066, 0.05), (0.07, 0.2), (-0.07, 0.2)], hair)
    c.oval(0.006 if view == "side" else 0.0, 0.066, 0.048, 0.066, skin)
    if view == "back":
        c.oval(0.0, 0.062, 0.052, 0.07, hair)  # the back of the head is hair
    elif look.hair_style != "bald":
        if view == "side":
            c.poly([(-0.055, 0.005), (0.03, -0.002), (0.056, 0.03), (0.0, 0.04),
                    (-0.04, 0.08), (-0.056, 0.1)], hair)
        else:
            c.poly([(-0.052, 0.07), (-0.05, 0.02), (0.0, -0.004), (0.05, 0.02),
                    (0.052, 0.07), (0.03, 0.03), (-0.03, 0.03)], hair)
    if look.hair_style == "bun":
        c.oval(0.0 if view != "side" else -0.045, 0.0, 0.026, 0.022, hair)
    if view == "front":
        for s in (-1, 1):
            c.oval(s * 0.018, 0.07, 0.0055, 0.0045, (36, 30, 30))  # eyes
            c.line([(s * 0.027, 0.058), (s * 0.01, 0.056)], 0.0035, _darker(hair, 0.2))
        c.line([(-0.012, 0.103), (0.012, 0.103)], 0.003, _darker(skin, 0.35))  # mouth
        if look.beard:
            c.poly([(-0.046, 0.08), (0.046, 0.08), (0.03, 0.13), (0.0, 0.14), (-0.03, 0.13)],
                   hair)
    elif view == "side":
        c.oval(0.052, 0.072, 0.01, 0.009, skin)  # nose
        c.oval(0.03, 0.066, 0.005, 0.004, (36, 30, 30))
        if look.beard:
            c.poly([(0.0, 0.09), (0.05, 0.09), (0.03, 0.135), (0.0, 0.13)], hair)


def _accessory(c: _Canvas, look: Appearance, view: str) -> None:
    a, accent = look.accessory, look.accent
    side = 1 if view != "back" else -1
    if a == "hat":
        c.oval(0.0, 0.02, 0.085, 0.014, accent)
        c.poly([(-0.05, 0.02), (-0.045, -0.035), (0.045, -0.035), (0.05, 0.02)], accent)
    elif a == "glasses" and view != "back":
        for s in ((-1, 1) if view == "front" else (1,)):
            u = s * 0.018 if view == "front" else 0.028
            c.line([(u - 0.011, 0.07), (u + 0.011, 0.07)], 0.004, (30, 30, 34))
    elif a == "scarf":
        c.poly(_sym([(0.0, 0.12), (0.045, 0.13), (0.05, 0.17), (0.0, 0.175)]), accent)
        c.poly([(0.01 * side, 0.16), (0.04 * side, 0.16), (0.05 * side, 0.3),
                (0.02 * side, 0.3)], accent)
    elif a == "bag":
        c.line([(-0.1 * side, 0.18), (0.09 * side, 0.42)], 0.008, _darker(accent, 0.3))
        c.poly([(0.08 * side, 0.4), (0.15 * side, 0.4), (0.15 * side, 0.5),
                (0.08 * side, 0.5)], accent)
    elif a == "lamp":
        x = 0.15 * side
        c.line([(x, 0.46), (x, 0.52)], 0.005, (60, 50, 40))
        c.poly([(x - 0.03, 0.52), (x + 0.03, 0.52), (x + 0.025, 0.6), (x - 0.025, 0.6)],
               (250, 214, 120))
    elif a == "cane":
        c.line([(0.15 * side, 0.49), (0.17 * side, 0.97)], 0.008, (92, 62, 40))
    elif a == "badge" and view == "front":
        c.oval(-0.06, 0.24, 0.014, 0.014, (222, 190, 80))


# ---- the reference sheet -------------------------------------------------------------------


def render_sheet(look: Appearance, name: str, width: int, height: int) -> Image.Image:
    """Front, side and back views on flat chroma-key green, a third of the width each."""
    from PIL import Image

    sheet = Image.new("RGB", (width, height), KEY_GREEN)
    figure_h = round(height * 0.86 * look.height)
    for i, view in enumerate(("front", "side", "back")):
        layer = draw_figure(look, figure_h, view)
        x = round((i + 0.5) * width / 3 - layer.width / 2)
        y = round(height * 0.95 - layer.height)
        sheet.paste(layer, (x, y), layer)
    return sheet


def cut_out(sheet: Image.Image, view: str = "front") -> Image.Image:
    """One view of a sheet as an RGBA layer: its third of the sheet with the green background
    keyed out (soft edge, green spill pulled down), cropped to the figure. Channel arithmetic
    in Pillow, no per-pixel Python."""
    from PIL import Image, ImageChops, ImageFilter

    index = ("front", "side", "back").index(view)
    w, h = sheet.size
    part = sheet.convert("RGB").crop((index * w // 3, 0, (index + 1) * w // 3, h))
    r, g, b = part.split()
    others = ImageChops.lighter(r, b)
    excess = ImageChops.subtract(g, others)  # how much greener than red and blue
    alpha = excess.point(lambda v: 255 if v < 36 else max(0, 255 - (v - 36) * 8))
    despilled = Image.merge("RGB", (r, ImageChops.darker(g, others), b)).convert("RGBA")
    despilled.putalpha(alpha.filter(ImageFilter.GaussianBlur(0.5)))
    box = alpha.point(lambda v: 255 if v > 24 else 0).getbbox()
    return despilled.crop(box) if box else despilled
