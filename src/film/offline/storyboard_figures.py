"""Silhouettes and insert objects for the storyboard renderer.

A figure is drawn in body units (1 = the full height of the person, 0 = the top of the head),
so one drawing serves every framing: a wide shot draws it small, a close-up draws it four
frames tall and lets the frame crop it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter

from film.offline.storyboard_paint import RGB, Look, Pen, glow, mix, paint, vgrad


@dataclass(frozen=True)
class Fig:
    """One person in frame, in pixels: centre x, top of the head, full-body height."""

    name: str
    cx: float
    top: float
    h: float
    face: int = 1  # +1 looks right, -1 left
    kind: str = "plain"  # plain / hat (and coat) / hair (and dress) / robot
    walk: bool = False
    nose: bool = False
    eyes: bool = False


Pts = list[tuple[float, float]]


def _sym(half: Pts) -> Pts:
    """A symmetric outline from its right half (listed top to bottom)."""
    return [*half, *[(-u, v) for u, v in reversed(half)]]


# body parts in body units, facing the viewer (x mirrored for the left side)
_TORSO = _sym([(0.022, 0.11), (0.024, 0.15), (0.06, 0.168), (0.1, 0.178), (0.117, 0.19),
               (0.126, 0.215), (0.124, 0.3), (0.106, 0.4), (0.104, 0.5), (0.0, 0.5)])
_ARM = [(0.112, 0.185), (0.13, 0.2), (0.142, 0.245), (0.146, 0.33), (0.142, 0.45), (0.134, 0.49),
        (0.12, 0.49), (0.116, 0.45), (0.112, 0.33), (0.108, 0.25)]
_LEG = [(0.104, 0.49), (0.004, 0.52), (0.018, 0.96), (0.07, 0.96), (0.09, 0.7)]
_COAT = _sym([(0.0, 0.4), (0.11, 0.4), (0.13, 0.6), (0.14, 0.78), (0.0, 0.78)])
_DRESS = _sym([(0.0, 0.44), (0.1, 0.44), (0.18, 0.8), (0.0, 0.8)])
_BOB = _sym([(0.0, 0.06), (0.058, 0.07), (0.064, 0.14), (0.05, 0.172), (0.0, 0.172)])
# walking, seen from the side (facing +x)
_SIDE = {
    "torso": [(-0.05, 0.16), (0.04, 0.16), (0.066, 0.2), (0.07, 0.3), (0.06, 0.4), (0.058, 0.5),
              (-0.058, 0.5), (-0.062, 0.4), (-0.066, 0.25), (-0.06, 0.18)],
    "back_arm": [(-0.03, 0.19), (0.01, 0.19), (-0.06, 0.33), (-0.11, 0.44), (-0.13, 0.43),
                 (-0.085, 0.32)],
    "front_arm": [(-0.01, 0.19), (0.03, 0.19), (0.07, 0.32), (0.12, 0.42), (0.105, 0.44),
                  (0.045, 0.33)],
    "front_leg": [(-0.02, 0.48), (0.055, 0.48), (0.1, 0.72), (0.15, 0.95), (0.11, 0.965),
                  (0.05, 0.73)],
    "back_leg": [(-0.055, 0.48), (0.02, 0.48), (-0.04, 0.72), (-0.12, 0.93), (-0.16, 0.93),
                 (-0.085, 0.72)],
    "coat": [(-0.065, 0.4), (0.062, 0.4), (0.09, 0.76), (-0.1, 0.76)],
    "hair": [(-0.055, 0.06), (0.0, 0.06), (-0.02, 0.17), (-0.06, 0.16)],
}


def _draw(pen: Pen, f: Fig) -> None:
    k = 0.9 if f.kind == "hair" else 1.0  # narrower shoulders

    def pt(u: float, v: float) -> tuple[float, float]:
        return f.cx + u * f.h * f.face, f.top + v * f.h

    def oval(u: float, v: float, rx: float, ry: float) -> None:
        pen.ellipse(pt(u, v), rx * f.h, ry * f.h)

    def poly(pts: Pts, sx: float = 1.0) -> None:
        pen.poly([pt(u * sx, v) for u, v in pts])

    if f.kind == "robot":
        pen.rect((*pt(-0.05, 0.0), *pt(0.05, 0.125)), r=0.012 * f.h)
    else:
        oval(0.005 if f.walk else 0, 0.066, 0.046 if f.walk else 0.05, 0.066)
    if f.kind == "hat":
        oval(0, 0.032, 0.085, 0.014)
        pen.rect((*pt(-0.048, -0.018), *pt(0.048, 0.034)), r=0.02 * f.h)
    if f.nose or f.walk:
        oval(0.046, 0.074, 0.014, 0.01)
    if f.walk:
        parts = ["torso", "back_arm", "front_arm", "front_leg", "back_leg"]
        parts += ["coat"] if f.kind == "hat" else ["hair"] if f.kind == "hair" else []
        for part in parts:
            poly(_SIDE[part])
        oval(0.15, 0.962, 0.04, 0.016)
        oval(-0.14, 0.935, 0.04, 0.016)
        return
    if f.kind == "hair":
        oval(0, 0.062, 0.058, 0.07)
        poly(_BOB)
    poly(_TORSO, k)
    for s in (-1, 1):
        poly(_ARM, s * k)
        oval(s * 0.128 * k, 0.498, 0.014, 0.022)
        poly(_LEG, s)
        oval(s * 0.045 + 0.012, 0.972, 0.036, 0.016)
    if f.kind == "hat":
        poly(_COAT)
    if f.kind == "hair":
        poly(_DRESS)


def figures(img: Image.Image, figs: list[Fig], look: Look, light: int, ss: int,
            blur: float = 0.0, color: RGB | None = None) -> None:
    """Paint silhouettes with a rim of light on the `light` side (-1 left, +1 right), in place."""
    if not figs:
        return
    pen = Pen(img.size, ss)
    for f in figs:
        _draw(pen, f)
    mask = pen.mask(blur)
    w, h = img.size
    d = max(1, round(min(h / 240, max(f.h for f in figs) / 140)))
    dx, dy = -light * d, d // 2
    shifted = Image.new("L", mask.size, 0)
    shifted.paste(mask, (dx, dy))
    rim = ImageChops.subtract(mask, shifted)
    rim.paste(0, (0, 0, dx, h) if dx > 0 else (w + dx, 0, w, h))
    if dy:
        rim.paste(0, (0, 0, w, dy))
    paint(img, mask, color or look.pal.figure)
    # a little form: the side towards the light is lifted
    ramp = Image.linear_gradient("L").rotate(-90 if light < 0 else 90).resize(img.size)
    paint(img, ImageChops.multiply(mask, ramp), look.pal.rim, 0.1)
    paint(img, rim.filter(ImageFilter.GaussianBlur(d * 0.4)), look.pal.rim, 0.9)
    for f in figs:
        if f.eyes:
            _eyes(img, f, look, ss)


def _eyes(img: Image.Image, f: Fig, look: Look, ss: int) -> None:
    """The noir close-up: a slash of light across the eyes; eyes, brows and catchlights in it."""
    u = f.h
    cy, ox = f.top + 0.07 * u, f.cx + 0.005 * u * f.face
    head, band = Pen(img.size, ss), Pen(img.size, ss)
    head.ellipse((f.cx, f.top + 0.066 * u), 0.05 * u, 0.066 * u)
    band.rect((f.cx - 0.06 * u, cy - 0.02 * u, f.cx + 0.06 * u, cy + 0.012 * u))
    lit = ImageChops.multiply(head.mask(), band.mask(min(0.006 * u, 0.012 * img.height)))
    paint(img, lit, mix(look.pal.figure, look.pal.rim, 0.45), 0.85)
    eyes, sparks = Pen(img.size, ss), Pen(img.size, ss)
    for s in (-1, 1):
        ex = ox + s * 0.02 * u
        lid = [(ex - 0.0095 * u * math.cos(t * math.pi / 12),
                cy - 0.0042 * u * math.sin(t * math.pi / 12)) for t in range(13)]
        low = [(ex + 0.0095 * u * math.cos(t * math.pi / 12),
                cy + 0.0026 * u * math.sin(t * math.pi / 12)) for t in range(13)]
        eyes.poly(lid + low)
        inner = ex - s * 0.009 * u
        eyes.line([(ex + s * 0.012 * u, cy - 0.012 * u), (ex, cy - 0.0135 * u),
                   (inner, cy - 0.0105 * u)], 0.0032 * u)
        sparks.ellipse((ex + 0.002 * u, cy - 0.0012 * u), 0.0013 * u, 0.0013 * u)
    paint(img, eyes.mask(), look.pal.figure, 0.9)
    paint(img, sparks.mask(), (255, 246, 232), 0.8)


# ---- inserts -------------------------------------------------------------------------------


def _rotated(cx: float, cy: float, pts: list[tuple[float, float]], deg: float) -> list[
        tuple[float, float]]:
    a = math.radians(deg)
    return [(cx + x * math.cos(a) - y * math.sin(a), cy + x * math.sin(a) + y * math.cos(a))
            for x, y in pts]


def insert(img: Image.Image, obj: str, look: Look, side: int, ss: int) -> None:
    """A desk top in the lower half and one object large on it, lit by a warm pool."""
    w, h = img.size
    p = look.pal
    ty = round(0.5 * h)
    wood = mix(p.floor[0], p.key, 0.12)
    top = vgrad(w, h - ty, [(0, mix(wood, p.figure, 0.55)), (h - ty, mix(wood, p.figure, 0.1))])
    img.paste(top, (0, ty))
    edge, grain = Pen(img.size, ss), Pen(img.size, ss)
    edge.rect((0, ty - 0.004 * h, w, ty + 0.004 * h))
    paint(img, edge.mask(), mix(wood, p.key, 0.5), 0.6)
    for k in range(1, 12):
        y = ty + (h - ty) * (k / 12) ** 1.6
        grain.line([(0, y), (w * 0.3, y + 0.004 * h), (w * 0.7, y - 0.003 * h), (w, y)],
                   max(0.6, h / 900))
    paint(img, grain.mask(), p.figure, 0.22)
    cx, cy, s = w / 2 + side * 0.05 * w, 0.64 * h, 0.27 * h
    glow(img, (cx, cy), 0.42 * w, 0.26 * h, p.key, 0.6, 1.5)
    shadow, body, detail = Pen(img.size, ss), Pen(img.size, ss), Pen(img.size, ss)
    light = mix((236, 228, 210), p.key, 0.2)
    if obj == "paper":
        sheet = [(-1.15 * s, -0.62 * s), (1.15 * s, -0.62 * s), (1.15 * s, 0.62 * s),
                 (-1.15 * s, 0.62 * s)]
        shadow.poly(_rotated(cx + 0.04 * s, cy + 0.06 * s, sheet, -7 * side))
        body.poly(_rotated(cx, cy, sheet, -7 * side))
        for k in range(7):
            y = -0.42 * s + k * 0.13 * s
            length = 1.7 * s if k < 6 else 0.9 * s
            x0, x1, y1 = -0.95 * s, -0.95 * s + length, y + 0.022 * s
            detail.poly(_rotated(cx, cy, [(x0, y), (x1, y), (x1, y1), (x0, y1)], -7 * side))
        fill, mark = light, mix(p.figure, light, 0.45)
    elif obj == "cup":
        shadow.ellipse((cx + 0.1 * s, cy + 0.5 * s), 0.9 * s, 0.22 * s)
        body.ellipse((cx, cy + 0.45 * s), 0.85 * s, 0.2 * s)
        body.poly([(cx - 0.5 * s, cy - 0.55 * s), (cx + 0.5 * s, cy - 0.55 * s),
                   (cx + 0.4 * s, cy + 0.4 * s), (cx - 0.4 * s, cy + 0.4 * s)])
        body.ellipse((cx, cy + 0.4 * s), 0.4 * s, 0.08 * s)
        body.line([(cx + 0.46 * s, cy - 0.35 * s), (cx + 0.78 * s, cy - 0.3 * s),
                   (cx + 0.72 * s, cy + 0.05 * s), (cx + 0.44 * s, cy + 0.12 * s)], 0.1 * s)
        detail.ellipse((cx, cy - 0.55 * s), 0.5 * s, 0.1 * s)
        for k in (-1, 1):
            detail.line([(cx + k * 0.15 * s + 0.06 * s * math.sin(i), cy - 0.7 * s - i * 0.12 * s)
                         for i in range(8)], 0.03 * s)
        fill, mark = light, mix((60, 36, 24), p.figure, 0.4)
    elif obj == "phone":
        phone = [(-0.5 * s, -0.95 * s), (0.5 * s, -0.95 * s), (0.5 * s, 0.95 * s),
                 (-0.5 * s, 0.95 * s)]
        shadow.poly(_rotated(cx + 0.05 * s, cy + 0.06 * s, phone, 12 * side))
        body.poly(_rotated(cx, cy, phone, 12 * side))
        detail.poly(_rotated(cx, cy, [(x * 0.86, y * 0.88) for x, y in phone], 12 * side))
        glow(img, (cx, cy), 0.8 * s, 1.2 * s, (120, 170, 255), 0.5)
        fill, mark = mix(p.figure, (40, 40, 48), 0.5), mix((150, 196, 255), p.key, 0.15)
    elif obj == "clock":
        shadow.ellipse((cx + 0.06 * s, cy + 0.08 * s), 0.95 * s, 0.95 * s)
        body.ellipse((cx, cy), 0.95 * s, 0.95 * s)
        detail.ellipse((cx, cy), 0.82 * s, 0.82 * s)
        fill, mark = mix((200, 170, 110), p.key, 0.3), light
    else:  # a desk lamp
        bx, by = cx + side * 0.5 * s, cy + 0.55 * s
        body.ellipse((bx, by), 0.6 * s, 0.14 * s)
        body.line([(bx, by), (bx - side * 0.2 * s, by - 1.3 * s),
                   (bx - side * 0.9 * s, by - 1.75 * s)], 0.1 * s)
        mouth = bx - side * 1.35 * s, by - 1.25 * s
        lip_a = (mouth[0] - side * 0.25 * s, mouth[1])
        lip_b = (mouth[0] + side * 0.4 * s, mouth[1] - 0.35 * s)
        body.poly([(bx - side * 0.75 * s, by - 2.0 * s), (bx - side * 1.05 * s, by - 1.9 * s),
                   lip_a, lip_b])
        detail.poly([lip_a, lip_b, (mouth[0] + side * 0.5 * s, cy + 0.75 * s),
                     (mouth[0] - side * 1.1 * s, cy + 0.75 * s)])
        paint(img, detail.mask(0.03 * h), p.key, 0.16)
        detail = Pen(img.size, ss)
        glow(img, mouth, 0.35 * s, 0.3 * s, (255, 236, 200), 0.9, 1.0)
        fill, mark = p.figure, p.key
    paint(img, shadow.mask(0.02 * h), p.figure, 0.6)
    paint(img, body.mask(), fill)
    paint(img, detail.mask(), mark)
    if obj == "clock":
        hands = Pen(img.size, ss)
        hands.line([(cx, cy), (cx + 0.45 * s, cy - 0.3 * s)], 0.06 * s)
        hands.line([(cx, cy), (cx - 0.1 * s, cy - 0.65 * s)], 0.04 * s)
        for k in range(12):
            a = k * math.pi / 6
            tick = (cx + 0.7 * s * math.cos(a), cy + 0.7 * s * math.sin(a))
            hands.ellipse(tick, 0.03 * s, 0.03 * s)
        paint(img, hands.mask(), p.figure)
