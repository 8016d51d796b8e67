"""Storyboard overlays: the thirds grid, camera-move arrows, name labels, title and caption.

Text is drawn in any script with the Noto fonts of `film.media.fonts`, a run of one font at a
time (`storyboard_text`); sizes follow the frame (`u`, about its height for 16:9).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFilter

from film.offline.storyboard_figures import Fig
from film.offline.storyboard_paint import RGB, Pen, paint
from film.offline.storyboard_text import Font, clean_text, draw, fit, length
from film.offline.storyboard_text import wrap as _wrap
from film.providers.contract import ImageRequest

__all__ = ["bars", "clean_text", "excerpt", "font", "overlays", "wrap"]

ACCENT: RGB = (255, 206, 84)
_BOILERPLATE = re.compile(
    r"\b(\d+k|uhd|hdr|cinematic|photorealistic|hyper-?realistic|ultra[- ]detailed|highly "
    r"detailed|masterpiece|best quality|high quality|professional colou?r grading|film grain|"
    r"sharp focus|octane render|unreal engine|trending on \w+)\b", re.I)
_SHOT_WORDS = re.compile(r"^((extreme|medium|full|establishing|wide|close-?up|insert|pov|aerial|"
                         r"tracking|two-shot|over-the-shoulder|reaction)\s*)+(shot)?$", re.I)


def excerpt(prompt: str) -> str:
    """The prompt without render boilerplate (8K, photorealistic, ...) or shot-type words."""
    parts = [re.sub(r"\s+", " ", _BOILERPLATE.sub("", part)).strip(" .")
             for part in re.split(r"[,;]", prompt)]
    kept = [p for p in parts if p and not _SHOT_WORDS.match(p)]
    if kept:  # "Insert shot: a letter ..." -> "a letter ..."
        head, sep, rest = kept[0].partition(":")
        if sep and rest.strip() and _SHOT_WORDS.match(head.strip()):
            kept[0] = rest.strip()
    text = clean_text(", ".join(kept) or prompt)
    return text[:1].upper() + text[1:]


@lru_cache(maxsize=64)
def font(px: int, language: str | None = None) -> Font:
    """The caption font at `px` pixels, for text in `language` (CJK glyph shapes)."""
    return Font(px, language)


def _px(f: Font) -> int:
    return f.size


def _fit(d: ImageDraw.ImageDraw, text: str, f: Font, width: float) -> str:
    return fit(d, text, f, width)


def wrap(d: ImageDraw.ImageDraw, text: str, f: Font, width: float, lines: int) -> list[str]:
    """Wrap `text` into at most `lines` lines; the last one ends in … when text is cut."""
    return _wrap(d, text, f, width, lines)


def _arrows(img: Image.Image, move: str, top: float, bottom: float, u: float, ss: int) -> None:
    """Storyboard arrows for the camera move inside the picture area (top..bottom)."""
    w, _ = img.size
    pen, lw, head = Pen(img.size, ss), max(1.2, 0.0065 * u), max(5.0, 0.026 * u)
    cx, cy, hx, hy = w / 2, (top + bottom) / 2, w / 2, (bottom - top) / 2

    def arrow(pts: list[tuple[float, float]], tip: bool = True) -> None:
        pen.line(pts, lw)
        if tip:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            n = math.hypot(x1 - x0, y1 - y0) or 1
            ux, uy = (x1 - x0) / n, (y1 - y0) / n
            bx, by = x1 - ux * head * 0.4, y1 - uy * head * 0.4
            px, py = -uy * head * 0.5, ux * head * 0.5
            pen.poly([(x1 + ux * head * 0.6, y1 + uy * head * 0.6), (bx + px, by + py),
                      (bx - px, by - py)])

    if move in ("push-in", "pull-out"):
        for sx in (-1, 1):
            for sy in (-1, 1):
                a = (cx + sx * hx * 0.88, cy + sy * hy * 0.78)
                b = (cx + sx * hx * 0.74, cy + sy * hy * 0.52)
                arrow([a, b] if move == "push-in" else [b, a])
    elif move in ("pan-left", "pan-right", "tracking"):
        sgn = -1 if move == "pan-left" else 1
        for k in range(2 if move == "tracking" else 1):
            y = top + 0.1 * (bottom - top) + k * 0.035 * u
            arrow([(cx - sgn * 0.14 * w, y), (cx + sgn * 0.14 * w, y)])
    elif move in ("tilt-up", "tilt-down"):
        sgn = -1 if move == "tilt-up" else 1
        arrow([(w * 0.94, cy - sgn * hy * 0.35), (w * 0.94, cy + sgn * hy * 0.35)])
    elif move == "crane":
        arrow([(w * (0.9 - 0.05 * math.sin(t / 20 * math.pi)), cy + hy * (0.45 - t / 10 * 0.9))
               for t in range(11)])
    elif move == "handheld":
        arrow([(cx - 0.1 * w + k * 0.02 * w, top + 0.1 * (bottom - top) + (k % 2) * 0.02 * u)
               for k in range(11)], tip=False)
    else:  # static: four corner marks of a locked-off frame
        for sx in (-1, 1):
            for sy in (-1, 1):
                x, y = cx + sx * hx * 0.86, cy + sy * hy * 0.76
                arrow([(x - sx * 0.05 * w, y), (x, y), (x, y - sy * 0.05 * w)], tip=False)
    mask = pen.mask()
    shadow = Image.new("L", img.size, 0)
    shadow.paste(mask, (round(lw * 0.6), round(lw * 0.6)))
    paint(img, shadow.filter(ImageFilter.GaussianBlur(lw)), (0, 0, 0), 0.5)
    paint(img, mask, ACCENT, 0.92)


def _label(d: ImageDraw.ImageDraw, text: str, x: float, bottom: float, f: Font, u: float,
           width: int) -> None:
    pad, dot = 0.009 * u, 0.008 * u
    bw = length(d, text, f) + 2 * pad + 2 * dot + pad * 0.6
    bh = _px(f) * 1.25 + pad * 0.6
    x0 = min(max(x - bw / 2, 0.01 * width), width - 0.01 * width - bw)
    d.rounded_rectangle((x0, bottom - bh, x0 + bw, bottom), radius=bh / 2, fill=(10, 10, 14, 175))
    d.ellipse((x0 + pad, bottom - bh / 2 - dot, x0 + pad + 2 * dot, bottom - bh / 2 + dot),
              fill=(*ACCENT, 255))
    draw(d, (x0 + pad * 1.6 + 2 * dot, bottom - bh / 2), text, f, (240, 240, 240, 255), "lm")


def _even(v: float) -> int:
    return int(round(v / 2) * 2)


def bars(width: int, height: int) -> tuple[int, int]:
    """Heights of the header bar (title, shot id) and the caption band of a frame, both even.

    The picture between them is what a camera move animates; the bars stay still.
    """
    u = math.sqrt(width * height) * 0.75
    pad, head, body, lines, gap = _sizes(height, u)
    return (_even(2 * max(3, round(0.014 * u)) + max(9, round(0.026 * u)) * 1.1),
            _even(2 * pad + head + gap + lines * (body + gap)))


def _sizes(h: int, u: float) -> tuple[int, int, int, int, int]:
    """Caption padding, header and body font sizes, body line count, line gap."""
    pad, head, body = max(3, round(0.018 * u)), max(9, round(0.03 * u)), max(8, round(0.024 * u))
    return pad, head, body, 1 if h < 300 else 2, max(2, round(0.008 * u))


def overlays(img: Image.Image, request: ImageRequest, figs: list[Fig],
             fg: Fig | None, move: str, ss: int) -> None:
    """Thirds grid, move arrows and name labels on the picture; header bar (title, shot id)
    and caption band (shot, move, cast, setting, prompt) around it. In place."""
    shot, (w, h) = request.shot, img.size
    u = math.sqrt(w * h) * 0.75
    top_h, band_h = bars(w, h)
    pad, head_px, body_px, lines, gap = _sizes(h, u)
    band_top = h - band_h
    d = ImageDraw.Draw(img, "RGBA")
    lw = max(1, round(u / 720))
    for k in (1, 2):
        x, y = w * k / 3, top_h + (band_top - top_h) * k / 3
        d.line([(x, top_h), (x, band_top)], fill=(255, 255, 255, 24), width=lw)
        d.line([(0, y), (w, y)], fill=(255, 255, 255, 24), width=lw)
    _arrows(img, move, top_h + 0.03 * h, band_top, u, ss)
    d = ImageDraw.Draw(img, "RGBA")
    lang = request.language
    lf = font(max(8, round(0.021 * u)), lang)
    lh = _px(lf) * 1.5
    for i, f in enumerate([*figs, *([fg] if fg else [])]):
        if not f.name:
            continue
        if f.h < 0.9 * h and f is not fg:
            y = f.top - 0.012 * u - (i % 2) * lh
            if y - lh < top_h:
                y = f.top + f.h + 0.05 * u
        else:
            y = band_top - 0.02 * u
        _label(d, clean_text(f.name).upper(), f.cx, min(max(y, top_h + lh), band_top - 0.01 * u),
               lf, u, w)
    # header bar
    tf, bf = font(max(9, round(0.026 * u)), lang), font(body_px, lang)
    d.rectangle((0, 0, w, top_h), fill=(6, 7, 10, 238))
    d.line([(0, top_h), (w, top_h)], fill=(255, 255, 255, 40), width=lw)
    x = max(3, round(0.018 * u))
    if request.title:
        tick = max(2, 0.005 * u)
        d.rectangle((x, top_h * 0.28, x + tick, top_h * 0.72), fill=(*ACCENT, 230))
        tx = x + tick + max(3, 0.008 * u)
        draw(d, (tx, top_h / 2), _fit(d, clean_text(request.title).upper(), tf, w * 0.6),
             tf, (245, 245, 245, 240), "lm")
    draw(d, (w - x, top_h / 2), f"{shot.shot_id} · {shot.duration:g}s", bf,
         (200, 200, 200, 220), "rm")
    # caption band
    d.rectangle((0, band_top, w, h), fill=(6, 7, 10, 238))
    d.line([(0, band_top), (w, band_top)], fill=(*ACCENT, 160), width=lw)
    number = f"{request.index + 1}/{request.total}" if request.total > 1 else str(shot.shot_number)
    header = f"SHOT {number} · {shot.shot_type.upper()} · {move}"
    hf = font(head_px, lang)
    draw(d, (pad, band_top + pad), header, hf, (255, 255, 255, 255))
    used = length(d, header, hf) + 3 * pad
    cast_names = ", ".join(clean_text(c).upper() for c in shot.characters)
    setting = " · ".join(clean_text(x) for x in [*shot.landscapes[:3], shot.time_of_day or ""] if x)
    meta = " · ".join(x for x in (cast_names, setting) if x)
    if meta and w - used - pad > 0.12 * w:
        draw(d, (w - pad, band_top + pad + head_px * 0.1), _fit(d, meta, bf, w - used - pad),
             bf, (*ACCENT, 235), "ra")
    y = band_top + pad + head_px + gap
    for line in wrap(d, excerpt(shot.enhanced_prompt), bf, w - 2 * pad, lines):
        draw(d, (pad, y), line, bf, (208, 208, 208, 255))
        y += body_px + gap
