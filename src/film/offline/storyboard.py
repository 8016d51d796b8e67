"""The offline image provider: a storyboard panel per shot, painted with Pillow.

`render_storyboard_frame(request)` is pure (request in, image out, same request → same
pixels). It reads the shot like a storyboard artist would: the time of day and mood pick a
palette, the landscapes an interior (a room with a window) or an exterior (sky, horizon, a
city, hills, sea ...), the shot type the composition (small silhouettes in a big space for a
wide shot, a head filling the frame for a close-up, one object for an insert), and the camera
move an arrow. A caption band names the shot, its move, characters and setting.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter, ImageOps
from PIL.PngImagePlugin import PngInfo

from film.errors import MediaError
from film.offline.camera_moves import HOLD_KEY, choose_move
from film.offline.storyboard_figures import Fig, figures, insert
from film.offline.storyboard_overlays import bars, overlays
from film.offline.storyboard_paint import (
    RGB,
    Look,
    Palette,
    Pen,
    add_grain,
    exterior,
    interior,
    mix,
    paint,
    rain,
    vignette,
)
from film.providers.contract import ImageProvider, ImageRequest, JobContext, MediaResult

RENDERER_VERSION = 2  # 2: Noto fonts, every script


# ---- reading the shot ----------------------------------------------------------------------


_PALETTES = {
    "night": Palette(((4, 7, 20), (14, 22, 50), (40, 56, 100)), ((24, 28, 44), (5, 6, 12)),
                     ((38, 46, 76), (16, 19, 36)), ((34, 34, 48), (8, 8, 14)), (255, 170, 80),
                     (44, 76, 140), (5, 6, 11), (255, 186, 120)),
    "day": Palette(((62, 122, 206), (120, 170, 228), (214, 230, 245)),
                   ((140, 160, 110), (72, 94, 58)),
                   ((218, 206, 186), (178, 164, 142)), ((168, 134, 100), (104, 78, 56)),
                   (255, 246, 222), (236, 244, 255), (22, 24, 32), (255, 250, 236)),
    "sunset": Palette(((40, 28, 84), (176, 66, 120), (255, 160, 88)), ((92, 50, 66), (22, 12, 26)),
                      ((132, 78, 86), (66, 38, 52)), ((92, 52, 54), (30, 18, 24)),
                      (255, 146, 64), (255, 160, 104), (20, 10, 22), (255, 170, 96)),
    "dawn": Palette(((70, 92, 150), (160, 150, 190), (252, 200, 172)),
                    ((100, 104, 124), (40, 42, 58)),
                    ((176, 164, 174), (118, 108, 124)), ((132, 112, 110), (66, 56, 62)),
                    (255, 222, 184), (255, 226, 206), (24, 24, 38), (255, 220, 196)),
}
_TIMES = (("night", "night midnight moon nocturnal after-dark"),
          ("sunset", "sunset dusk evening twilight golden-hour magic-hour"),
          ("dawn", "dawn sunrise daybreak first-light"),
          ("day", "day noon morning afternoon sunny midday daylight"))


@dataclass(frozen=True)
class Grade:
    """A mood as a palette transform (the key light keeps its colour unless `key` is set)."""

    saturation: float = 1.0
    contrast: float = 1.0
    multiply: RGB = (255, 255, 255)
    lift: RGB = (0, 0, 0)
    key: RGB | None = None
    vignette: float = 0.5


_MOODS = (
    ("horror eerie creepy sinister haunt macabre terrif dread", Grade(
        0.5, 1.15, (170, 214, 128), (8, 22, 4), (190, 235, 120), 0.65)),
    ("tense suspense thrill ominous noir gritty menac anxious danger",
     Grade(0.45, 1.3, vignette=0.62)),
    ("romance romantic love tender intimate passion", Grade(
        1.1, 1.0, (255, 214, 224), (40, 12, 26), (255, 150, 170), 0.45)),
    ("sad melanchol grief lonely somber sombre bleak mourn", Grade(
        0.55, 0.95, (206, 216, 240), (10, 14, 26))),
    ("joy happy cheer playful whimsical uplift hopeful", Grade(1.3, 1.05, vignette=0.3)),
    ("myster dream surreal magic ethereal", Grade(0.9, 1.0, (206, 186, 246), (20, 8, 36))),
    ("epic heroic triumph grand", Grade(1.1, 1.15)),
    ("calm peace serene quiet gentle", Grade(1.0, 0.92, vignette=0.35)),
)
_INTERIOR = ("interior indoor inside office room$ rooms$ bedroom kitchen bar$ pub$ apartment "
             "hallway corridor studio library cafe diner restaurant warehouse lab$ church hall$ "
             "basement attic cabin classroom shop$ lobby elevator")
_EXTERIOR = ("exterior outdoor outside street alley rooftop city forest beach sea$ ocean mountain "
             "field desert park garden road highway lake river meadow countryside harbor village "
             "town$ jungle sky$")
_KINDS = (("city", "urban city street downtown alley rooftop skyline neon town$ avenue"),
          ("sea", "ocean sea$ beach coast shore harbor harbour lake river bay$ pier"),
          ("forest", "forest woods jungle trees grove"),
          ("mountains", "mountain hill valley cliff canyon peak ridge"),
          ("desert", "desert dune sand$ sands$"))
_OBJECTS = (("paper", "letter envelope note photo document file$ files$ map$ maps$ paper "
                      "newspaper"),
            ("cup", "cup$ cups$ coffee mug tea$ glass whiskey drink"), ("phone", "phone telephone"),
            ("clock", "clock watch$ pocket-watch wristwatch"), ("lamp", "lamp"))


def _has(text: str, words: str) -> int:
    """Position+1 of the first of `words` in `text`, 0 if none. Words match word starts
    ("haunt" finds "haunted"); a trailing `$` asks for the whole word ("bar$" skips "barn")."""
    hits = []
    for word in words.split():
        pattern = r"\b" + re.escape(word.rstrip("$").replace("-", " "))
        if m := re.search(pattern + (r"\b" if word.endswith("$") else ""), text):
            hits.append(m.start() + 1)
    return min(hits) if hits else 0


def _graded(c: RGB, g: Grade, pivot: float) -> RGB:
    luma = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
    out = []
    for v, m, lift in zip(c, g.multiply, g.lift, strict=True):
        v = luma + (v - luma) * g.saturation
        v = pivot + (v - pivot) * g.contrast
        v = v * m / 255
        v = 255 - (255 - v) * (255 - lift) / 255
        out.append(max(0, min(255, round(v))))
    return tuple(out)  # type: ignore[return-value]


def read_look(request: ImageRequest) -> Look:
    """Decide palette, mood, setting and weather from the shot and the film's defaults."""
    shot = request.shot
    prompt = shot.enhanced_prompt.lower()
    lands = " ".join(shot.landscapes).lower()
    styles = " ".join([*shot.styles, request.style or ""]).lower()
    time = next((t for src in (shot.time_of_day or "", prompt, styles.replace("noir", "night"))
                 for t, words in _TIMES if _has(src.lower(), words)), "day")
    grade = next((g for src in (shot.mood or "", request.mood or "", styles)
                  for words, g in _MOODS if _has(src.lower(), words)), Grade())
    base = _PALETTES[time]
    tones = [*base.sky, *base.ground, *base.wall, *base.floor]
    pivot = sum(0.299 * r + 0.587 * g + 0.114 * b for r, g, b in tones) / len(tones)
    pal = Palette(*(tuple(_graded(c, grade, pivot) for c in group) for group in
                    (base.sky, base.ground, base.wall, base.floor)),
                  grade.key or base.key, _graded(base.window, grade, pivot),
                  _graded(base.figure, grade, pivot), grade.key or base.rim)  # type: ignore[arg-type]
    inside = _has(lands, _INTERIOR) and not _has(lands, "exterior outdoor outside")
    if not lands.strip() or (not inside and not _has(lands, _EXTERIOR)):
        inside = _has(prompt, _INTERIOR) and not _has(prompt, "exterior outdoor outside")
    text = f"{lands} {prompt}"
    if inside:
        bar = _has(text, "bar$ bars$ pub$ diner cafe restaurant counter kitchen")
        kind = "bar" if bar else "office"
    else:
        kind = next((k for src in (lands, prompt) for k, w in _KINDS if _has(src, w)), "field")
    return Look(time, pal, grade.vignette, bool(inside), kind,
                urban=bool(_has(text, "urban city street neon downtown skyline town$ avenue")),
                rain=bool(_has(text, "rain storm downpour drizzle puddle")),
                fog=bool(_has(text, "fog mist haze smoke")),
                blinds=bool(_has(f"{prompt} {styles}", "blinds venetian noir")),
                mono=bool(_has(styles, "black-and-white monochrome b&w")),
                hats=bool(_has(f"{styles} {prompt}", "noir detective fedora gangster")))




# ---- composition ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Framing:
    """How a shot type frames people: full-body height and feet (in frame heights; a figure
    taller than the frame is cropped), the horizon, background defocus, how many people."""

    fig_h: float
    feet: float
    horizon: float
    blur: float  # Gaussian radius in thousandths of the frame height
    people: int


_FRAMINGS = {
    "extreme-wide": Framing(0.085, 0.70, 0.60, 0, 3),
    "establishing": Framing(0.13, 0.75, 0.58, 0, 3),
    "aerial": Framing(0.06, 0.66, 0.26, 0, 3),
    "wide": Framing(0.23, 0.80, 0.55, 0, 3),
    "pov": Framing(0.42, 0.80, 0.56, 1, 3),
    "tracking": Framing(0.56, 0.82, 0.60, 2, 2),
    "full": Framing(0.62, 0.83, 0.60, 2, 3),
    "medium-wide": Framing(1.0, 1.18, 0.64, 3, 3),
    "two-shot": Framing(1.25, 1.45, 0.66, 4, 2),
    "medium": Framing(1.55, 1.80, 0.70, 5, 3),
    "over-the-shoulder": Framing(1.6, 1.84, 0.70, 6, 1),
    "medium-close-up": Framing(2.4, 2.54, 0.80, 7, 1),
    "reaction": Framing(2.8, 2.92, 0.82, 8, 1),
    "close-up": Framing(3.4, 3.52, 0.86, 9, 1),
    "extreme-close-up": Framing(12.0, 11.5, 0.90, 11, 1),
    "insert": Framing(0.0, 0.0, 0.62, 9, 0),
}
_BODY = (("robot", "robot android droid cyborg"),
         ("hair", "woman women girl lady she$ her$ mother mom$ queen princess wife sister "
                  "daughter actress widow witch nun$ bride femme grandmother aunt"),
         ("hat", "detective inspector cop$ agent gangster cowboy gentleman spy$ sheriff"))


def _body(name: str, look: Look) -> str:
    return next((k for k, words in _BODY if _has(name.lower(), words)),
                "hat" if look.hats else "plain")


def cast(request: ImageRequest, look: Look, side: int) -> tuple[list[Fig], Fig | None]:
    """The figures the shot type calls for (one per character, up to 3) and, for an
    over-the-shoulder shot, the dark foreground shoulder."""
    shot, w, h = request.shot, request.width, request.height
    fr = _FRAMINGS.get(shot.shot_type, _FRAMINGS["medium"])
    chars = [c.strip() for c in shot.characters if c.strip()][:3]
    if fr.people == 0 or (not chars and fr.fig_h < 0.3):
        return [], None
    focus = shot.speaker if shot.speaker in chars else (chars[0] if chars else "")
    unit = min(h, w * 0.9)  # people scale with the height, but stay inside a portrait frame
    fg = None
    if shot.shot_type == "two-shot":
        names = [*chars, "", ""][:2]
    elif shot.shot_type == "over-the-shoulder":
        names = [chars[1] if len(chars) > 1 else focus]
        other = chars[0] if len(chars) > 1 else ""
        fg = Fig(other, w * (0.5 - side * 0.43), 0.2 * h, 3.8 * unit, side, _body(other, look))
    else:
        names = [focus] if fr.people == 1 else (chars or [""])
    n, big = len(names), fr.fig_h >= 0.9
    if not big:
        step = max(fr.fig_h * unit * 0.5, 0.1 * w) / w
        xs = [0.5 + side * 0.17 + (i - (n - 1) / 2) * step for i in range(n)]
    elif n == 1:
        xs = [0.5 + side * (0.17 if fr.fig_h < 2 else 0.12 if fr.fig_h < 5 else 0.05)]
    else:
        xs = [0.32, 0.68] if n == 2 else [0.2, 0.5, 0.8]
    figs = []
    for i, (name, x) in enumerate(zip(names, xs, strict=True)):
        # children stand shorter only in wide framings; closer shots frame them like adults
        # (the feet stay put, so a shorter body there would slide out of the frame)
        child = not big and _has(name.lower(), "child kid$ kids$ boy$ girl$ toddler")
        fh = fr.fig_h * unit * (0.72 if child else 1.0) * (1.0 if big else 1 - 0.06 * i)
        feet = (fr.feet - fr.fig_h) * h + fr.fig_h * unit + (0 if big else (i % 2) * 0.012 * h)
        face = -side if n == 1 else (1 if x < 0.5 else -1)
        kind = "plain" if fr.fig_h > 5 else _body(name, look)
        figs.append(Fig(name, x * w, feet - fh, fh, face, kind,
                        walk=shot.shot_type == "tracking", nose=1.0 <= fr.fig_h < 2.8,
                        eyes=fr.fig_h >= 2.8))
    return figs, fg


def _object(prompt: str) -> str:
    hits = [(pos, obj) for obj, words in _OBJECTS if (pos := _has(prompt.lower(), words))]
    return min(hits)[1] if hits else "lamp"


# ---- the frame and the provider ------------------------------------------------------------


def render_storyboard_frame(request: ImageRequest) -> Image.Image:
    """Paint the storyboard panel for `request` (pure: same request, same pixels)."""
    shot, size = request.shot, (request.width, request.height)
    w, h = size
    look = read_look(request)
    rng = random.Random(f"storyboard:{request.seed}:{shot.shot_id}")
    side = rng.choice((-1, 1))
    fr = _FRAMINGS.get(shot.shot_type, _FRAMINGS["medium"])
    ss = max(1, min(4, round(2400 / max(w, h))))
    hy = fr.horizon * h
    if look.interior:
        img = interior(size, look, hy, 0 < fr.fig_h < 0.7, side, rng, ss)
    else:
        img = exterior(size, look, hy, side, rng, ss)
    if fr.blur:
        img = img.filter(ImageFilter.GaussianBlur(fr.blur * h / 1000))
    if shot.shot_type == "insert":
        insert(img, _object(shot.enhanced_prompt), look, side, ss)
    figs, fg = cast(request, look, side)
    if shot.shot_type == "tracking":
        trail = Pen(size, ss)
        for f in figs:
            for k in range(6):
                y, x = f.top + f.h * (0.18 + 0.12 * k), f.cx - f.face * 0.12 * f.h
                end = x - f.face * f.h * (0.3 + 0.08 * (k % 3))
                trail.line([(x, y), (end, y)], max(1, h / 400))
        paint(img, trail.mask(), look.pal.rim, 0.35)
    figures(img, figs, look, -side, ss)
    if fg:
        dark = mix(look.pal.figure, (0, 0, 0), 0.5)
        figures(img, [fg], look, -side, ss, blur=0.01 * h, color=dark)
    if look.rain and not look.interior:
        rain(img, rng, ss, mix(look.pal.sky[2], (220, 226, 236), 0.6))
    img = vignette(img, look.vignette)
    if shot.shot_type == "pov":
        img = vignette(img, 0.94, 0.4, 0.7)  # seen through someone's eyes
    img = add_grain(img, rng, 5)
    if look.mono:
        img = ImageOps.grayscale(img).convert("RGB")
    overlays(img, request, figs, fg, choose_move(shot), ss)
    return img


class StoryboardImageProvider(ImageProvider):
    """Keyless images: a painted storyboard panel per shot (deterministic, no network)."""

    remote = False

    def params(self) -> dict[str, Any]:
        return {"renderer": f"storyboard-v{RENDERER_VERSION}"}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Render the shot's panel and write it to `out` as PNG."""

        top, bottom = bars(request.width, request.height)
        info = PngInfo()  # tells the camera-move provider to hold the bars still
        info.add_text(HOLD_KEY, json.dumps({"top": top / request.height,
                                            "bottom": bottom / request.height}))

        def work() -> None:
            image = render_storyboard_frame(request)
            try:
                image.save(out, format="PNG", pnginfo=info)
            except OSError as exc:
                raise MediaError(f"cannot write the storyboard frame {out}: {exc}") from exc

        await asyncio.to_thread(work)
        return MediaResult(model=self.model, meta={
            "width": request.width, "height": request.height,
            "renderer": f"storyboard-v{RENDERER_VERSION}", "move": choose_move(request.shot),
        })
