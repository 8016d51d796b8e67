"""Clips in the film's own format, made once: the film's size, frame rate, time base, pixel
format and encoder settings, with key frames where the compose will cut them.

A clip in that format ("film-ready") is one the compose can copy frames from without decoding
them: its codec configuration (SPS/PPS) is byte for byte what film's encoder writes at this
size and frame rate, every frame lasts `TICKS_PER_FRAME` ticks of a `fps * TICKS_PER_FRAME`
time scale, and there are no B-frames. `film_ready` checks that from the MP4's index; a clip
that passes is kept as it is (copied), any other is encoded once with the shared settings.

    ready = await film_ready(clip, width=1280, height=720, fps=24)
    meta = await normalise_clip(clip, out, width=1280, height=720, fps=24, keyframes=(12, 108))
"""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from film.fsutil import atomic_write_bytes, file_digest
from film.media.ffmpeg import (
    FPS,
    TICKS_PER_FRAME,
    VIDEO_CODEC_ARGS,
    encoder_id,
    media_path,
    run_ffmpeg,
    video_encode_args,
)
from film.media.mp4 import Mp4Error, VideoTrack, track_count, video_track

#: part of every normalised clip's input hash: bump when what normalising writes changes
NORMALISE_VERSION = 1

_references: dict[tuple[int, int, int], bytes] = {}


def fit_chain(width: int, height: int) -> str:
    """Filters fitting any picture inside width x height (letterboxed, centred), square
    pixels, yuv420p."""
    return (f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p")


def keyframe_args(keyframes: Iterable[int]) -> list[str]:
    """`-force_key_frames` for these frame numbers (none: no option)."""
    frames = sorted({int(k) for k in keyframes if int(k) > 0})
    if not frames:
        return []
    return ["-force_key_frames", "expr:" + "+".join(f"eq(n,{k})" for k in frames)]


def build_normalise_args(src: Path, out: Path, *, width: int, height: int, fps: int = FPS,
                         keyframes: Iterable[int] = ()) -> list[str]:
    """argv (after the binary) encoding `src` once in the film's format, video only."""
    return ["-i", media_path(src), "-map", "0:v:0", "-vf",
            f"setpts=PTS-STARTPTS,fps={fps},{fit_chain(width, height)}",
            "-an", "-sn", "-dn", *video_encode_args(fps), *keyframe_args(keyframes),
            "-movflags", "+faststart", "-f", "mp4", media_path(out)]


def _reference_key(width: int, height: int, fps: int) -> str:
    return hashlib.sha256(repr((width, height, fps, VIDEO_CODEC_ARGS, TICKS_PER_FRAME,
                                encoder_id())).encode()).hexdigest()[:16]


async def reference_config(width: int, height: int, fps: int = FPS,
                           cache_dir: Path | None = None) -> bytes:
    """The codec configuration film's encoder writes at this size and frame rate (one black
    frame encoded once per process, and kept in `cache_dir` when given)."""
    key = (width, height, fps)
    if key in _references:
        return _references[key]
    cached = (cache_dir / f"reference-{_reference_key(*key)}.avcc") if cache_dir else None
    if cached is not None and cached.is_file():
        _references[key] = cached.read_bytes()
        return _references[key]
    with tempfile.TemporaryDirectory(prefix="film-ref-") as tmp:
        out = Path(tmp) / "ref.mp4"
        await run_ffmpeg(["-f", "lavfi", "-i", f"color=c=black:s={width}x{height}:r={fps}",
                          "-frames:v", "1", *video_encode_args(fps), "-f", "mp4",
                          media_path(out)], what="probe the encoder's settings")
        config = video_track(out).config
    if cached is not None:
        atomic_write_bytes(cached, config, sync=False)
    _references[key] = config
    return config


def ready_track(track: VideoTrack, reference: bytes, fps: int) -> bool:
    """Whether `track` is in the film's format (see the module docstring)."""
    return (track.codec == "avc1" and track.config == reference and not track.reordered
            and track.frames > 0 and track.timescale == fps * TICKS_PER_FRAME
            and all(d == TICKS_PER_FRAME for d in track.durations)
            and all(media_time == 0 for media_time, _ in track.edits))


async def film_ready(path: Path, *, width: int, height: int, fps: int = FPS,
                     cache_dir: Path | None = None) -> VideoTrack | None:
    """The clip's index when it is film-ready (its frames can be copied into the film), else
    None."""
    try:
        track = video_track(path)
    except (Mp4Error, OSError):
        return None
    reference = await reference_config(width, height, fps, cache_dir)
    return track if ready_track(track, reference, fps) else None


async def normalise_clip(src: Path, out: Path, *, width: int, height: int, fps: int = FPS,
                         keyframes: Iterable[int] = (), cache_dir: Path | None = None,
                         ) -> dict[str, Any]:
    """Write `src` in the film's format to `out`: copied when it is film-ready with these key
    frames already, else encoded once. Returns what was done (for the manifest)."""
    wanted = sorted({int(k) for k in keyframes if int(k) > 0})
    track = await film_ready(src, width=width, height=height, fps=fps, cache_dir=cache_dir)
    if (track is not None and set(wanted) <= set(track.key_frames())
            and track_count(src) == 1):  # another track would be joined in as video
        await asyncio.to_thread(shutil.copyfile, src, out)
        encoded = False
    else:
        await run_ffmpeg(build_normalise_args(src, out, width=width, height=height, fps=fps,
                                              keyframes=wanted), what=f"normalise {src.name}")
        track = video_track(out)
        encoded = True
    return {"source": file_digest(src), "encoded": encoded, "frames": track.frames,
            "keyframes": list(track.key_frames()), "size": [width, height], "fps": fps}
