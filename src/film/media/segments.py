"""The film's video as pieces that tile it frame by frame, and the ffmpeg argv for each.

A piece is either a `Copy` (a run of frames of a film-ready clip, taken into the film as it is:
no decode, no encode) or a `Segment` (frames encoded with the shared settings: a crossfade, a
fade, a held last frame, a caption burned in, the few frames before a clip's first key frame,
or a whole body when its clip is not film-ready). One stream-copy pass joins them (concat
demuxer, `inpoint`/`outpoint` on the clips) with the soundtrack.

A copy starts on a key frame and may end on any frame (film encodes no B-frames). Builders
are pure and return argv lists; film.media.compose runs them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from film.media.ffmpeg import TICKS_PER_FRAME, media_path, video_encode_args
from film.media.mp4 import VideoTrack
from film.media.normalise import fit_chain
from film.media.timeline import ShotPlan, Timeline

XFADE = "fade"


@dataclass(frozen=True)
class Take:
    """Frames [first, end) of one clip at the film's fps; frames past its end repeat the last.

    `seek` is set for a film-ready clip: the key frame decoding starts from (frames are then
    counted from it and need no conversion); None for any other clip (converted from its
    first frame)."""

    clip: Path
    first: int
    end: int
    seek: int | None = None


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


@dataclass(frozen=True)
class Copy:
    """Frames [first, end) of a film-ready clip, copied into the film as they are."""

    label: str
    clip: Path
    first: int
    end: int
    film_start: int

    @property
    def frames(self) -> int:
        return self.end - self.first


Piece = Segment | Copy


def plan_segments(timeline: Timeline) -> list[Segment]:
    """Every piece encoded: a body per shot and a transition per crossfaded boundary (what
    compose does when no clip is film-ready)."""
    return [p for p in plan_pieces(timeline, {}) if isinstance(p, Segment)]


def plan_pieces(timeline: Timeline, ready: Mapping[Path, VideoTrack | None],
                blocked: Mapping[str, Sequence[tuple[int, int]]] | None = None) -> list[Piece]:
    """Pieces that tile the film exactly: each shot's body (copied where its clip is
    film-ready, see `body_pieces`) and the crossfade after it. `blocked`: per shot, frames
    (shot-local [start, end)) that must be encoded, e.g. under a burned caption."""
    pieces: list[Piece] = []
    plans = timeline.shots
    for i, plan in enumerate(plans):
        track = ready.get(plan.shot.clip)
        pieces += body_pieces(plan, track, (blocked or {}).get(plan.shot_id, ()))
        t = plan.transition_out_frames
        if t > 0 and i + 1 < len(plans):
            nxt = plans[i + 1]
            pieces.append(Segment(
                kind="transition", label=f"{plan.shot_id}+{nxt.shot_id}",
                takes=(_take(plan.shot.clip, plan.frames - t, plan.frames, track),
                       _take(nxt.shot.clip, 0, t, ready.get(nxt.shot.clip))),
                film_start=plan.start_frame + plan.frames - t, frames=t,
            ))
    return pieces


def body_pieces(plan: ShotPlan, track: VideoTrack | None,
                blocked: Sequence[tuple[int, int]] = ()) -> list[Piece]:
    """The shot's body: every run of frames that lies inside the clip, outside its fades and
    `blocked`, from the run's first key frame on, is copied; the rest is encoded (in as few
    segments as the copies leave)."""
    first, end = plan.body_frames
    if end <= first:
        return []
    fade_in, fade_out = plan.fade_in_frames, plan.fade_out_frames
    if track is None:
        return [Segment("body", plan.shot_id, (Take(plan.shot.clip, first, end),),
                        plan.start_frame + first, end - first, fade_in, fade_out)]
    copies = _copy_runs(first + fade_in, min(end - fade_out, track.frames), blocked,
                        track.key_frames())
    pieces: list[Piece] = []
    pos = first

    def encode(a: int, b: int) -> Segment:
        return Segment("body", f"{plan.shot_id}[{a}:{b}]",
                       (_take(plan.shot.clip, a, b, track),), plan.start_frame + a, b - a,
                       fade_in if a == first else 0, fade_out if b == end else 0)

    for a, b in copies:
        if a > pos:
            pieces.append(encode(pos, a))
        pieces.append(Copy(f"{plan.shot_id}[{a}:{b}]", plan.shot.clip, a, b,
                           plan.start_frame + a))
        pos = b
    if pos < end:
        pieces.append(encode(pos, end))
    return pieces


def _copy_runs(lo: int, hi: int, blocked: Iterable[tuple[int, int]],
               keys: Sequence[int]) -> list[tuple[int, int]]:
    """Runs [k, e) within [lo, hi) and outside `blocked`, each starting at its free stretch's
    first key frame."""
    free: list[tuple[int, int]] = []
    pos = lo
    for a, b in sorted(blocked):
        if min(a, hi) > pos:
            free.append((pos, min(a, hi)))
        pos = max(pos, b)
    if pos < hi:
        free.append((pos, hi))
    runs = []
    for a, b in free:
        key = next((k for k in keys if a <= k < b), None)
        if key is not None:
            runs.append((key, b))
    return runs


def _take(clip: Path, first: int, end: int, track: VideoTrack | None) -> Take:
    """A take, seeking to the last key frame at or before its first frame on a film-ready
    clip (frames past the clip's end are its last frame held)."""
    if track is None:
        return Take(clip, first, end)
    last = min(first, track.frames - 1)
    return Take(clip, first, end, max((k for k in track.key_frames() if k <= last), default=0))


def escape_filter_value(value: str) -> str:
    """Escape a filter option value (e.g. a path) for a -filter_complex graph: both levels."""
    level1 = "".join("\\" + c if c in "\\:'" else c for c in value)
    return "".join("\\" + c if c in "\\'[],;" else c for c in level1)


def normalise_chain(take: Take, *, width: int, height: int, fps: int) -> str:
    """Filters turning one take into width x height, fps, yuv420p frames with clean PTS."""
    if take.seek is not None:  # film-ready: frames counted from the key frame decoded first
        base = take.seek
        return (f"tpad=stop_mode=clone:stop={take.end - base},"
                f"trim=start_frame={take.first - base}:end_frame={take.end - base},"
                f"settb=1/{fps},setpts=N,setsar=1,format=yuv420p")
    return (
        f"fps={fps},tpad=stop_mode=clone:stop={take.end},"
        f"trim=start_frame={take.first}:end_frame={take.end},setpts=N/FRAME_RATE/TB,"
        f"{fit_chain(width, height)}"
    )


def _input_args(take: Take, fps: int) -> list[str]:
    """-i for a take; a film-ready clip is opened at its key frame (`-noaccurate_seek` keeps
    every frame from there; half a frame past it, the demuxer lands on it exactly)."""
    if take.seek:
        return ["-ss", f"{(take.seek + 0.5) / fps:.6f}", "-noaccurate_seek", "-i",
                media_path(take.clip)]
    return ["-i", media_path(take.clip)]


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
        args += _input_args(take, fps)
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
    return [*args, "-filter_complex", graph, "-map", "[v]", "-an", "-frames:v",
            str(segment.frames), *video_encode_args(fps), "-f", "mp4", media_path(out)]


def _seconds(frames: int, fps: int, *, up: bool) -> str:
    """`frames / fps` in whole microseconds, rounded up or down (the concat demuxer reads
    microseconds: rounded up, an in-point seeks to that very key frame; rounded down, an
    out-point drops that very frame)."""
    us = frames * 1_000_000 / fps
    whole = math.ceil(us - 1e-6) if up else math.floor(us + 1e-6)
    return f"{whole // 1_000_000}.{whole % 1_000_000:06d}"


def concat_list_text(entries: Sequence[Path | Copy], fps: int = 24,
                     lengths: Mapping[Path, int] | None = None) -> str:
    """The concat demuxer's list: a file per encoded segment, and per copy its clip with the
    in and out points of its frames (none where the copy starts or ends with the clip;
    `lengths` gives clips' frame counts)."""
    lines = []
    for entry in entries:
        path = entry.clip if isinstance(entry, Copy) else entry
        quoted = str(Path(path).resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
        if isinstance(entry, Copy):
            if entry.first:
                lines.append(f"inpoint {_seconds(entry.first, fps, up=True)}")
            if lengths is None or entry.end < lengths.get(entry.clip, entry.end + 1):
                lines.append(f"outpoint {_seconds(entry.end, fps, up=False)}")
    return "\n".join(lines) + "\n"


def build_mux_args(concat_list: Path, audio: Path, out: Path) -> list[str]:
    """argv joining the pieces by stream copy and muxing the soundtrack, faststart.

    Packets are taken as they are (`-auto_convert 0`: no in-band parameter sets), and every
    frame is stamped with its number (`setts`), one frame lasting TICKS_PER_FRAME."""
    return [
        "-auto_convert", "0", "-f", "concat", "-safe", "0", "-i", media_path(concat_list),
        "-i", media_path(audio), "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
        "-bsf:v", f"setts=ts=N*{TICKS_PER_FRAME}", "-movflags", "+faststart",
        "-f", "mp4", media_path(out),
    ]
