"""Shots built from references: a location's plate cropped for the shot type, each character
placed and sized for it, lit by the shot's light.

The offline storyboard draws its people from their looks (film.offline.identity), so the same
character is the same figure in every shot; `composite` cuts them out of their sheets
(whatever made them: the storyboard, or a remote model asked for a flat green background).
Two characters in one frame are two separate layers: they never blend.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageEnhance, ImageFilter, ImageOps

from film.errors import MediaError
from film.offline.camera_moves import choose_move
from film.offline.framing import (
    _FRAMINGS,
    _object,
    cast,
    grade_image,
    look_from,
    mood_grade,
    read_look,
)
from film.offline.identity import RGB, Appearance, cut_out, draw_figure, render_sheet
from film.offline.storyboard_figures import insert
from film.offline.storyboard_overlays import overlays
from film.offline.storyboard_paint import add_grain, exterior, interior, mix, rain, vignette
from film.providers.contract import ImageRequest, MediaResult, Reference, ReferenceRequest
from film.text import call_name

#: how much of the plate a shot type shows (1 = all of it), by shot type
_ZOOM = {"extreme-wide": 1.0, "establishing": 1.0, "aerial": 1.0, "wide": 1.0, "pov": 1.1,
         "tracking": 1.15, "full": 1.15, "medium-wide": 1.3, "two-shot": 1.4, "medium": 1.6,
         "over-the-shoulder": 1.6, "medium-close-up": 2.0, "reaction": 2.1, "close-up": 2.4,
         "extreme-close-up": 3.0, "insert": 2.0}
#: where the plate's horizon is, in plate heights
PLATE_HORIZON = 0.62
#: the light of a time of day over a plate painted in another (multiply, then a lift)
_LIGHT = {"night": ((96, 110, 168), 0.0), "sunset": ((255, 186, 150), 0.0),
          "dusk": ((232, 170, 160), 0.0), "dawn": ((236, 206, 214), 0.04), "day": None}

#: a person's layer at a height, facing the viewer ("front"), sideways or away ("back")
Layer = Callable[[str, int], Image.Image]


@dataclass
class Person:
    name: str
    layer: Layer
    #: the layer's height relative to the person's body (a hat or hair above the head)
    scale: float = 1.0


def drawn_person(ref: Reference) -> Person:
    """A character drawn from its look (offline): crisp at any size."""
    look = Appearance(**{k: tuple(v) if isinstance(v, list) else v
                         for k, v in ref.look.items()})

    def layer(view: str, height: int) -> Image.Image:
        body = max(8, round(height * look.height))
        cap = 1400  # very large figures are drawn smaller and scaled up: a close-up's head
        if body <= cap:
            return draw_figure(look, body, view)
        small = draw_figure(look, cap, view)
        factor = body / cap
        return small.resize((round(small.width * factor), round(small.height * factor)),
                            Image.Resampling.BICUBIC)

    return Person(ref.name, layer)


def sheet_person(ref: Reference) -> Person:
    """A character cut out of its sheet (any provider made it): its body is the layer."""
    views = {view: _cut(str(ref.path), view) for view in ("front", "side", "back")}

    def layer(view: str, height: int) -> Image.Image:
        image = views[view] if views[view].getbbox() else views["front"]
        factor = max(height, 8) / max(1, image.height)
        return image.resize((max(1, round(image.width * factor)), max(1, height)),
                            Image.Resampling.LANCZOS)

    return Person(ref.name, layer)


@lru_cache(maxsize=64)
def _cut(path: str, view: str) -> Image.Image:
    with Image.open(path) as sheet:
        return cut_out(sheet, view)


# ---- one shot ------------------------------------------------------------------------------


def frame_from_plate(plate: Image.Image, shot_type: str, horizon: float, blur: float,
                     size: tuple[int, int], side: int, closer: float = 1.0) -> Image.Image:
    """The part of the plate a shot of `shot_type` sees, its horizon at `horizon` (in frame
    heights), defocused by `blur` (thousandths of the frame height); `closer` > 1 narrows
    the view (another take of the shot)."""
    pw, ph = plate.size
    zoom = _ZOOM.get(shot_type, 1.6) * closer
    cw, ch = pw / zoom, ph / zoom
    top = min(max(PLATE_HORIZON * ph - horizon * ch, 0), ph - ch)
    left = min(max((pw - cw) / 2 + side * 0.12 * (pw - cw), 0), pw - cw)
    crop = plate.crop((round(left), round(top), round(left + cw), round(top + ch)))
    frame = crop.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    return frame.filter(ImageFilter.GaussianBlur(blur * size[1] / 1000)) if blur else frame


def relight(image: Image.Image, time: str, painted: str, tint: RGB | None = None
            ) -> Image.Image:
    """A plate painted in one light, seen at another time of day (day for night); a mood's
    own light colour (`tint`) colours the change."""
    if time == painted or _LIGHT.get(time) is None:
        return image
    colour, lift = _LIGHT[time]  # type: ignore[misc]
    if tint is not None:
        colour = tuple(round(a + (b - a) * 0.6) for a, b in zip(colour, tint, strict=True))
    lit = ImageChops.multiply(image, Image.new("RGB", image.size, colour))
    if time == "night":
        lit = ImageEnhance.Color(lit).enhance(0.6)
    return Image.blend(lit, Image.new("RGB", image.size, (255, 255, 255)), lift) if lift else lit


def place(frame: Image.Image, person: Person, fig: Any, view: str) -> None:
    """Paste one person where the framing puts them (`fig`: centre, top of head, height,
    facing), in place."""
    layer = person.layer(view, max(8, round(fig.h)))
    if fig.face < 0 and view == "side":
        layer = ImageOps.mirror(layer)
    x = round(fig.cx - layer.width / 2)
    y = round(fig.top + fig.h - layer.height * 0.985)  # the feet (drawn a little above the
    frame.paste(layer, (x, y), layer)                   # layer's bottom) on the ground


def shadowed(layer: Image.Image, amount: float, blur: float) -> Image.Image:
    """A foreground layer darkened and out of focus (an over-the-shoulder's shoulder)."""
    dark = ImageEnhance.Brightness(layer).enhance(1 - amount)
    return dark.filter(ImageFilter.GaussianBlur(blur)) if blur else dark


# ---- a whole shot ------------------------------------------------------------------------


def paint_plate(ref: Reference, size: tuple[int, int], style: str | None = None
                ) -> Image.Image:
    """A location's plate: the place, empty, painted once from its words and its light (the
    same seed every time, so the same place is the same picture)."""
    words, time = str(ref.look.get("words", "")), str(ref.look.get("time", "day"))
    inside = bool(ref.look.get("interior"))
    # the location's own facts win over words guessed from its shots
    lands = f"interior {ref.name}" if inside else f"exterior {ref.name} {words}"
    look = look_from(prompt=f"{ref.name} {ref.visual}", lands=lands, styles=style or "",
                     time_hint=time, graded=False)
    rng = random.Random(f"plate:{ref.key}")
    ss = max(1, min(4, round(2400 / max(size))))
    hy = PLATE_HORIZON * size[1]
    if look.interior:
        return interior(size, look, hy, True, 1, rng, ss)
    return exterior(size, look, hy, 1, rng, ss)


def implied_references(request: ImageRequest) -> list[Reference]:
    """References for a shot that came without any (a storyboard frame on its own): the
    characters it names, drawn as a cast, and its setting."""
    from film.offline.identity import cast_appearances

    shot = request.shot
    names = [c.strip() for c in shot.characters if c.strip()]
    looks = cast_appearances([(n, "", "") for n in names])
    refs = [Reference(kind="character", key=n.lower(), name=n, path=Path("-"), look=vars(lk))
            for n, lk in zip(names, looks, strict=True)]
    key = shot.place
    refs.append(Reference(kind="location", key=key, name=key, path=Path("-"),
                          visual=shot.enhanced_prompt,
                          look={"words": " ".join(shot.landscapes),
                                "time": shot.time_of_day or "day",
                                "interior": "interior" in " ".join(shot.landscapes).lower()}))
    return refs


def _plate_for(request: ImageRequest, ref: Reference) -> tuple[Image.Image, str]:
    """The location's plate (its file when it was made, else painted now) and its light."""
    painted = str(ref.look.get("time", "day"))
    if ref.path.is_file():
        with Image.open(ref.path) as image:
            return image.convert("RGB"), painted
    return paint_plate(ref, (request.width, request.height), request.style), painted


def render_shot(request: ImageRequest, people: Callable[[Reference], Person],
                captions: bool, rng: random.Random | None = None) -> Image.Image:
    """A shot from its references: the plate framed by the shot type, the characters in
    frame placed by it, the shot's light, grain and (for the storyboard) its captions."""
    shot, size = request.shot, (request.width, request.height)
    h = size[1]
    refs = request.references or implied_references(request)
    look = read_look(request)
    rng = rng or random.Random(f"storyboard:{request.seed}:{shot.shot_id}")
    # the camera's side is the shot's own (the same for every take), then another take of
    # the shot puts it on the other side, or a little closer
    side = random.Random(f"side:{request.seed - request.take}:{shot.shot_id}").choice((-1, 1))
    side = -side if request.take % 2 else side
    closer = 1.15 if request.take % 4 >= 2 else 1.0
    fr = _FRAMINGS.get(shot.shot_type, _FRAMINGS["medium"])
    place_ref = next((r for r in refs if r.kind == "location"), implied_references(request)[-1])
    plate, painted = _plate_for(request, place_ref)
    grade = mood_grade((shot.mood or "", request.mood or ""),
                       " ".join([*shot.styles, request.style or ""]))
    img = relight(frame_from_plate(plate, shot.shot_type, fr.horizon, fr.blur, size, side,
                                   closer),
                  look.time, painted, grade.key)
    ss = max(1, min(4, round(2400 / max(size))))
    if shot.shot_type == "insert":
        insert(img, _object(shot.enhanced_prompt), look, side, ss)
    figs, fg = cast(request, look, side)
    cast_refs = {r.name: r for r in refs if r.kind == "character"}
    cast_refs.update({call_name(r.name): r for r in cast_refs.values()})
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    for f in figs:
        if (ref := cast_refs.get(f.name)) is not None:
            place(layer, people(ref), f, "side" if f.walk else "front")
    if fg and (ref := cast_refs.get(fg.name)) is not None:
        back = Image.new("RGBA", size, (0, 0, 0, 0))
        place(back, people(ref), fg, "back")
        layer.alpha_composite(shadowed(back, 0.45, 0.01 * h))
    lit = relight(layer.convert("RGB"), look.time, "day", grade.key).convert("RGBA")
    lit.putalpha(layer.getchannel("A"))
    img.paste(lit, (0, 0), lit)
    if look.rain and not look.interior:
        rain(img, rng, ss, mix(look.pal.sky[2], (220, 226, 236), 0.6))
    img = grade_image(img, grade)
    img = vignette(img, look.vignette)
    if shot.shot_type == "pov":
        img = vignette(img, 0.94, 0.4, 0.7)  # seen through someone's eyes
    img = add_grain(img, rng, 5)
    if look.mono:
        img = ImageOps.grayscale(img).convert("RGB")
    if captions:
        overlays(img, request, figs, fg, choose_move(shot), ss)
    return img


# ---- references ----------------------------------------------------------------------------


def draw_reference(request: ReferenceRequest) -> Image.Image:
    """A reference drawn offline: a character's sheet from its look, a location's plate
    painted from its words."""
    ref = request.reference
    if ref.kind == "character":
        look = Appearance(**{k: tuple(v) if isinstance(v, list) else v
                             for k, v in ref.look.items()})
        return render_sheet(look, ref.name, request.width, request.height)
    return paint_plate(ref, (request.width, request.height), request.style)


async def write_reference(request: ReferenceRequest, out: Path, model: str) -> MediaResult:
    def work() -> None:
        try:
            draw_reference(request).save(out, format="PNG")
        except OSError as exc:
            raise MediaError(f"cannot write the reference {out}: {exc}") from exc

    await asyncio.to_thread(work)
    return MediaResult(model=model, meta={"kind": request.reference.kind,
                                          "key": request.reference.key})
