"""A still becomes a clip with a smooth virtual camera move (the offline video provider,
film.offline.providers, renders with it).

ffmpeg's `zoompan` rounds its crop window to whole pixels, so slow moves judder. Here the move
is a `perspective` filter in source sense: per frame, the four corners of a (zoomed, shifted,
slightly rotated) window in the still are mapped onto the output frame with 1/256-pixel
precision. The still is scaled and converted once, then looped in memory (`loop` filter), so a
5 s 720p clip renders in about 3 s on two cores. A storyboard still names its header and
caption bars in a PNG text chunk (HOLD_KEY); those bars stay still and only the picture moves,
so a push-in never crops the caption.

    argv = camera_move_args(still, out, move="push-in", duration=5, width=1280, height=720)
    await run_ffmpeg(argv)
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from film.errors import InputError
from film.media.ffmpeg import FPS, media_path, video_encode_args
from film.media.normalise import keyframe_args
from film.schema import CAMERA_MOVEMENTS, Shot

MOVES: tuple[str, ...] = CAMERA_MOVEMENTS
#: PNG text key where a still lists the bars a move holds still: {"top": f, "bottom": f}
HOLD_KEY = "film:hold"

#: moves per shot type; the shot number picks one, so neighbouring shots of a type differ
_MOVES_BY_TYPE: dict[str, tuple[str, ...]] = {
    "extreme-wide": ("pull-out", "pan-right", "pan-left"),
    "establishing": ("pull-out", "pan-right", "crane", "pan-left"),
    "wide": ("pan-right", "pull-out", "pan-left"),
    "aerial": ("crane", "pull-out", "pan-left"),
    "full": ("push-in", "pan-left", "pan-right"),
    "medium-wide": ("push-in", "pan-right", "static"),
    "medium": ("push-in", "pan-left", "push-in", "static"),
    "medium-close-up": ("push-in", "static", "handheld"),
    "close-up": ("push-in", "static"),
    "extreme-close-up": ("push-in", "static"),
    "insert": ("static", "push-in"),
    "reaction": ("push-in", "handheld"),
    "two-shot": ("push-in", "pan-right", "static"),
    "over-the-shoulder": ("push-in", "static", "pan-left"),
    "pov": ("handheld", "push-in"),
    "tracking": ("tracking", "pan-right", "pan-left"),
}


def choose_move(shot: Shot) -> str:
    """The shot's camera_movement if set, else a move that suits its type.

    The choice is deterministic and rotates with `shot_number`, so consecutive shots of the
    same type get different moves.
    """
    if shot.camera_movement:
        return shot.camera_movement
    options = _MOVES_BY_TYPE.get(shot.shot_type, ("push-in", "static"))
    return options[(shot.shot_number - 1) % len(options)]


@dataclass(frozen=True)
class _Path:
    """A move as start/end values: zoom (>= 1), centre offset (fraction of the frame)."""

    zoom: tuple[float, float] = (1.0, 1.0)
    dx: tuple[float, float] = (0.0, 0.0)
    dy: tuple[float, float] = (0.0, 0.0)
    shake: float = 0.0  # handheld amplitude, fraction of the frame


def _margin(zoom: float) -> float:
    """How far the centre of a window at `zoom` may move before it leaves the still."""
    return (1 - 1 / zoom) / 2


_PAN_ZOOM = 1.12
_PAN = _margin(_PAN_ZOOM) * 0.9
_PATHS: dict[str, _Path] = {
    "push-in": _Path(zoom=(1.0, 1.13)),
    "pull-out": _Path(zoom=(1.13, 1.0)),
    "pan-right": _Path(zoom=(_PAN_ZOOM,) * 2, dx=(-_PAN, _PAN)),
    "pan-left": _Path(zoom=(_PAN_ZOOM,) * 2, dx=(_PAN, -_PAN)),
    "tilt-up": _Path(zoom=(_PAN_ZOOM,) * 2, dy=(_PAN, -_PAN)),
    "tilt-down": _Path(zoom=(_PAN_ZOOM,) * 2, dy=(-_PAN, _PAN)),
    "tracking": _Path(zoom=(1.10, 1.14), dx=(-0.035, 0.035)),
    "crane": _Path(zoom=(1.15, 1.05), dy=(0.055, -0.015)),
    "static": _Path(zoom=(1.02, 1.035), dx=(-0.002, 0.002)),
    "handheld": _Path(zoom=(1.07, 1.075), shake=0.009),
}


def _num(value: float) -> str:
    return f"{value:.6g}"


def _lerp(pair: tuple[float, float], e: str) -> str:
    a, b = pair
    if a == b:
        return _num(a)
    return f"({_num(a)}+{_num(b - a)}*{e})"


def _shake(seed: int, amp: float, fps: int, salt: int) -> str:
    """A sum of two slow sines with seed-dependent phases: a deterministic hand wobble."""
    h = zlib.crc32(f"{seed}:{salt}".encode())
    p1, p2 = (h & 0xFFFF) / 0xFFFF * 2 * math.pi, (h >> 16) / 0xFFFF * 2 * math.pi
    f1, f2 = 0.45 + (h % 7) * 0.05, 1.3 + (h % 5) * 0.1
    w1, w2 = 2 * math.pi * f1 / fps, 2 * math.pi * f2 / fps
    return (f"({_num(amp * 0.75)}*sin({_num(w1)}*on+{_num(p1)})"
            f"+{_num(amp * 0.25)}*sin({_num(w2)}*on+{_num(p2)}))")


def _corner_exprs(move: str, frames: int, fps: int, seed: int) -> dict[str, str]:
    """Perspective corner expressions (source sense) for `move` over `frames` frames."""
    path = _PATHS[move]
    last = max(frames - 1, 1)
    # `on` counts output frames from 1 in perspective's per-frame mode. Mostly linear, a
    # little ease at both ends so cuts do not start or stop with a jolt.
    p = f"clip((on-1)/{last},0,1)"
    e = f"(0.6*{p}+0.4*{p}*{p}*(3-2*{p}))"
    zoom = _lerp(path.zoom, e)
    cx, cy = f"(0.5+{_lerp(path.dx, e)})", f"(0.5+{_lerp(path.dy, e)})"
    rot = "0"
    if path.shake:
        cx = f"({cx}+{_shake(seed, path.shake, fps, 1)})"
        cy = f"({cy}+{_shake(seed, path.shake * 0.8, fps, 2)})"
        rot = _shake(seed, 0.0035, fps, 3)  # radians of roll
    exprs: dict[str, str] = {}
    for i, (sx, sy) in enumerate(((-1, -1), (1, -1), (-1, 1), (1, 1))):
        hx, hy = f"({sx}*W/2/{zoom})", f"({sy}*H/2/{zoom})"
        if rot == "0":
            exprs[f"x{i}"], exprs[f"y{i}"] = f"W*{cx}+{hx}", f"H*{cy}+{hy}"
        else:
            exprs[f"x{i}"] = f"W*{cx}+{hx}*cos({rot})-{hy}*sin({rot})"
            exprs[f"y{i}"] = f"H*{cy}+{hx}*sin({rot})+{hy}*cos({rot})"
    return exprs


def even(value: int) -> int:
    """`value` rounded down to an even number (at least 2): what yuv420p needs."""
    return max(2, int(value) - int(value) % 2)


def frame_count(duration: float, fps: int) -> int:
    """Frames in a clip of `duration` seconds: round(duration * fps), at least 1."""
    return max(1, round(duration * fps))


def held_bars(image: Path) -> tuple[float, float]:
    """The still's header and caption bars (fractions of its height) that a move must hold
    still, as the storyboard renderer records them in a PNG text chunk; (0, 0) if none."""
    try:
        with Image.open(image) as im:
            data = json.loads(im.text.get(HOLD_KEY, "{}"))  # type: ignore[attr-defined]
        top, bottom = float(data.get("top", 0)), float(data.get("bottom", 0))
    except (OSError, ValueError, AttributeError, TypeError):
        return 0.0, 0.0
    if not (0 <= top < 0.3 and 0 <= bottom < 0.4):
        return 0.0, 0.0
    return top, bottom


def camera_move_args(image: Path, out: Path, *, move: str, duration: float, width: int,
                     height: int, fps: int = FPS, seed: int = 0, hold_top: float = 0.0,
                     hold_bottom: float = 0.0, keyframes: tuple[int, ...] = ()) -> list[str]:
    """ffmpeg args (after the binary) that turn the still `image` into an MP4 with `move`.

    The clip has exactly round(duration * fps) frames at `fps`, is width x height (rounded
    down to even), silent, with the index up front (+faststart), and is film-ready: encoded
    with the film's shared settings, `keyframes` made key frames, so the normalise stage
    keeps it as it is. `hold_top` and `hold_bottom` (fractions of the height) are bars kept
    still while the picture between moves.
    """
    if move not in _PATHS:
        raise InputError(f"unknown camera move {move!r}", hint=f"Known: {', '.join(MOVES)}.")
    if duration <= 0 or fps <= 0:
        raise InputError(f"a clip needs a positive duration and fps, not {duration} s, {fps} fps")
    w, h, frames = even(width), even(height), frame_count(duration, fps)
    top, bottom = (2 * round(f * h / 2) for f in (hold_top, hold_bottom))
    if h - top - bottom < h // 2:
        top = bottom = 0
    corners = ":".join(f"{k}='{v}'" for k, v in _corner_exprs(move, frames, fps, seed).items())
    still = (f"scale={w}:{h}:force_original_aspect_ratio=increase:flags=lanczos,crop={w}:{h},"
             "setsar=1,format=yuv420p")
    loop = f"loop=loop=-1:size=1,setpts=N/{fps}/TB"
    moving = f"{loop},perspective={corners}:interpolation=linear:sense=source:eval=frame"
    if top or bottom:
        graph = (f"[0:v]{still},split=2[bars][pic];[pic]crop={w}:{h - top - bottom}:0:{top},"
                 f"{moving}[moving];[bars]{loop}[held];"
                 f"[held][moving]overlay=0:{top}:format=yuv420[v]")
        video = ["-filter_complex", graph, "-map", "[v]"]
    else:
        video = ["-filter:v", f"{still},{moving}"]
    return ["-i", media_path(image), *video, "-frames:v", str(frames), "-an",
            *video_encode_args(fps), *keyframe_args(k for k in keyframes if k < frames),
            "-movflags", "+faststart", "-f", "mp4", media_path(out)]


__all__ = ["HOLD_KEY", "MOVES", "camera_move_args", "choose_move", "held_bars"]
