"""The images stage: a still per shot, `images/<shot_id>.png`."""

from __future__ import annotations

from typing import Any

from film.providers.contract import ImageRequest
from film.schema import Shot
from film.stages.base import Run, shot_seed
from film.stages.references import reference_inputs, references_for


def plan(run: Run, shot: Shot, provider: Any,
         take: int | None = None) -> tuple[ImageRequest, dict[str, Any]]:
    """The request for the shot's still and what its input hash covers: the sheets of the
    characters in frame and the plate of its location (their content too). `take`: the
    variant (seed offset) to plan, by default the chosen take's.

    A remote model sees only the prompt side of the shot; the offline storyboard also draws
    the caption (title, shot n of N, characters), so all of the request counts for it.
    """
    shots = run.shot_list.shots
    width, height = run.size
    refs = references_for(run, shot)
    variant = run.take(shot.shot_id, "images") if take is None else take
    request = ImageRequest(
        shot=shot, width=width, height=height, seed=shot_seed(shot, variant), take=variant,
        style=run.shot_list.style, mood=run.shot_list.mood, title=run.shot_list.title,
        index=shots.index(shot), total=len(shots), references=refs,
        language=run.shot_list.language,
    )
    inputs: dict[str, Any] = {
        "prompt": shot.enhanced_prompt, "negative": shot.negative_prompt,
        "size": [width, height], "seed": request.seed, "style": request.style,
        "styles": shot.styles, "references": reference_inputs(refs),
    }
    if not provider.remote:  # the storyboard draws everything but the spoken line
        inputs["request"] = request.model_dump(
            mode="json", exclude={"shot": {"dialogue", "narration"},
                                  "references": {"__all__": {"path"}}})
        if request.language is None:
            del inputs["request"]["language"]
    return request, inputs
