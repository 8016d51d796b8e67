"""The video stage: a clip per shot from its still, `clips/<shot_id>.mp4`."""

from __future__ import annotations

from typing import Any

from film.errors import InputError
from film.fsutil import file_digest, shell_path
from film.media.ffmpeg import FPS
from film.providers.contract import VideoRequest
from film.schema import Shot
from film.stages.base import Run, shot_seed
from film.stages.normalise import shot_cuts
from film.stages.references import reference_inputs, references_for
from film.stages.speech import shot_length
from film.stages.table import stage


def plan(run: Run, shot: Shot, provider: Any,
         take: int | None = None) -> tuple[VideoRequest, dict[str, Any]]:
    """The request for the shot's clip; its input hash includes the still's content. `take`:
    the variant (seed offset) to plan, by default the chosen take's."""
    image = stage("images").path(run.project.root, shot.shot_id)
    exists = image.exists()
    if not exists and not run.dry:
        raise InputError(
            f"no image for {shot.shot_id} at {image}",
            hint=f"Run `film images -p {shell_path(run.project.root)}` first (or put a PNG "
            "there).",
        )
    width, height = run.size
    refs = references_for(run, shot) if provider.uses_references else []
    duration = shot_length(run, shot)
    request = VideoRequest(shot=shot, image_path=image, duration=duration, width=width,
                           height=height, fps=FPS,
                           seed=shot_seed(shot, run.take(shot.shot_id, "video")
                                          if take is None else take), references=refs)
    inputs = {
        "image": file_digest(image) if exists else None, "duration": duration,
        "size": [width, height], "fps": FPS, "prompt": shot.enhanced_prompt,
        "negative": shot.negative_prompt,
        "movement": shot.camera_movement, "shot_type": shot.shot_type,
        "shot_number": shot.shot_number, "seed": request.seed,
    }
    if refs:  # a model that takes the characters' sheets: a changed sheet is a new clip
        inputs["references"] = reference_inputs(refs)
    if getattr(provider, "makes_keyframes", False):  # rendered here in the film's format
        request.keyframes = shot_cuts(run, shot)
        inputs["keyframes"] = list(request.keyframes)
    return request, inputs
