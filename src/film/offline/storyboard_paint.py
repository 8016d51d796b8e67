"""Painting for the storyboard renderer: primitives, skies and rooms, silhouettes, objects.

Everything draws in frame pixels onto a Pillow RGB image. Shapes go through `Pen`, which draws
a mask `ss` times larger and reduces it, so edges are antialiased at any frame size.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFilter

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class Palette:
    sky: tuple[RGB, RGB, RGB]  # top, middle, horizon
    ground: tuple[RGB, RGB]  # at the horizon, at the bottom
    wall: tuple[RGB, RGB]
    floor: tuple[RGB, RGB]
    key: RGB  # the practical light / the sun
    window: RGB  # the light outside a window
    figure: RGB
    rim: RGB


@dataclass(frozen=True)
class Look:
    """Everything the painter needs to know about the shot, decided once."""

    time: str
    pal: Palette
    vignette: float
    interior: bool
    kind: str  # exterior: city/sea/forest/mountains/desert/field; interior: office/bar
    urban: bool
    rain: bool
    fog: bool
    blinds: bool
    mono: bool
    hats: bool


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


# ---- primitives -------------------------------------------------------------------


@lru_cache(maxsize=1)
def _radial() -> Image.Image:
    return Image.radial_gradient("L")  # 256x256: 0 in the centre, 181 mid-edge, 255 in corners


class Pen:
    """Antialiased shapes in frame coordinates: drawn `ss` times larger, reduced on `mask()`."""

    def __init__(self, size: tuple[int, int], ss: int) -> None:
        self.ss = ss
        self._im = Image.new("L", (size[0] * ss, size[1] * ss), 0)
        self.draw = ImageDraw.Draw(self._im)

    def ellipse(self, c: tuple[float, float], rx: float, ry: float, fill: int = 255) -> None:
        s, rx, ry = self.ss, abs(rx), abs(ry)
        self.draw.ellipse([(c[0] - rx) * s, (c[1] - ry) * s, (c[0] + rx) * s, (c[1] + ry) * s],
                          fill=fill)

    def poly(self, pts: list[tuple[float, float]], fill: int = 255) -> None:
        self.draw.polygon([(x * self.ss, y * self.ss) for x, y in pts], fill=fill)

    def rect(self, box: tuple[float, float, float, float], fill: int = 255, r: float = 0) -> None:
        x0, y0, x1, y1 = (v * self.ss for v in box)
        self.draw.rounded_rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)],
                                    radius=r * self.ss, fill=fill)

    def line(self, pts: list[tuple[float, float]], width: float, fill: int = 255) -> None:
        self.draw.line([(x * self.ss, y * self.ss) for x, y in pts], fill=fill,
                       width=max(1, round(width * self.ss)), joint="curve")

    def mask(self, blur: float = 0.0) -> Image.Image:
        m = self._im.reduce(self.ss) if self.ss > 1 else self._im
        return m.filter(ImageFilter.GaussianBlur(blur)) if blur > 0.3 else m


def paint(img: Image.Image, mask: Image.Image, color: RGB, opacity: float = 1.0) -> None:
    """Fill `color` through `mask` (scaled by `opacity`) onto `img`, in place."""
    box = mask.getbbox()
    if box is None:
        return
    mask = mask.crop(box)
    if opacity < 1:
        mask = mask.point(lambda v: round(v * opacity))
    img.paste(color, box, mask)


def vgrad(w: int, h: int, stops: list[tuple[float, RGB]]) -> Image.Image:
    """A vertical gradient through (y, colour) stops (y in pixels, increasing)."""
    col = []
    for y in range(h):
        j = next((i for i, (sy, _) in enumerate(stops) if sy >= y), len(stops) - 1)
        (y0, c0), (y1, c1) = stops[max(j - 1, 0)], stops[j]
        col.append(mix(c0, c1, 0 if y1 <= y0 else min(max((y - y0) / (y1 - y0), 0), 1)))
    im = Image.new("RGB", (1, h))
    im.putdata(col)
    return im.resize((w, h), Image.NEAREST)


def glow(img: Image.Image, c: tuple[float, float], rx: float, ry: float, color: RGB,
         strength: float = 1.0, falloff: float = 2.0) -> None:
    """Screen a soft elliptical light onto `img`, in place."""
    w, h = int(2 * rx) + 1, int(2 * ry) + 1
    if w < 3 or h < 3:
        return
    lut = [round(255 * strength * max(0.0, 1 - v / 181) ** falloff) for v in range(256)]
    mask = _radial().resize((w, h), Image.BILINEAR).point(lut)
    layer = Image.new("RGB", (w, h))
    layer.paste(color, (0, 0, w, h), mask)
    x0, y0 = round(c[0] - rx), round(c[1] - ry)
    img.paste(ImageChops.screen(img.crop((x0, y0, x0 + w, y0 + h)), layer), (x0, y0))


def vignette(img: Image.Image, strength: float, inner: float = 0.45,
             outer: float = 1.0) -> Image.Image:
    """Darken towards the edges: nothing inside `inner`, `strength` from `outer` on (radii as
    fractions of the centre-to-corner distance; the frame's sides are at about 0.71)."""
    m = _radial().resize(img.size, Image.BILINEAR)

    def curve(v: int) -> int:
        t = min(max((v / 255 - inner) / (outer - inner), 0), 1)
        return round(255 * (1 - strength * t * t * (3 - 2 * t)))

    m = m.point(curve)
    return ImageChops.multiply(img, Image.merge("RGB", (m, m, m)))


def add_grain(img: Image.Image, rng: random.Random, amount: int) -> Image.Image:
    w, h = max(1, img.width // 2), max(1, img.height // 2)
    n = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(img.size, Image.BILINEAR)
    n = n.point(lambda v: v * 2 * amount // 255)
    return ImageChops.add(img, Image.merge("RGB", (n, n, n)), 1.0, -amount)


def rain(img: Image.Image, rng: random.Random, ss: int, color: RGB, amount: float = 1.0) -> None:
    """Slanted rain streaks over the whole of `img`, in place."""
    w, h = img.size
    pen = Pen(img.size, ss)
    for _ in range(int(w * h / 2600 * amount)):
        x, y = rng.uniform(-0.05, 1) * w, rng.uniform(-0.1, 1) * h
        length = rng.uniform(0.03, 0.08) * h
        pen.line([(x, y), (x + length * 0.16, y + length)], max(0.5, h / 900), rng.randint(50, 170))
    paint(img, pen.mask(), color, 0.65)


# ---- exteriors -----------------------------------------------------------------------------


def _ridge(img: Image.Image, hy: float, amp: float, color: RGB, rng: random.Random, ss: int,
           span: tuple[float, float] = (0.0, 1.0)) -> None:
    w = img.width
    ph = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    xs = [w * (span[0] + (span[1] - span[0]) * i / 64) for i in range(65)]
    pts = [(x, hy - amp * (0.55 + 0.25 * math.sin(x / w * 8.2 + ph[0])
                           + 0.15 * math.sin(x / w * 19.5 + ph[1])
                           + 0.05 * math.sin(x / w * 48 + ph[2]))) for x in xs]
    pen = Pen(img.size, ss)
    pen.poly([(xs[0], hy + 1), *pts, (xs[-1], hy + 1)])
    paint(img, pen.mask(), color)


def _skyline(img: Image.Image, hy: float, top: float, color: RGB, rng: random.Random, ss: int,
             lights: list[RGB] | None) -> list[tuple[float, float]]:
    """Buildings standing on the horizon; lit windows when `lights`; returns some lit spots."""
    w, h = img.size
    body, lit, spots = Pen(img.size, ss), Pen(img.size, ss), []
    x = -rng.uniform(0, 0.05) * w
    while x < w:
        bw, bh = rng.uniform(0.035, 0.09) * w, rng.uniform(0.3, 1.0) * top * h
        body.rect((x, hy - bh, x + bw, hy + 1))
        if rng.random() < 0.3:
            body.rect((x + bw * 0.3, hy - bh - 0.03 * top * h, x + bw * 0.65, hy - bh))
        if lights:
            step_x, step_y = max(2.0, 0.014 * w), max(2.0, 0.024 * h * top / 0.3)
            yy = hy - bh + step_y * 0.6
            while yy < hy - step_y:
                xx = x + step_x * 0.5
                while xx < x + bw - step_x * 0.6:
                    if rng.random() < 0.2:
                        lit.rect((xx, yy, xx + step_x * 0.45, yy + step_y * 0.45))
                        if rng.random() < 0.05:
                            spots.append((xx, yy))
                    xx += step_x
                yy += step_y
        x += bw + rng.uniform(0, 0.012) * w
    paint(img, body.mask(), color)
    if lights:
        paint(img, lit.mask(), lights[0], 0.85)
    return spots


def exterior(size: tuple[int, int], look: Look, hy: float, side: int, rng: random.Random,
             ss: int) -> Image.Image:
    """Sky, sun or moon and stars, a distant city / hills / sea / forest, ground to the bottom."""
    w, h = size
    p = look.pal
    g0, g1 = p.ground
    if look.kind == "city":
        g0, g1 = mix(g0, p.sky[1], 0.35), mix(g1, p.figure, 0.3)
    elif look.kind == "desert":
        g0, g1 = mix(g0, p.key, 0.3), mix(g1, p.key, 0.15)
    img = vgrad(w, h, [(0, p.sky[0]), (hy * 0.55, p.sky[1]), (hy, p.sky[2]), (hy + 1, g0), (h, g1)])
    bx, night = w * (0.5 - side * 0.28), look.time == "night"
    body = Pen(size, ss)
    if night:
        stars = Pen(size, ss)
        for _ in range(int(w * h / 4000)):
            r = rng.choice((0.5, 0.7, 0.9, 1.4)) * max(h / 720, 0.4)
            stars.ellipse((rng.uniform(0, w), rng.uniform(0, hy * 0.9)), r, r, rng.randint(70, 255))
        paint(img, stars.mask(), (230, 236, 255), 0.8)
        by = hy * 0.32
        glow(img, (bx, by), 0.3 * h, 0.3 * h, mix(p.sky[2], (200, 215, 255), 0.5), 0.45)
        body.ellipse((bx, by), 0.04 * h, 0.04 * h)
        disc = (236, 236, 224)
    elif look.time == "day":
        by = hy * 0.24
        glow(img, (bx, by), 0.6 * h, 0.6 * h, p.key, 0.6, 1.6)
        body.ellipse((bx, by), 0.04 * h, 0.04 * h)
        disc = (255, 252, 242)
    else:
        by = hy - 0.05 * h
        glow(img, (bx, by), 0.8 * w, 0.45 * h, p.key, 0.75, 1.5)
        body.ellipse((bx, by), 0.07 * h, 0.07 * h)
        body.rect((0, hy, w, h), fill=0)
        disc = mix(p.key, (255, 240, 200), 0.5)
    paint(img, body.mask(), disc)
    far, near = mix(p.sky[2], p.figure, 0.35), mix(p.sky[2], p.figure, 0.78)
    if look.kind == "city":
        lit = None if look.time == "day" else [mix(p.key, (255, 232, 190), 0.3)]
        _skyline(img, hy, 0.17, far, rng, ss, None)
        spots = _skyline(img, hy, 0.32, near, rng, ss, lit)
        road = Pen(size, ss)
        road.poly([(w * 0.47, hy + 1), (w * 0.53, hy + 1), (w * 1.4, h), (-w * 0.4, h)])
        paint(img, road.mask(), mix(g0, p.figure, 0.45), 0.5)
        dash = Pen(size, ss)
        for k in range(1, 9):
            t0, t1 = (k / 9) ** 2, ((k + 0.45) / 9) ** 2
            y0, y1 = hy + (h - hy) * t0, hy + (h - hy) * t1
            a, b = 0.003 * w * (1 + 12 * t0), 0.003 * w * (1 + 12 * t1)
            dash.poly([(w / 2 - a, y0), (w / 2 + a, y0), (w / 2 + b, y1), (w / 2 - b, y1)])
        paint(img, dash.mask(), mix(p.sky[2], (230, 230, 220), 0.4), 0.6)
        if look.rain and lit:
            for sx, _ in spots[:12]:
                glow(img, (sx, hy + 0.14 * h), 0.012 * w, 0.13 * h, lit[0], 0.35, 1.2)
    elif look.kind == "sea":
        img.paste(vgrad(w, h - round(hy), [(0, mix(p.sky[2], p.figure, 0.2)),
                                           (h - hy, mix(p.sky[0], p.figure, 0.5))]), (0, round(hy)))
        glow(img, (bx, hy + (h - hy) * 0.4), 0.05 * w, (h - hy) * 0.45, disc, 0.5, 1.3)
        shimmer = Pen(size, ss)
        for _ in range(60):
            y = rng.uniform(hy + 2, h)
            x = bx + rng.gauss(0, 0.04 * w * (1 + (y - hy) / h * 3))
            shimmer.line([(x - 0.012 * w, y), (x + 0.012 * w, y)], max(0.6, h / 700),
                         rng.randint(80, 220))
        paint(img, shimmer.mask(), disc, 0.5)
        _ridge(img, hy, 0.05 * h, far, rng, ss, span=(0.6, 1.2) if side < 0 else (-0.2, 0.4))
    elif look.kind == "forest":
        near_trees = mix(p.ground[1], p.figure, 0.6)
        for layer, (top, color) in enumerate(((0.12, far), (0.24, near_trees))):
            trees, x = Pen(size, ss), -0.02 * w
            while x < w * 1.02:
                th, base = rng.uniform(0.45, 1.0) * top * h, hy + 1 + layer * 0.012 * h
                trees.rect((x - th * 0.03, base - th * 0.25, x + th * 0.03, base))
                for k in range(3):  # three tiers of branches
                    tw, ty = th * (0.38 - 0.09 * k), base - th * (0.15 + 0.27 * k)
                    tip = (x, ty - th * (0.45 - 0.05 * k))
                    trees.poly([(x - tw / 2, ty), (x + tw / 2, ty), tip])
                x += th * rng.uniform(0.2, 0.45)
                if rng.random() < 0.2:  # a clearing
                    x += th * rng.uniform(0.3, 0.9)
            paint(img, trees.mask(), color)
    else:
        amps = {"mountains": (0.3, 0.14), "desert": (0.07, 0.04)}.get(look.kind, (0.08, 0.045))
        _ridge(img, hy, amps[0] * h, mix(p.sky[2], p.sky[1], 0.35), rng, ss)
        _ridge(img, hy, amps[1] * h, mix(g0, p.figure, 0.25), rng, ss)
    if look.fog:
        glow(img, (w / 2, hy), 0.9 * w, 0.14 * h, mix(p.sky[2], (210, 210, 216), 0.5), 0.6, 1.3)
    return img


# ---- interiors -----------------------------------------------------------------------------


def _window(img: Image.Image, box: tuple[float, float, float, float], look: Look, hy: float,
            side: int, rng: random.Random, ss: int) -> None:
    """A window on the back wall: what is outside, its frame, blinds and the light it throws."""
    w, h = img.size
    p = look.pal
    x0, y0, x1, y1 = (round(v) for v in box)
    ww, wh = max(x1 - x0, 2), max(y1 - y0, 2)
    view = vgrad(ww, wh, [(0, mix(p.window, p.sky[0], 0.55)), (wh, p.window)])
    if look.time != "day" and look.urban:
        for _ in range(26):
            c = rng.choice([p.key, p.key, (255, 80, 170), (80, 210, 255)])
            r = rng.uniform(0.02, 0.06) * wh
            glow(view, (rng.uniform(0, ww), rng.uniform(0.35, 1.0) * wh), r, r, c, 0.8, 1.2)
    if look.rain:
        rain(view, rng, ss, mix(p.window, (230, 235, 245), 0.6), 2.5)
    img.paste(view, (x0, y0))
    glow(img, ((x0 + x1) / 2, (y0 + y1) / 2), ww * 0.9, wh * 0.8, p.window, 0.3)
    dark = mix(p.wall[1], p.figure, 0.65)
    frame, t = Pen(img.size, ss), max(1.0, 0.04 * ww)
    for bx in (x0, x1):
        frame.rect((bx - t, y0 - t, bx + t, y1 + t))
    for by in (y0, y1):
        frame.rect((x0 - t, by - t, x1 + t, by + t))
    frame.rect(((x0 + x1) / 2 - t / 2, y0, (x0 + x1) / 2 + t / 2, y1))
    frame.rect((x0, y0 + wh * 0.42 - t / 2, x1, y0 + wh * 0.42 + t / 2))
    light = mix(p.window, (255, 255, 255), 0.35)
    if look.blinds:
        n = 11
        stripes = Pen(img.size, ss)
        for k in range(n):
            frame.rect((x0, y0 + wh * k / n, x1, y0 + wh * (k + 0.45) / n))
            sy = y0 + wh * (k + 0.5) / n
            sx = x1 + 0.03 * w if side < 0 else x0 - 0.03 * w
            far = sx + (0.32 * w if side < 0 else -0.32 * w)
            stripes.poly([(sx, sy), (far, sy + 0.16 * h), (far, sy + 0.16 * h + wh / n * 0.8),
                          (sx, sy + wh / n * 0.5)])
        paint(img, stripes.mask(0.004 * h), light, 0.22)
    if hy < h * 0.92:
        patch = Pen(img.size, ss)
        patch.poly([(x0, hy + 0.02 * h), (x1, hy + 0.02 * h), (x1 + 0.15 * w, h * 0.98),
                    (x0 - 0.05 * w, h * 0.98)])
        day = look.time == "day"
        paint(img, patch.mask(0.01 * h), p.key if day else light, 0.22 if day else 0.1)
    paint(img, frame.mask(), dark)


def _lamp(pen: Pen, x: float, y: float, s: float) -> tuple[float, float]:
    """A small desk lamp standing at (x, y), `s` tall; returns where its light comes from."""
    pen.ellipse((x, y), 0.35 * s, 0.08 * s)
    pen.line([(x, y), (x + 0.1 * s, y - 0.6 * s)], 0.07 * s)
    pen.poly([(x - 0.15 * s, y - 0.55 * s), (x + 0.3 * s, y - 0.55 * s), (x + 0.2 * s, y - s),
              (x - 0.05 * s, y - s)])
    return x + 0.07 * s, y - 0.55 * s


def interior(size: tuple[int, int], look: Look, hy: float, box: bool, side: int,
             rng: random.Random, ss: int) -> Image.Image:
    """A room: back wall with a window, floor, side walls and furniture when the shot is wide."""
    w, h = size
    p = look.pal
    img = vgrad(w, h, [(0, p.wall[0]), (hy, p.wall[1]), (hy + 1, p.floor[0]), (h, p.floor[1])])
    x0, x1, yt = 0.16 * w, 0.84 * w, 0.12 * h
    if box:
        vx, vy = w / 2, hy - 0.3 * (hy - yt)

        def at_x(px: float, py: float, x: float) -> float:
            return vy + (py - vy) * (x - vx) / (px - vx)

        shade = vgrad(w, h, [(0, mix(p.wall[0], p.figure, 0.3)),
                             (h, mix(p.wall[1], p.figure, 0.4))])
        for xe, xc, k in ((0.0, x0, 0.45), (float(w), x1, 0.25)):
            wall = Pen(size, ss)
            wall.poly([(xc, yt), (xc, hy), (xe, at_x(xc, hy, xe)), (xe, at_x(xc, yt, xe))])
            m = wall.mask()
            img.paste(shade, (0, 0), m)
            paint(img, m, p.figure, k)
        ceiling = Pen(size, ss)
        ceiling.poly([(x0, yt), (x1, yt), (w, at_x(x1, yt, w)), (w, 0), (0, 0),
                      (0, at_x(x0, yt, 0))])
        paint(img, ceiling.mask(), mix(p.wall[0], p.figure, 0.55))
        boards = Pen(size, ss)
        for i in range(13):
            bx = x0 + (x1 - x0) * i / 12
            boards.line([(bx, hy), (vx + (bx - vx) * (h - vy) / (hy - vy), h)], max(0.6, h / 600))
        paint(img, boards.mask(), mix(p.floor[0], p.window, 0.6), 0.2)
        wx, wy, ww, wh = w / 2 - side * 0.17 * w, yt + 0.14 * (hy - yt), 0.2 * w, 0.5 * (hy - yt)
    else:
        wx, wy, ww, wh = w / 2 - side * 0.26 * w, 0.1 * h, 0.3 * w, min(hy - 0.2 * h, 0.5 * h)
    base = Pen(size, ss)
    base.rect((x0 if box else 0, hy - 0.012 * h, x1 if box else w, hy + 0.002 * h))
    paint(img, base.mask(), p.figure, 0.35)
    _window(img, (wx - ww / 2, wy, wx + ww / 2, wy + wh), look, hy, side, rng, ss)
    practical = look.time != "day"
    wood = mix(p.figure, p.wall[1], 0.35)
    top = mix(wood, p.key, 0.35 if practical else 0.15)
    if box and look.kind == "bar":
        counter = Pen(size, ss)
        counter.rect((x0 + 0.03 * w, hy - 0.1 * h, x1 - 0.03 * w, hy + 0.03 * h))
        paint(img, counter.mask(), wood)
        edge = Pen(size, ss)
        edge.rect((x0 + 0.025 * w, hy - 0.108 * h, x1 - 0.025 * w, hy - 0.094 * h))
        paint(img, edge.mask(), top)
        for k in (-1, 0, 1):
            lx = w / 2 + k * 0.17 * w
            cord = Pen(size, ss)
            cord.line([(lx, 0), (lx, yt + 0.08 * h)], max(0.7, h / 700))
            cord.poly([(lx - 0.03 * w, yt + 0.12 * h), (lx + 0.03 * w, yt + 0.12 * h),
                       (lx + 0.01 * w, yt + 0.08 * h), (lx - 0.01 * w, yt + 0.08 * h)])
            paint(img, cord.mask(), p.figure)
            glow(img, (lx, yt + 0.13 * h), 0.14 * h, 0.14 * h, p.key, 0.8 if practical else 0.35)
    elif box:
        dx, fy = w / 2 - side * 0.07 * w, hy + (h - hy) * 0.22
        dw, dh, depth = 0.26 * w, 0.1 * h, 0.04 * h
        cx = w / 2 + side * 0.27 * w
        cab, drawers = Pen(size, ss), Pen(size, ss)
        cab.rect((cx - 0.035 * w, hy - 0.2 * h, cx + 0.035 * w, hy + 0.01 * h))
        for k in range(3):
            y = hy - 0.2 * h + (k + 0.5) * 0.07 * h
            drawers.rect((cx - 0.012 * w, y, cx + 0.012 * w, y + 0.006 * h))
        paint(img, cab.mask(), mix(wood, p.wall[1], 0.3))
        paint(img, drawers.mask(), top, 0.6)
        desk, surface = Pen(size, ss), Pen(size, ss)
        desk.rect((dx - dw / 2, fy - dh, dx + dw / 2, fy))
        surface.poly([(dx - dw / 2, fy - dh), (dx + dw / 2, fy - dh),
                      (dx + dw / 2 - 0.03 * w, fy - dh - depth),
                      (dx - dw / 2 + 0.03 * w, fy - dh - depth)])
        paint(img, desk.mask(), wood)
        paint(img, surface.mask(), top)
        knee = Pen(size, ss)
        knee.rect((dx - dw * 0.17, fy - dh * 0.72, dx + dw * 0.17, fy + 1))
        paint(img, knee.mask(), p.figure, 0.7)
        lamp = Pen(size, ss)
        lx, ly = _lamp(lamp, dx - side * dw * 0.3, fy - dh - depth * 0.45, 0.09 * h)
        paint(img, lamp.mask(), p.figure)
        if practical:
            glow(img, (lx, ly), 0.75 * h, 0.55 * h, p.key, 0.28, 1.8)
            glow(img, (lx, ly), 0.3 * h, 0.24 * h, p.key, 0.6, 1.6)
            glow(img, (lx, fy - dh - depth * 0.4), 0.11 * w, 0.03 * h, p.key, 0.8, 1.2)
            glow(img, (lx, ly), 0.03 * h, 0.02 * h, (255, 240, 210), 1.0, 1.0)
    elif practical:
        lx, ly = w / 2 + side * 0.38 * w, hy - 0.25 * h
        glow(img, (lx, ly), 0.3 * h, 0.3 * h, p.key, 0.55, 1.6)
        glow(img, (lx, ly), 0.05 * h, 0.05 * h, (255, 236, 200), 0.9, 0.8)
    if look.fog:
        glow(img, (w / 2, h * 0.4), 0.8 * w, 0.35 * h, mix(p.wall[0], (200, 200, 205), 0.5), 0.35)
    return img
