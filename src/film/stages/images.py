"""The images stage: a still per shot, `images/<shot_id>.png`."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.providers.base import ImageRequest
from film.schema import Shot

if TYPE_CHECKING:
    from film.pipeline import Engine


def shot_seed(shot: Shot, take: int = 0) -> int:
    """The shot's seed, or a stable one derived from its id (same shot, same picture); each
    `film regen` of the shot is a new take with the next seed."""
    base = shot.seed if shot.seed is not None else zlib.crc32(shot.shot_id.encode())
    return (base + take) % 2**32


def plan_image(engine: Engine, shot: Shot, provider: Any) -> tuple[ImageRequest, dict[str, Any]]:
    """The request for the shot's still and what its input hash covers.

    A remote model sees only the prompt side of the shot; the offline storyboard also draws
    the caption (title, shot n of N, characters), so all of the request counts for it.
    """
    shots = engine.shot_list.shots
    width, height = engine.size
    request = ImageRequest(
        shot=shot, width=width, height=height,
        seed=shot_seed(shot, engine.take(shot.shot_id, "images")),
        style=engine.shot_list.style, mood=engine.shot_list.mood, title=engine.shot_list.title,
        index=shots.index(shot), total=len(shots),
    )
    inputs: dict[str, Any] = {
        "prompt": shot.enhanced_prompt, "negative": shot.negative_prompt,
        "size": [width, height], "seed": request.seed, "style": request.style,
        "styles": shot.styles,
    }
    if not provider.remote:  # the storyboard draws everything but the spoken line
        inputs["request"] = request.model_dump(
            mode="json", exclude={"shot": {"dialogue", "narration"}})
    return request, inputs


async def make_image(engine: Engine, shot: Shot) -> Path | None:
    """Make (or reuse) the shot's still; None when it failed and --on-error skip."""
    return await engine.make("images", shot, plan_image)
