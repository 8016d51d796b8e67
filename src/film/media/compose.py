"""Compose a timeline into final.mp4 + subtitles.srt: copy what can be copied, encode the rest.

1. Video: the film is cut into pieces (film.media.segments). Each shot's body is copied from
   its clip as it is when the clip is film-ready (film.media.normalise: what the normalise
   stage hands over); crossfades, fades, held last frames, burned captions and the frames
   before a clip's first key frame are encoded, each from at most two inputs, opened at the
   key frame before the frames it needs. Encoded segments are cached under cache_dir by a
   hash of everything that determines them, at most `workers` at a time.
2. Audio: voices at their starts, music ducked under them, one gain to -16 LUFS
   (film.media.soundtrack), cached by the mix's hash with the mix's measurement.
3. One stream-copy pass joins the pieces (concat demuxer) and muxes the audio.

Memory does not grow with the shot count (no ffmpeg opens more than two clips), a recompose
after one clip changed encodes only the segments that clip appears in, and a compose after
only the music changed encodes no video at all. Builders are pure; `compose_film` runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from film.errors import InputError
from film.fsutil import atomic_output, atomic_write_text, canonical_hash, file_digest
from film.media.ffmpeg import FPS, VIDEO_CODEC_ARGS, encoder_id, run_ffmpeg
from film.media.mp4 import VideoTrack
from film.media.normalise import film_ready
from film.media.segments import (
    XFADE,
    Copy,
    Segment,
    build_mux_args,
    build_segment_args,
    concat_list_text,
    plan_pieces,
    subtitles_wrap_unicode,
)
from film.media.soundtrack import DUCKING, LOUDNESS, check_music, mix_soundtrack
from film.media.subtitles import Cue, render_ass, render_srt
from film.media.timeline import Timeline

#: part of every cached segment's and soundtrack's key: bump when what they hold changes
SEGMENT_VERSION = 2


@dataclass
class ComposeReport:
    """What a compose did: the film's length, pieces copied and encoded, cache use, time per
    step."""

    duration: float
    segments_total: int
    segments_reused: int
    segments_encoded: int
    audio_reused: bool
    seconds: float
    #: runs of frames copied from clips as they are, and their frames
    copies: int = 0
    frames_copied: int = 0
    #: frames in encoded segments (cached or not)
    frames_encoded: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def segment_cues(cues: list[Cue], segment: Segment, fps: int) -> list[Cue]:
    """The captions visible during `segment`, on the segment's own clock."""
    start, end = segment.film_start / fps, (segment.film_start + segment.frames) / fps
    local = []
    for cue in cues:
        a, b = max(cue.start, start), min(cue.end, end)
        if b - a > 1e-3:
            local.append(Cue(round(a - start, 3), round(b - start, 3), cue.text, cue.language))
    return local


def caption_frames(timeline: Timeline) -> dict[str, list[tuple[int, int]]]:
    """Per shot, the frames (shot-local, a frame's margin either side) a burned caption
    covers: they are encoded, never copied."""
    out: dict[str, list[tuple[int, int]]] = {}
    cues = timeline.cues
    for plan in timeline.shots:
        spans = []
        for cue in cues:
            a = math.floor(cue.start * timeline.fps) - 1 - plan.start_frame
            b = math.ceil(cue.end * timeline.fps) + 1 - plan.start_frame
            if b > 0 and a < plan.frames:
                spans.append((max(0, a), min(plan.frames, b)))
        out[plan.shot_id] = spans
    return out


def caption_fonts(cache_dir: Path, cues: list[Cue]) -> tuple[Path, str]:
    """A fonts dir holding the faces that draw `cues` (links to the font packages' files,
    copies where links cannot be made), and the family of the captions' style. libass loads
    every font of the dir for each segment, so the 19 MB CJK collection is there only when a
    caption needs it."""
    from film.media.fonts import faces_used

    faces: dict[str, Path] = {}
    for language in sorted({c.language or "" for c in cues}):
        for face in faces_used([c.text for c in cues if (c.language or "") == language],
                               language or None):
            faces[face.path.name] = face.path
    fonts = cache_dir / "fonts" / canonical_hash(sorted(str(p) for p in faces.values()))[:16]
    fonts.mkdir(parents=True, exist_ok=True)
    for name, source in faces.items():
        target = fonts / name
        if target.exists():
            continue
        try:
            target.symlink_to(source)
        except OSError:
            with atomic_output(target) as tmp:
                shutil.copyfile(source, tmp)
    from film.media.fonts import primary

    return fonts, primary(None).family


def _check_inputs(timeline: Timeline, fps: int, width: int, height: int) -> None:
    if fps != timeline.fps:
        raise InputError(f"compose at {fps} fps but the timeline was built at {timeline.fps}")
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise InputError(f"video size must be positive and even, got {width}x{height}")
    for plan in timeline.shots:
        for path in (plan.shot.clip, plan.shot.speech):
            if path is not None and not Path(path).is_file():
                raise InputError(f"shot {plan.shot_id}: missing file {path}")


async def ready_clips(timeline: Timeline, *, width: int, height: int, fps: int,
                      cache_dir: Path) -> dict[Path, VideoTrack | None]:
    """Each clip's index when it is film-ready (its frames are copied), else None."""
    clips = {plan.shot.clip for plan in timeline.shots}
    return {clip: await film_ready(clip, width=width, height=height, fps=fps,
                                   cache_dir=cache_dir) for clip in clips}


@dataclass
class _Captions:
    """Burned captions: the cues, the fonts dir, the style's family."""

    cues: list[Cue]
    fonts: Path
    family: str

    @property
    def font_id(self) -> list[object]:
        return [self.fonts.name, subtitles_wrap_unicode()]


def _segment_job(seg: Segment, *, digests: dict[Path, str], width: int, height: int, fps: int,
                 seg_dir: Path, work: Path, captions: _Captions | None) -> _Job:
    """The cached file and the encode of one segment."""
    ass = None
    local = segment_cues(captions.cues, seg, fps) if captions is not None else []
    if captions is not None and local:  # a segment no caption reaches burns none
        ass = render_ass(local, width=width, height=height, font=captions.family, runs=True)
    key = canonical_hash({
        "v": SEGMENT_VERSION, "kind": seg.kind, "frames": seg.frames,
        "takes": [(digests[t.clip], t.first, t.end, t.seek is not None) for t in seg.takes],
        "fade": (seg.fade_in, seg.fade_out), "xfade": XFADE, "size": (width, height),
        "fps": fps, "codec": VIDEO_CODEC_ARGS, "encoder": encoder_id(), "ass": ass,
        "font": captions.font_id if ass and captions else None,
    })
    path = seg_dir / f"{seg.kind}-{key}.mp4"
    subs = None
    if ass is not None:
        subs = work / f"{key}.ass"
        atomic_write_text(subs, ass)
    return _Job(f"encode {seg.kind} {seg.label}", path, functools.partial(
        build_segment_args, seg, width=width, height=height, fps=fps, subtitles=subs,
        fonts_dir=captions.fonts if captions else None))


def _audio_job(timeline: Timeline, cache_dir: Path, music: Path | None,
               music_volume: float) -> _Job:
    """The cached soundtrack and the job that mixes it (its measurement kept beside it)."""
    voices = [(p.shot.speech, p.speech_start or 0.0) for p in timeline.shots
              if p.shot.speech is not None and p.shot.speech_duration > 0]
    key = canonical_hash({
        "v": SEGMENT_VERSION, "voices": [(file_digest(v), s) for v, s in voices],
        "music": file_digest(music) if music else None, "volume": music_volume,
        "duration": timeline.duration, "loudness": LOUDNESS, "ducking": DUCKING,
    })
    audio = cache_dir / "audio" / f"audio-{key}.m4a"
    return _Job("mix audio", audio, run=functools.partial(
        mix_soundtrack, voices, duration=timeline.duration, music=music,
        music_volume=music_volume, measurement=cache_dir / "audio" / f"mix-{key}.json"))


async def compose_film(
    timeline: Timeline, *, out: Path, srt_out: Path, width: int, height: int, fps: int = FPS,
    music: Path | None = None, music_volume: float = 0.25, burn_subtitles: bool = False,
    cache_dir: Path, workers: int = 2,
) -> ComposeReport:
    """Render `timeline` to `out` (H.264 + AAC, faststart) and write `srt_out`."""
    began = time.perf_counter()
    _check_inputs(timeline, fps, width, height)
    if music is not None:
        check_music(Path(music))
    cache_dir = Path(cache_dir).resolve()
    seg_dir, work = cache_dir / "segments", cache_dir / "work"
    for folder in (seg_dir, work):
        folder.mkdir(parents=True, exist_ok=True)
    cues = timeline.cues
    atomic_write_text(srt_out, render_srt(cues))
    captions = _Captions(cues, *caption_fonts(cache_dir, cues)) if burn_subtitles else None
    ready = await ready_clips(timeline, width=width, height=height, fps=fps,
                              cache_dir=cache_dir)
    pieces = plan_pieces(timeline, ready, caption_frames(timeline) if captions else None)
    digests = {plan.shot.clip: file_digest(plan.shot.clip) for plan in timeline.shots}

    jobs: list[_Job] = []
    entries: list[Path | Copy] = []
    for piece in pieces:
        if isinstance(piece, Copy):
            entries.append(piece)
            continue
        job = _segment_job(piece, digests=digests, width=width, height=height, fps=fps,
                           seg_dir=seg_dir, work=work, captions=captions)
        entries.append(job.path)
        if not job.path.exists() and all(j.path != job.path for j in jobs):
            jobs.append(job)
    segments = [e for e in entries if isinstance(e, Path)]
    encoded = len(jobs)
    audio_job = _audio_job(timeline, cache_dir, music, music_volume)
    audio_reused = audio_job.path.exists()
    if not audio_reused:  # first in the queue: the longest single job
        jobs.insert(0, audio_job)
    timings = {"plan": time.perf_counter() - began}

    step = time.perf_counter()
    spent = await _run_all(jobs, workers=max(1, workers))
    timings["encode"] = time.perf_counter() - step
    if not audio_reused:
        timings["audio"] = spent.get("mix audio", 0.0)

    step = time.perf_counter()
    lengths = {clip: track.frames for clip, track in ready.items() if track is not None}
    concat = work / f"concat-{canonical_hash([str(e) for e in entries])}.txt"
    atomic_write_text(concat, concat_list_text(entries, fps, lengths))
    with atomic_output(out) as tmp:
        await run_ffmpeg(build_mux_args(concat, audio_job.path, tmp),
                         what="join the pieces and the audio")
    timings["mux"] = time.perf_counter() - step
    _prune(cache_dir, keep={*segments, audio_job.path})

    copies = [p for p in pieces if isinstance(p, Copy)]
    return ComposeReport(
        duration=timeline.duration, segments_total=len(segments),
        segments_reused=len(segments) - encoded, segments_encoded=encoded,
        audio_reused=audio_reused, seconds=time.perf_counter() - began, copies=len(copies),
        frames_copied=sum(c.frames for c in copies),
        frames_encoded=sum(p.frames for p in pieces if isinstance(p, Segment)),
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def _prune(cache_dir: Path, keep: set[Path]) -> None:
    """Drop segments and soundtracks the film no longer uses, so the cache stays the film's
    size (temp files of a concurrent writer are hidden and left alone; the mixes' loudness
    measurements, a few bytes each, are kept)."""
    for folder in ("segments", "audio", "work"):
        for path in (cache_dir / folder).glob("[!.]*"):
            if path.is_file() and path not in keep and path.suffix != ".json":
                with contextlib.suppress(OSError):
                    path.unlink()


@dataclass(frozen=True)
class _Job:
    what: str
    path: Path
    argv_for: Callable[..., list[str]] | None = None  # called with out=<temp path>
    run: Callable[..., Awaitable[None]] | None = None  # or this, awaited with out=<temp path>


async def _run_all(jobs: list[_Job], *, workers: int) -> dict[str, float]:
    """Run ffmpeg jobs, at most `workers` at once; each writes a temp file renamed on success.

    Returns seconds per job. The first failure cancels the rest (their ffmpeg processes are
    killed) and is raised.
    """
    gate = asyncio.Semaphore(workers)
    spent: dict[str, float] = {}

    async def one(job: _Job) -> None:
        async with gate:
            began = time.perf_counter()
            with atomic_output(job.path) as tmp:
                if job.run is not None:
                    await job.run(out=tmp)
                else:
                    assert job.argv_for is not None
                    await run_ffmpeg(job.argv_for(out=tmp), what=job.what)
            spent[job.what] = time.perf_counter() - began

    tasks = [asyncio.ensure_future(one(job)) for job in jobs]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(BaseException):
            await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return spent
