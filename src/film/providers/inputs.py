"""A shot as a model's input: the prompt words, and the input fields of a catalogue entry.

`image_arguments` and `video_arguments` put each part of a request (prompt, negative prompt,
size or aspect ratio, seed, the still, the clip's length, reference images) into the field
the model names for it in the catalogue, then add the entry's fixed values. A part the model
has no field for is left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from film.errors import ConfigError
from film.providers.catalogue import MediaModel
from film.providers.contract import ImageRequest, Reference, VideoRequest
from film.schema import Shot

CAMERA_WORDS: dict[str, str] = {
    "static": "static camera, locked-off shot",
    "push-in": "slow push-in, the camera moves toward the subject",
    "pull-out": "slow pull-out, the camera moves back from the subject",
    "pan-left": "the camera pans slowly to the left",
    "pan-right": "the camera pans slowly to the right",
    "tilt-up": "the camera tilts slowly up",
    "tilt-down": "the camera tilts slowly down",
    "tracking": "tracking shot, the camera follows the subject",
    "handheld": "handheld camera with a subtle natural shake",
    "crane": "crane shot, the camera rises smoothly",
}


def styled_prompt(request: ImageRequest) -> str:
    """The shot's prompt plus style words it does not already contain, then each character
    in frame described in the same words every time ("Mara: a woman in a red coat")."""
    prompt = request.shot.enhanced_prompt.strip()
    words = [request.style or "", *request.shot.styles]
    extra: list[str] = []
    for word in (w.strip() for w in words):
        if word and word.lower() not in prompt.lower() and word not in extra:
            extra.append(word)
    looks = [f"{r.name}: {r.visual}" for r in request.references
             if r.kind == "character" and r.visual and r.visual.lower() not in prompt.lower()]
    styled = ", ".join([prompt, *extra]) if extra else prompt
    return styled + (". " + ". ".join(looks) if looks else "")


def video_prompt(shot: Shot) -> str:
    """The shot's prompt plus words describing its camera movement."""
    prompt = shot.enhanced_prompt.strip()
    words = CAMERA_WORDS.get(shot.camera_movement or "")
    return f"{prompt.rstrip('.')}. {words[0].upper()}{words[1:]}." if words else prompt


def nearest_aspect(width: int, height: int, choices: Sequence[str]) -> str:
    """The aspect ratio among `choices` ("16:9", ...) closest to width:height."""
    target = math.log(width / height)

    def distance(choice: str) -> float:
        w, h = (int(x) for x in choice.split(":"))
        return abs(math.log(w / h) - target)

    return min(choices, key=distance)


def check_usable(model: MediaModel, vendor: str, references: Sequence[Any] = ()) -> None:
    """A model that cannot run without reference images cannot make a shot that has none."""
    if model.requires_reference and not references:
        field = model.references.field if model.references else "a reference image"
        raise ConfigError(
            f"{vendor}:{model.name} needs reference images ({field}) and this shot has none",
            hint="Give the shot a character or a location (the references stage makes their "
            f"sheets and plates), or pick a model that makes a {model.kind} from the prompt "
            "alone (film models).")


def chosen_references(model: MediaModel, references: Sequence[Reference]) -> list[Reference]:
    """The references a model gets, up to its limit: the characters in frame first (in the
    shot's order), then the location's plate; a model whose references are elements (Kling)
    takes characters only, its start frame already shows the place."""
    spec = model.references
    if spec is None:
        return []
    people = [r for r in references if r.kind == "character"]
    places = [] if spec.shape == "elements" else [r for r in references if r.kind != "character"]
    chosen = people + places
    return chosen[: spec.limit] if spec.limit else chosen


def reference_note(model: MediaModel, references: Sequence[Reference]) -> str:
    """What the prompt says about the reference images, so the model knows which is which."""
    if not references or model.references is None:
        return ""
    if model.references.shape == "elements":
        named = [f"@Element{i} is {r.name}" for i, r in enumerate(references, 1)]
        return " " + "; ".join(named) + "."
    parts = []
    for i, ref in enumerate(references, 1):
        if ref.kind == "character":
            parts.append(f"image {i} shows {ref.name} (front, side and back views on a green "
                         "background): keep the same face, hair, build and clothes")
        else:
            parts.append(f"image {i} shows {ref.name}: keep the same place and its look")
    return (" Reference images: " + "; ".join(parts) +
            ". Do not copy the reference layout, the green background or the side-by-side "
            "views into the picture.")


def reference_arguments(model: MediaModel, urls: Sequence[str]) -> dict[str, Any]:
    """Reference image URLs in the model's reference field, up to its limit."""
    refs = model.references
    if refs is None or not urls:
        return {}
    urls = list(urls)[: refs.limit] if refs.limit else list(urls)
    if refs.shape == "elements":
        return {refs.field: [{"frontal_image_url": url, "reference_image_urls": [url]}
                             for url in urls]}
    return {refs.field: urls if refs.many else urls[0]}


def _common(model: MediaModel, shot: Shot, width: int, height: int, seed: int,
            prompt: str) -> dict[str, Any]:
    f = model.fields
    args: dict[str, Any] = {f.prompt: prompt}
    if f.negative_prompt and shot.negative_prompt:
        args[f.negative_prompt] = shot.negative_prompt
    if f.size:
        args[f.size] = {"width": width, "height": height}
    if f.aspect_ratio and model.aspect_ratios:
        args[f.aspect_ratio] = nearest_aspect(width, height, model.aspect_ratios)
    if f.seed:
        args[f.seed] = seed
    return args


def image_arguments(model: MediaModel, request: ImageRequest,
                    references: Sequence[str] = ()) -> dict[str, Any]:
    """The model's input for one still; `references`: the URLs of
    `chosen_references(model, request.references)`, in that order."""
    prompt = styled_prompt(request)
    if references:
        prompt += reference_note(model, chosen_references(model, request.references))
    args = _common(model, request.shot, request.width, request.height, request.seed, prompt)
    return {**args, **reference_arguments(model, references), **model.fixed}


def video_arguments(model: MediaModel, request: VideoRequest, still_url: str,
                    references: Sequence[str] = ()) -> dict[str, Any]:
    """The model's input for one clip that starts from the still at `still_url`;
    `references`: the URLs of `chosen_references(model, request.references)`."""
    f = model.fields
    prompt = video_prompt(request.shot)
    if references:
        prompt += reference_note(model, chosen_references(model, request.references))
    args = _common(model, request.shot, request.width, request.height, request.seed, prompt)
    if f.start_image:
        args[f.start_image] = still_url
    if f.duration and model.durations:
        args[f.duration] = model.duration_value(request.duration)
    return {**args, **reference_arguments(model, references), **model.fixed}
