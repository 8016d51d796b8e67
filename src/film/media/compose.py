"""Compose a timeline into final.mp4 + subtitles.srt, segment by segment.

1. Video segments: a "body" per shot (its clip normalised, trimmed to the frames no
   transition covers, the last frame held when the shot outlasts its clip) and, for
   crossfades, a "transition" per boundary (xfade of shot i's tail and shot i+1's head).
   Each is encoded alone from at most two inputs with identical settings, cached under
   cache_dir by a hash of everything that determines it, at most `workers` at a time.
2. Audio: voices delayed to their starts and mixed, music looped, ducked and faded, then
   two-pass loudnorm to -16 LUFS (pass 1 measures the mix, pass 2 applies one linear gain,
   so short or sparse soundtracks land on target too), cached the same way.
3. One stream-copy pass joins the segments (concat demuxer) and muxes the audio.

Memory does not grow with the shot count (no ffmpeg ever opens more than two clips), and a
recompose after one clip changed re-encodes only the segments that clip appears in.
Builders return argv lists (pure); `compose_film` runs them.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import shutil
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from film.errors import InputError
from film.fsutil import atomic_output, atomic_write_text, canonical_hash, file_digest
from film.media.ffmpeg import FPS, VIDEO_CODEC_ARGS, media_path, run_ffmpeg
from film.media.soundtrack import DUCKING, LOUDNORM, LOUDNORM_PASSES, check_music, mix_soundtrack
from film.media.subtitles import Cue, render_ass, render_srt
from film.media.timeline import Timeline

SEGMENT_VERSION = 1
XFADE = "fade"


@dataclass(frozen=True)
class Take:
    """Frames [first, end) of one clip at the film's fps; frames past its end repeat the last."""

    clip: Path
    first: int
    end: int


@dataclass(frozen=True)
class Segment:
    """One separately encoded piece of the film's video."""

    kind: str  # "body" | "transition"
    label: str
    takes: tuple[Take, ...]
    film_start: int  # frame on the film's clock
    frames: int
    fade_in: int = 0
    fade_out: int = 0


@dataclass
class ComposeReport:
    """What a compose did: the film's length, segment cache use, and time per step."""

    duration: float
    segments_total: int
    segments_reused: int
    segments_encoded: int
    audio_reused: bool
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)


def plan_segments(timeline: Timeline) -> list[Segment]:
    """Split the timeline into body and transition segments that tile the film exactly."""
    segments: list[Segment] = []
    plans = timeline.shots
    for i, plan in enumerate(plans):
        first, end = plan.body_frames
        if end > first:
            segments.append(Segment(
                kind="body", label=plan.shot_id, takes=(Take(plan.shot.clip, first, end),),
                film_start=plan.start_frame + first, frames=end - first,
                fade_in=plan.fade_in_frames, fade_out=plan.fade_out_frames,
            ))
        t = plan.transition_out_frames
        if t > 0 and i + 1 < len(plans):
            nxt = plans[i + 1]
            segments.append(Segment(
                kind="transition", label=f"{plan.shot_id}+{nxt.shot_id}",
                takes=(Take(plan.shot.clip, plan.frames - t, plan.frames),
                       Take(nxt.shot.clip, 0, t)),
                film_start=plan.start_frame + plan.frames - t, frames=t,
            ))
    return segments


def escape_filter_value(value: str) -> str:
    """Escape a filter option value (e.g. a path) for a -filter_complex graph: both levels."""
    level1 = "".join("\\" + c if c in "\\:'" else c for c in value)
    return "".join("\\" + c if c in "\\'[],;" else c for c in level1)


def normalise_chain(take: Take, *, width: int, height: int, fps: int) -> str:
    """Filters turning one take into width x height, fps, yuv420p frames with clean PTS."""
    return (
        f"fps={fps},tpad=stop_mode=clone:stop={take.end},"
        f"trim=start_frame={take.first}:end_frame={take.end},setpts=N/FRAME_RATE/TB,"
        f"scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p"
    )


def _subtitle_filter(subs: Path, fonts_dir: Path | None) -> str:
    text = f"subtitles=filename={escape_filter_value(str(subs))}"
    if fonts_dir is not None:
        text += f":fontsdir={escape_filter_value(str(fonts_dir))}"
        if subtitles_wrap_unicode():
            text += ":wrap_unicode=1"
    return text


def build_segment_args(
    segment: Segment, *, width: int, height: int, fps: int, out: Path,
    subtitles: Path | None = None, fonts_dir: Path | None = None,
) -> list[str]:
    """argv (after the binary) encoding one segment, video only, with the shared settings."""
    args: list[str] = []
    for take in segment.takes:
        args += ["-i", media_path(take.clip)]
    chains = [normalise_chain(t, width=width, height=height, fps=fps) for t in segment.takes]
    if segment.kind == "transition":
        duration = segment.frames / fps
        graph = (f"[0:v]{chains[0]}[a];[1:v]{chains[1]}[b];"
                 f"[a][b]xfade=transition={XFADE}:duration={duration:.6f}:offset=0")
    else:
        graph = f"[0:v]{chains[0]}"
        if segment.fade_in:
            graph += f",fade=t=in:start_frame=0:nb_frames={segment.fade_in}"
        if segment.fade_out:
            start = segment.frames - segment.fade_out
            graph += f",fade=t=out:start_frame={start}:nb_frames={segment.fade_out}"
    if subtitles is not None:
        graph += "," + _subtitle_filter(subtitles, fonts_dir)
    graph += "[v]"
    return [
        *args, "-filter_complex", graph, "-map", "[v]", "-an", "-frames:v", str(segment.frames),
        *VIDEO_CODEC_ARGS, "-r", str(fps), "-video_track_timescale", str(fps * 512),
        "-f", "mp4", media_path(out),
    ]


def concat_list_text(paths: list[Path]) -> str:
    """The concat demuxer's list file for `paths` (absolute, quotes escaped)."""
    lines = []
    for path in paths:
        quoted = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
    return "\n".join(lines) + "\n"


def build_mux_args(concat_list: Path, audio: Path, out: Path) -> list[str]:
    """argv joining the segments by stream copy and muxing the soundtrack, faststart."""
    return [
        "-f", "concat", "-safe", "0", "-i", media_path(concat_list), "-i", media_path(audio),
        "-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-movflags", "+faststart",
        "-f", "mp4", media_path(out),
    ]


def segment_cues(cues: list[Cue], segment: Segment, fps: int) -> list[Cue]:
    """The captions visible during `segment`, on the segment's own clock."""
    start, end = segment.film_start / fps, (segment.film_start + segment.frames) / fps
    local = []
    for cue in cues:
        a, b = max(cue.start, start), min(cue.end, end)
        if b - a > 1e-3:
            local.append(Cue(round(a - start, 3), round(b - start, 3), cue.text, cue.language))
    return local


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


@functools.lru_cache(maxsize=1)
def subtitles_wrap_unicode() -> bool:
    """Whether this ffmpeg's subtitles filter has `wrap_unicode` (libass with libunibreak),
    the safety net that breaks an over-long CJK line inside the frame."""
    import subprocess

    from film.media.ffmpeg import ffmpeg_binary

    try:
        out = subprocess.run([ffmpeg_binary(), "-hide_banner", "-h", "filter=subtitles"],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return "wrap_unicode" in out.stdout


def _check_inputs(timeline: Timeline, fps: int, width: int, height: int) -> None:
    if fps != timeline.fps:
        raise InputError(f"compose at {fps} fps but the timeline was built at {timeline.fps}")
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise InputError(f"video size must be positive and even, got {width}x{height}")
    for plan in timeline.shots:
        for path in (plan.shot.clip, plan.shot.speech):
            if path is not None and not Path(path).is_file():
                raise InputError(f"shot {plan.shot_id}: missing file {path}")


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
    fonts_dir, family = caption_fonts(cache_dir, cues) if burn_subtitles else (None, "")
    font_id = [fonts_dir.name, subtitles_wrap_unicode()] if fonts_dir else None

    jobs: list[_Job] = []
    paths: list[Path] = []
    for seg in plan_segments(timeline):
        ass = None
        if burn_subtitles:
            ass = render_ass(segment_cues(cues, seg, fps), width=width, height=height,
                             font=family, runs=True)
        key = canonical_hash({
            "v": SEGMENT_VERSION, "kind": seg.kind, "frames": seg.frames,
            "takes": [(file_digest(t.clip), t.first, t.end) for t in seg.takes],
            "fade": (seg.fade_in, seg.fade_out), "xfade": XFADE, "size": (width, height),
            "fps": fps, "codec": VIDEO_CODEC_ARGS, "ass": ass, "font": font_id if ass else None,
        })
        path = seg_dir / f"{seg.kind}-{key}.mp4"
        paths.append(path)
        if path.exists() or any(job.path == path for job in jobs):  # cached, or queued twice
            continue
        subs = None
        if ass is not None:
            subs = work / f"{key}.ass"
            atomic_write_text(subs, ass)
        jobs.append(_Job(f"encode {seg.kind} {seg.label}", path, functools.partial(
            build_segment_args, seg, width=width, height=height, fps=fps, subtitles=subs,
            fonts_dir=fonts_dir)))
    encoded = len(jobs)

    voices = [(p.shot.speech, p.speech_start or 0.0) for p in timeline.shots
              if p.shot.speech is not None and p.shot.speech_duration > 0]
    audio_key = canonical_hash({
        "v": SEGMENT_VERSION, "voices": [(file_digest(v), s) for v, s in voices],
        "music": file_digest(music) if music else None, "volume": music_volume,
        "duration": timeline.duration, "loudnorm": (LOUDNORM, LOUDNORM_PASSES),
        "ducking": DUCKING,
    })
    audio = cache_dir / "audio" / f"audio-{audio_key}.m4a"
    audio_reused = audio.exists()
    if not audio_reused:  # first in the queue: the longest single job
        jobs.insert(0, _Job("mix audio", audio, run=functools.partial(
            mix_soundtrack, voices, duration=timeline.duration, music=music,
            music_volume=music_volume)))
    timings = {"plan": time.perf_counter() - began}

    step = time.perf_counter()
    spent = await _run_all(jobs, workers=max(1, workers))
    timings["encode"] = time.perf_counter() - step
    if not audio_reused:
        timings["audio"] = spent.get("mix audio", 0.0)

    step = time.perf_counter()
    concat = work / f"concat-{canonical_hash([str(p) for p in paths])}.txt"
    atomic_write_text(concat, concat_list_text(paths))
    with atomic_output(out) as tmp:
        await run_ffmpeg(build_mux_args(concat, audio, tmp), what="join segments and audio")
    timings["mux"] = time.perf_counter() - step
    _prune(cache_dir, keep={*paths, audio})

    return ComposeReport(
        duration=timeline.duration, segments_total=len(paths),
        segments_reused=len(paths) - encoded, segments_encoded=encoded,
        audio_reused=audio_reused, seconds=time.perf_counter() - began,
        timings={k: round(v, 3) for k, v in timings.items()},
    )


def _prune(cache_dir: Path, keep: set[Path]) -> None:
    """Drop segments and soundtracks the film no longer uses, so the cache stays the film's
    size (temp files of a concurrent writer are hidden and left alone)."""
    for folder in ("segments", "audio", "work"):
        for path in (cache_dir / folder).glob("[!.]*"):
            if path.is_file() and path not in keep:
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
