"""The video stage: a clip per shot from its still, `clips/<shot_id>.mp4`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.errors import InputError
from film.fsutil import file_digest
from film.providers.base import VideoRequest
from film.schema import Shot
from film.stages.images import shot_seed

if TYPE_CHECKING:
    from film.pipeline import Engine


def plan_clip(engine: Engine, shot: Shot, provider: Any) -> tuple[VideoRequest, dict[str, Any]]:
    """The request for the shot's clip; its input hash includes the still's content."""
    image = engine.project.image_path(shot.shot_id)
    if not image.exists():
        raise InputError(
            f"no image for {shot.shot_id} at {image}",
            hint=f"Run `film images -p {engine.project.root}` first (or put a PNG there).",
        )
    width, height = engine.size
    request = VideoRequest(shot=shot, image_path=image, duration=shot.duration, width=width,
                           height=height, fps=engine.options.fps,
                           seed=shot_seed(shot, engine.take(shot.shot_id, "video")))
    inputs = {
        "image": file_digest(image), "duration": shot.duration, "size": [width, height],
        "fps": engine.options.fps, "prompt": shot.enhanced_prompt,
        "negative": shot.negative_prompt,
        "movement": shot.camera_movement, "shot_type": shot.shot_type,
        "shot_number": shot.shot_number, "seed": request.seed,
    }
    return request, inputs


async def make_clip(engine: Engine, shot: Shot) -> Path | None:
    """Make (or reuse) the shot's clip; None when it failed and --on-error skip."""
    return await engine.make("video", shot, plan_clip)
