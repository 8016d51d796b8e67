"""The film's timeline: how long each shot lasts, where it starts, its transitions and captions.

Pure functions over whole frames (no drift: every time is `frames / fps`).

Duration is audio-driven: a shot lasts its planned duration, or longer when its line needs
it. A line must end `speech_padding` seconds before the next shot's line can begin, so a
shot's length is at least `lead_in + speech + padding + T_out` where `T_out` is the
requested overlap with the next shot (0 for the last shot and for "fade"/"cut"). With
`T_out = 0` this is the plain `max(planned, speech + padding)`.

Transitions:
- "crossfade": shot i and shot i+1 overlap by T_i frames (xfade). Starts are cumulative,
  `start_i = sum_{j<i}(d_j - T_j)`, the total is `sum d - sum T`. T_i is shortened to at
  most a third of the shorter neighbour (whole frames, rounded down), so short shots keep a
  clear body and no frame of a shot belongs to two transitions.
- "fade" (through black): no overlap (T = 0). Shot i fades out over its last
  `transition_duration / 2` and shot i+1 fades in over its first half, so a boundary takes
  `transition_duration` in all (capped like a crossfade), and starts stay a plain running
  sum.
- "cut": no overlap, no fades.

Speech starts at its shot's start plus `speech_lead_in` (0 by default). Captions split the
line into cues of at most 2 lines of 42 columns (26 for Japanese, 32 for Chinese; a wide
character takes two), timed in proportion to their length
across the speech (or across the part of the shot not covered by transitions if it has text
but no speech).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from film.errors import InputError
from film.media.ffmpeg import FPS
from film.media.subtitles import MAX_CHARS, MAX_LINES, Cue, split_into_cue_texts, time_cues

TRANSITIONS = ("crossfade", "fade", "cut")


@dataclass(frozen=True)
class TimelineShot:
    """What compose needs to know about one shot (its files and its planned length)."""

    shot_id: str
    clip: Path
    planned: float
    speech: Path | None = None
    speech_duration: float = 0.0
    text: str | None = None
    role: str | None = None
    #: the line's language (None: not known); sets caption widths and glyph shapes
    language: str | None = None


@dataclass(frozen=True)
class ShotPlan:
    """One shot placed on the film's clock; all lengths in frames at the timeline's fps."""

    index: int
    shot: TimelineShot
    fps: int
    frames: int
    start_frame: int
    transition_in_frames: int = 0
    transition_out_frames: int = 0
    fade_in_frames: int = 0
    fade_out_frames: int = 0
    speech_start: float | None = None
    cues: tuple[Cue, ...] = ()

    @property
    def shot_id(self) -> str:
        return self.shot.shot_id

    @property
    def duration(self) -> float:
        return self.frames / self.fps

    @property
    def start(self) -> float:
        return self.start_frame / self.fps

    @property
    def end(self) -> float:
        return (self.start_frame + self.frames) / self.fps

    @property
    def transition_out(self) -> float:
        return self.transition_out_frames / self.fps

    @property
    def body_frames(self) -> tuple[int, int]:
        """Shot-local [first, end) frames not covered by a crossfade."""
        return self.transition_in_frames, self.frames - self.transition_out_frames


@dataclass(frozen=True)
class Timeline:
    """The whole film: placed shots, the transition model, the total length."""

    shots: tuple[ShotPlan, ...]
    transition: str
    transition_duration: float
    fps: int
    total_frames: int
    options: dict[str, float] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps

    @property
    def cues(self) -> list[Cue]:
        return [cue for plan in self.shots for cue in plan.cues]

    def to_dict(self) -> dict:
        """A JSON-able summary (for manifests and `--json` output)."""
        return {
            "transition": self.transition,
            "fps": self.fps,
            "duration": round(self.duration, 3),
            "shots": [
                {
                    "shot_id": p.shot_id, "start": round(p.start, 3),
                    "duration": round(p.duration, 3), "transition_out": round(p.transition_out, 3),
                    "speech_start": p.speech_start, "cues": len(p.cues),
                }
                for p in self.shots
            ],
        }


def _frames(seconds: float, fps: int, *, up: bool) -> int:
    value = seconds * fps
    return math.ceil(value - 1e-6) if up else round(value)


def build_timeline(
    shots: Sequence[TimelineShot],
    *,
    transition: str = "crossfade",
    transition_duration: float = 0.5,
    fps: int = FPS,
    speech_padding: float = 0.35,
    speech_lead_in: float = 0.0,
    max_chars: int = MAX_CHARS,
    max_lines: int = MAX_LINES,
) -> Timeline:
    """Place `shots` on the film's clock (see the module docstring for the model)."""
    if transition not in TRANSITIONS:
        choices = ", ".join(TRANSITIONS)
        raise InputError(f"unknown transition {transition!r}; choose one of {choices}")
    if not shots:
        raise InputError("cannot build a timeline with no shots")
    if fps <= 0 or transition_duration < 0 or speech_padding < 0 or speech_lead_in < 0:
        raise InputError("fps must be positive; transition, padding and lead-in >= 0")
    for shot in shots:
        if shot.planned <= 0 or shot.speech_duration < 0:
            raise InputError(f"shot {shot.shot_id}: duration must be > 0")

    t_req = _frames(transition_duration, fps, up=False) if transition != "cut" else 0
    overlap_req = t_req if transition == "crossfade" else 0
    n = len(shots)
    frames: list[int] = []
    for i, shot in enumerate(shots):
        f = max(2, _frames(shot.planned, fps, up=False))
        if shot.speech is not None and shot.speech_duration > 0:
            t_out = overlap_req if i < n - 1 else 0
            need = speech_lead_in + shot.speech_duration + speech_padding + t_out / fps
            f = max(f, _frames(need, fps, up=True))
        frames.append(f)

    # Transition i joins shot i and i+1; at most a third of the shorter one (whole frames),
    # so short shots do not blur into each other and bodies never go negative.
    joins = [min(t_req, min(frames[i], frames[i + 1]) // 3) for i in range(n - 1)]
    plans: list[ShotPlan] = []
    start = 0
    for i, shot in enumerate(shots):
        t_in = joins[i - 1] if i > 0 else 0
        t_out = joins[i] if i < n - 1 else 0
        plan = ShotPlan(index=i, shot=shot, fps=fps, frames=frames[i], start_frame=start)
        if transition == "crossfade":
            plan = _replace(plan, transition_in_frames=t_in, transition_out_frames=t_out)
        elif transition == "fade":
            plan = _replace(plan, fade_in_frames=t_in // 2, fade_out_frames=t_out // 2)
        plan = _with_speech(plan, speech_lead_in, max_chars, max_lines)
        plans.append(plan)
        start += plan.frames - plan.transition_out_frames
    total = sum(p.frames - p.transition_out_frames for p in plans)
    return Timeline(
        shots=tuple(plans), transition=transition, transition_duration=transition_duration,
        fps=fps, total_frames=total,
        options={"speech_padding": speech_padding, "speech_lead_in": speech_lead_in},
    )


def _replace(plan: ShotPlan, **changes: object) -> ShotPlan:
    return replace(plan, **changes)  # type: ignore[arg-type]


def _with_speech(plan: ShotPlan, lead_in: float, max_chars: int, max_lines: int) -> ShotPlan:
    shot = plan.shot
    speech_start = None
    if shot.speech is not None:
        speech_start = round(plan.start + lead_in, 6)
    cues: list[Cue] = []
    if shot.text and shot.text.strip():
        texts = split_into_cue_texts(shot.text, width=max_chars, max_lines=max_lines,
                                     language=shot.language)
        if speech_start is not None and shot.speech_duration > 0:
            cues = time_cues(texts, speech_start, speech_start + shot.speech_duration)
        else:
            first, end = plan.body_frames
            cues = time_cues(texts, (plan.start_frame + first) / plan.fps,
                             (plan.start_frame + end) / plan.fps)
    if shot.language:
        cues = [replace(c, language=shot.language) for c in cues]
    return _replace(plan, speech_start=speech_start, cues=tuple(cues))


def cut_frames(plan: ShotPlan) -> tuple[int, ...]:
    """Shot-local frames where the compose cuts the shot's clip: its body's first frame (a
    copy of the clip starts there, so the frame should be a key frame) and the first frame
    after it (where its crossfade or fade-out begins; a key frame there lets the transition
    decode from it). None where the cut is the clip's first frame."""
    first, end = plan.body_frames
    cuts = (first + plan.fade_in_frames, end - plan.fade_out_frames)
    return tuple(sorted({c for c in cuts if 0 < c < plan.frames}))


def planned_cuts(planned: Sequence[float], index: int, *, transition: str,
                 transition_duration: float, fps: int = FPS) -> tuple[int, ...]:
    """`cut_frames` of shot `index` in a film of shots lasting `planned` seconds, before any
    line lengthens a shot: where clips are given key frames when they are made or
    normalised, before the voices exist (a line that lengthens a shot moves its cuts; the
    compose then encodes the few frames up to the next key frame)."""
    shots = [TimelineShot(shot_id=str(i), clip=Path(), planned=seconds)
             for i, seconds in enumerate(planned)]
    timeline = build_timeline(shots, transition=transition,
                              transition_duration=transition_duration, fps=fps)
    return cut_frames(timeline.shots[index])
