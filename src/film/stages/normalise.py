"""The normalise stage: each shot's clip in the film's format (size, frame rate, time base,
pixel format, encoder settings) with key frames where the compose will cut it,
`.film/clips/<shot_id>.mp4`. A clip made in that format already (the offline camera moves)
is copied, not encoded again; a remote clip is encoded once, when it arrives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from film.errors import InputError
from film.fsutil import file_digest, shell_path
from film.media.ffmpeg import FPS, encoder_id
from film.media.timeline import planned_cuts
from film.schema import Shot
from film.stages.base import LeftOut, Run, failed_before
from film.stages.speech import shot_length
from film.stages.table import stage


@dataclass(frozen=True)
class NormaliseRequest:
    """What a normalised clip is made from."""

    shot_id: str
    clip: Path
    size: tuple[int, int]
    fps: int
    #: frames made key frames (where the compose cuts the clip)
    keyframes: tuple[int, ...]
    #: where the encoder's reference settings are kept
    cache_dir: Path


def shot_cuts(run: Run, shot: Shot) -> tuple[int, ...]:
    """Where the compose will cut the shot's clip, from the shots' lengths (as planned, or
    fitted to their lines) and the compose options (the video stage gives a local renderer the
    same key frames)."""
    shots = run.shot_list.shots
    index = next(i for i, s in enumerate(shots) if s.shot_id == shot.shot_id)
    options = run.options.compose
    return planned_cuts([shot_length(run, s) for s in shots], index, transition=options.transition,
                        transition_duration=options.transition_duration, fps=FPS)


def plan(run: Run, shot: Shot, provider: Any) -> tuple[NormaliseRequest, dict[str, Any]]:
    """The request for the shot's normalised clip; its input hash covers the clip's content,
    the film's size and frame rate and the key frames."""
    clip = stage("video").path(run.project.root, shot.shot_id)
    exists = clip.is_file()
    if not exists and not run.dry:
        if failed_before(run, shot.shot_id):
            raise LeftOut(shot.shot_id)  # the compose says so and leaves it out
        raise InputError(f"no clip for {shot.shot_id} at {clip}",
                         hint=f"Run `film video -p {shell_path(run.project.root)}` first.")
    keyframes = shot_cuts(run, shot)
    request = NormaliseRequest(shot_id=shot.shot_id, clip=clip, size=run.size, fps=FPS,
                               keyframes=keyframes, cache_dir=run.project.work_dir / "segments")
    inputs = {"clip": file_digest(clip) if exists else None, "size": list(run.size),
              "fps": FPS, "keyframes": list(keyframes), "encoder": encoder_id()}
    return request, inputs
