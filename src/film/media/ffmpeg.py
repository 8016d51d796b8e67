"""Find the ffmpeg binary, run argv lists with stderr captured, and probe media files.

Builders elsewhere return argv lists (pure functions, tested as lists); `run_ffmpeg` runs
them. imageio-ffmpeg ships no ffprobe, so `probe` parses `ffmpeg -i` output.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from film.errors import ConfigError, MediaError

#: the film's frame rate: every clip, segment and timeline uses it (defined only here)
FPS = 24
#: frames between two regular key frames (forced ones come on top): 2 s
KEYINT = 2 * FPS
# Shared encoder settings: every clip and segment film encodes uses exactly these, so their
# frames can be joined by stream copy (same SPS/PPS). No B-frames: decode order is display
# order, so a run of frames copied from a clip may end on any frame (it must start on a key
# frame), and every packet's timestamp is its frame number.
VIDEO_CODEC_ARGS = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                    "-pix_fmt", "yuv420p", "-profile:v", "high", "-bf", "0",
                    "-g", str(KEYINT)]
#: MP4 time-scale ticks per frame in every file film encodes (-video_track_timescale)
TICKS_PER_FRAME = 512
AUDIO_RATE = 44100


def video_encode_args(fps: int = FPS) -> list[str]:
    """The shared encoder settings plus the frame rate and the MP4 time scale: what every
    video film writes is encoded with (so `film.media.normalise.film_ready` accepts it)."""
    return [*VIDEO_CODEC_ARGS, "-r", str(fps), "-video_track_timescale",
            str(fps * TICKS_PER_FRAME)]


def media_path(path: str | Path) -> str:
    """A path as ffmpeg must be given it: absolute, so a name that begins with '-' is never
    read as an option and one with ':' never as a protocol."""
    return str(Path(path).absolute())


@lru_cache(maxsize=1)
def ffmpeg_binary() -> str:
    """FFMPEG_BINARY (environment or .env), else the imageio-ffmpeg binary, else `ffmpeg` on
    PATH."""
    from film.config import get_settings

    explicit = get_settings().ffmpeg_binary
    if explicit:
        if not Path(explicit).exists() and not shutil.which(explicit):
            raise ConfigError(f"FFMPEG_BINARY points to {explicit}, which does not exist")
        return explicit
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        pass
    found = shutil.which("ffmpeg")
    if found:
        return found
    raise ConfigError(
        "no ffmpeg binary found",
        hint="pip install imageio-ffmpeg, or set FFMPEG_BINARY, or install ffmpeg.",
    )


@lru_cache(maxsize=1)
def encoder_id() -> str:
    """Which ffmpeg build encodes: its file name (imageio-ffmpeg's names its version) and size.
    Part of the key of everything kept because of what film's encoder writes (the reference
    codec configuration, segments, normalised clips), so pieces of an upgraded ffmpeg (another
    x264) are never joined with the old one's."""
    binary = ffmpeg_binary()
    path = Path(binary) if Path(binary).exists() else Path(shutil.which(binary) or binary)
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    return f"{path.name}:{size}"


def _argv(args: list[str], loglevel: str = "error") -> list[str]:
    return [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats", "-y", "-loglevel",
            loglevel, *args]


def run_ffmpeg_sync(args: list[str], *, what: str = "ffmpeg") -> None:
    """Run ffmpeg with `args` (everything after the binary); raise MediaError on failure."""
    argv = _argv(args)
    proc = subprocess.run(argv, capture_output=True, text=True, errors="replace")
    if proc.returncode != 0:
        raise MediaError(f"{what} failed (exit {proc.returncode})", argv=argv, stderr=proc.stderr)


async def run_ffmpeg(args: list[str], *, what: str = "ffmpeg", loglevel: str = "error") -> str:
    """Async twin of `run_ffmpeg_sync`: the event loop stays free while ffmpeg works.

    Returns ffmpeg's stderr (at `loglevel`, e.g. "info" for a filter's measurements)."""
    argv = _argv(args, loglevel)
    proc = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, stderr = await proc.communicate()
    except BaseException:  # cancelled or interrupted: ffmpeg never outlives its caller
        if proc.returncode is None:
            proc.kill()
            with contextlib.suppress(BaseException):
                await proc.wait()
        raise
    text = stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise MediaError(f"{what} failed (exit {proc.returncode})", argv=argv, stderr=text)
    return text


@dataclass
class StreamInfo:
    kind: str  # "video" | "audio" | "subtitle" | "data"
    codec: str
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    sample_rate: int | None = None
    pix_fmt: str | None = None


@dataclass
class MediaInfo:
    """What `ffmpeg -i` says about a file."""

    duration: float | None
    streams: list[StreamInfo] = field(default_factory=list)

    @property
    def video(self) -> list[StreamInfo]:
        return [s for s in self.streams if s.kind == "video"]

    @property
    def audio(self) -> list[StreamInfo]:
        return [s for s in self.streams if s.kind == "audio"]


_DURATION = re.compile(r"Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)")
_STREAM = re.compile(r"Stream #\d+:\d+(?:\[\w+\])?(?:\(\w+\))?: (Video|Audio|Subtitle|Data): (.*)")
_SIZE = re.compile(r"\b(\d{2,5})x(\d{2,5})\b")
_FPS = re.compile(r"([\d.]+) (?:fps|tbr)")
_RATE = re.compile(r"(\d+) Hz")


def parse_probe(text: str) -> MediaInfo:
    """Parse the stderr of `ffmpeg -i FILE` into MediaInfo (pure, tested on samples)."""
    duration = None
    match = _DURATION.search(text)
    if match:
        h, m, s = match.groups()
        duration = int(h) * 3600 + int(m) * 60 + float(s)
    streams = []
    for kind, rest in _STREAM.findall(text):
        codec = rest.split(",")[0].split()[0] if rest else ""
        info = StreamInfo(kind=kind.lower(), codec=codec)
        if kind == "Video":
            size = _SIZE.search(rest)
            if size:
                info.width, info.height = int(size.group(1)), int(size.group(2))
            fps = _FPS.search(rest)
            if fps:
                info.fps = float(fps.group(1))
            pix = re.search(r"\b(yuv\w+|rgb\w+|rgba|gray\w*|pal8)\b", rest)
            info.pix_fmt = pix.group(1) if pix else None
        elif kind == "Audio":
            rate = _RATE.search(rest)
            info.sample_rate = int(rate.group(1)) if rate else None
        streams.append(info)
    return MediaInfo(duration=duration, streams=streams)


def probe(path: str | Path) -> MediaInfo:
    """Probe a media file with `ffmpeg -i`; MediaError if ffmpeg cannot read it."""
    path = Path(path)
    if not path.exists():
        raise MediaError(f"no such media file: {path}")
    proc = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", media_path(path)],
        capture_output=True, text=True, errors="replace",
    )
    info = parse_probe(proc.stderr)
    if not info.streams:
        raise MediaError(f"ffmpeg cannot read {path}", stderr=proc.stderr)
    return info


def measure_duration(path: str | Path) -> float:
    """Exact duration by decoding (slower than `probe`, exact to the frame)."""
    proc = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-i", media_path(path), "-f", "null",
         "-"],
        capture_output=True, text=True, errors="replace",
    )
    times = re.findall(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)", proc.stderr)
    if proc.returncode != 0 or not times:
        raise MediaError(f"cannot decode {path}", stderr=proc.stderr)
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)
