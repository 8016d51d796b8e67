"""Read an MP4's first video track from its index (the `moov` box), without decoding: codec
configuration, time scale, frame durations, key frames.

The compose copies a clip's frames as they are only when this says the clip is exactly what
film's own encoder writes (see film.media.normalise); reading the index of a 5 s clip takes
well under a millisecond, so no ffprobe (imageio-ffmpeg ships none) and no decode is needed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

#: boxes that hold other boxes on the way to the sample table
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}


@dataclass(frozen=True)
class VideoTrack:
    """What the index of an MP4's first video track says."""

    codec: str  # the sample entry's four-character code ("avc1")
    #: the codec configuration record (avcC for H.264): SPS and PPS, bytes as stored
    config: bytes
    width: int
    height: int
    timescale: int
    #: each frame's duration in `timescale` ticks, in decode order
    durations: tuple[int, ...]
    #: frame numbers (from 0, decode order) that are key frames; every frame when None
    keyframes: tuple[int, ...] | None
    #: whether decode order differs from presentation order (a `ctts` box: B-frames)
    reordered: bool
    #: the edit list's (media time, duration) entries; () when there is none
    edits: tuple[tuple[int, int], ...]

    @property
    def frames(self) -> int:
        return len(self.durations)

    def key_frames(self) -> tuple[int, ...]:
        """Key frame numbers, every frame when the track lists none (all intra)."""
        return self.keyframes if self.keyframes is not None else tuple(range(self.frames))


class Mp4Error(ValueError):
    """The file is not an MP4 this reader understands."""


def _boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[tuple[bytes, int,
                                                                                   int]]:
    """(type, payload start, payload end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, i)
        header = 8
        if size == 1:
            if i + 16 > end:
                raise Mp4Error("truncated box header")
            size = struct.unpack_from(">Q", data, i + 8)[0]
            header = 16
        elif size == 0:
            size = end - i
        if size < header or i + size > end:
            raise Mp4Error(f"bad size for box {kind!r}")
        yield kind, i + header, i + size
        i += size


def _find(data: bytes, start: int, end: int, kind: bytes) -> tuple[int, int] | None:
    for k, a, b in _boxes(data, start, end):
        if k == kind:
            return a, b
    return None


def _read_moov(path: Path) -> bytes:
    """The moov box's bytes, read without loading the media data."""
    with path.open("rb") as fh:
        while True:
            header = fh.read(8)
            if len(header) < 8:
                raise Mp4Error("no moov box")
            size, kind = struct.unpack(">I4s", header)
            skip = size - 8
            if size == 1:
                size = struct.unpack(">Q", fh.read(8))[0]
                skip = size - 16
            elif size == 0:
                if kind == b"moov":
                    return header + fh.read()
                raise Mp4Error("no moov box")
            if size < 8:
                raise Mp4Error("bad box size")
            if kind == b"moov":
                body = fh.read(skip)
                if len(body) < skip:
                    raise Mp4Error("truncated moov box")
                return header + body
            fh.seek(skip, 1)


def _full(data: bytes, a: int) -> int:
    """Skip a full box's version and flags."""
    return a + 4


def _stts(data: bytes, a: int) -> tuple[int, ...]:
    a = _full(data, a)
    (count,) = struct.unpack_from(">I", data, a)
    out: list[int] = []
    for n in range(count):
        frames, delta = struct.unpack_from(">II", data, a + 4 + 8 * n)
        out.extend([delta] * frames)
    return tuple(out)


def _stss(data: bytes, a: int) -> tuple[int, ...]:
    a = _full(data, a)
    (count,) = struct.unpack_from(">I", data, a)
    return tuple(v - 1 for v in struct.unpack_from(f">{count}I", data, a + 4))


def _elst(data: bytes, a: int, b: int) -> tuple[tuple[int, int], ...]:
    version = data[a]
    a = _full(data, a)
    (count,) = struct.unpack_from(">I", data, a)
    entries = []
    for n in range(count):
        if version == 1:
            duration, media_time = struct.unpack_from(">Qq", data, a + 4 + 20 * n)
        else:
            duration, media_time = struct.unpack_from(">Ii", data, a + 4 + 12 * n)
        entries.append((media_time, duration))
    return tuple(entries)


def _sample_entry(data: bytes, a: int, b: int) -> tuple[str, bytes, int, int]:
    """Codec, configuration record, width and height from an stsd box."""
    a = _full(data, a) + 4  # entry count
    for kind, ea, eb in _boxes(data, a, b):
        width, height = struct.unpack_from(">HH", data, ea + 24)
        config = b""
        for sub, sa, sb in _boxes(data, ea + 78, eb):
            if sub in (b"avcC", b"hvcC"):
                config = data[sa:sb]
        return kind.decode("latin-1"), config, width, height
    raise Mp4Error("no sample entry")


def _track(data: bytes, a: int, b: int) -> VideoTrack | None:
    mdia = _find(data, a, b, b"mdia")
    if mdia is None:
        return None
    hdlr = _find(data, *mdia, b"hdlr")
    if hdlr is None or data[hdlr[0] + 8: hdlr[0] + 12] != b"vide":
        return None
    mdhd = _find(data, *mdia, b"mdhd")
    stbl = None
    minf = _find(data, *mdia, b"minf")
    if minf is not None:
        stbl = _find(data, *minf, b"stbl")
    if mdhd is None or stbl is None:
        raise Mp4Error("video track without a sample table")
    version = data[mdhd[0]]
    timescale = struct.unpack_from(">I", data, mdhd[0] + (20 if version == 1 else 12))[0]
    parts = {kind: (sa, sb) for kind, sa, sb in _boxes(data, *stbl)}
    if b"stsd" not in parts or b"stts" not in parts:
        raise Mp4Error("sample table without stsd or stts")
    codec, config, width, height = _sample_entry(data, *parts[b"stsd"])
    edts = _find(data, a, b, b"edts")
    elst = _find(data, *edts, b"elst") if edts else None
    return VideoTrack(
        codec=codec, config=config, width=width, height=height, timescale=timescale,
        durations=_stts(data, parts[b"stts"][0]),
        keyframes=_stss(data, parts[b"stss"][0]) if b"stss" in parts else None,
        reordered=b"ctts" in parts, edits=_elst(data, *elst) if elst else (),
    )


def track_count(path: str | Path) -> int:
    """How many tracks (video, audio, subtitles, ...) the MP4 at `path` holds."""
    moov = _read_moov(Path(path))
    try:
        return sum(1 for kind, _a, _b in _boxes(moov, 8) if kind == b"trak")
    except struct.error as exc:
        raise Mp4Error(f"truncated box: {exc}") from exc


def video_track(path: str | Path) -> VideoTrack:
    """The first video track of the MP4 at `path`; Mp4Error if there is none or the file is
    not an MP4 (OSError if it cannot be read)."""
    moov = _read_moov(Path(path))
    try:
        for kind, a, b in _boxes(moov, 8):
            if kind == b"trak":
                track = _track(moov, a, b)
                if track is not None:
                    return track
    except struct.error as exc:
        raise Mp4Error(f"truncated box: {exc}") from exc
    raise Mp4Error("no video track")
