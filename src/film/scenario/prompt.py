"""The JSON contract with the LLM: system prompt, user message, response schema, reply checks.

`SYSTEM_PROMPT` teaches a cinematographer's grammar and demands strict JSON; `build_messages`
states the job and the exact field list; `response_schema` is derived from `film.schema.Shot`
so the prompt, the `response_format` schema and the validator never drift apart;
`validate_reply` turns a reply into a ShotList or a list of precise errors for a repair round.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError

from film.lang import guess_language, language_name
from film.schema import CAMERA_MOVEMENTS, SHOT_ID_PATTERN, SHOT_TYPES, Shot, ShotList
from film.schema import MAX_SHOT_SECONDS as _MAX_S
from film.schema import MIN_SHOT_SECONDS as _MIN_S

SYSTEM_PROMPT = """\
You are an award-winning director of photography and storyboard artist. You turn a short \
film description into a precise shot list that an image model and a video model will render \
shot by shot. Every decision must be visual, concrete and consistent.

COMPOSITION AND FRAMING
- Use the rule of thirds, leading lines, depth (foreground, midground, background) and \
negative space on purpose. Say where the subject sits in the frame.
- Pick each shot size for what the audience must understand: extreme-wide or establishing to \
place us in the world, wide or full for action and geography, medium for behaviour and \
gesture, medium-close-up and close-up for emotion, extreme-close-up and insert for a detail \
that matters (a key, a letter, eyes), reaction to show how a character takes a moment, \
over-the-shoulder and two-shot for conversations, pov to put us in a character's eyes.
- Respect the aspect ratio: compose widescreen frames horizontally, vertical 9:16 frames \
with the subject centred and stacked vertically, 1:1 frames symmetrically.

SHOT VARIETY AND EDITING GRAMMAR
- Open on an establishing or wide shot unless the story demands a cold open on a detail.
- Never cut between two shots of the same size and angle; alternate scale and viewpoint.
- Cover each important beat with the shot that shows it best, then add coverage (reaction, \
insert, close-up detail) when there are more shots than beats.
- End on a resolving image: a wide pull-out or a meaningful close-up.
- Give every shot a camera movement that serves it: static, push-in, pull-out, pan-left, \
pan-right, tilt-up, tilt-down, tracking, handheld or crane.

CONTINUITY
- Respect the 180-degree rule: keep characters on consistent sides of the frame and screen \
directions consistent across a scene; do not cross the line without a neutral shot.
- Keep visual continuity: the same character always has the same age, build, hair, \
wardrobe and props, described with the same words in every prompt; the same location keeps \
its architecture, light direction, weather and time of day unless the story changes them.
- Name characters consistently in `characters` (e.g. "detective", or a proper name).

LIGHTING AND MOOD
- Describe light like a gaffer: key direction and quality (hard/soft), practical sources, \
colour temperature, contrast ratio, atmosphere (haze, rain, dust), and the colour palette.
- The lighting and palette must express the requested mood and style.

IMAGE PROMPTS (enhanced_prompt)
- Write each as a self-contained prompt for a text-to-image model (40 to 90 words): shot \
size and angle, subject and action, setting, lighting, palette, lens and depth of field \
(e.g. "24mm wide-angle, deep focus" or "85mm, shallow depth of field"), texture (film grain, \
photorealistic, 8K detail) and style keywords. Do not rely on earlier shots: repeat the \
character and location description in each prompt. No camera jargon the image cannot show, \
no text overlays, no brand names.
- negative_prompt lists what must not appear (e.g. "cartoon, low quality, blurry, deformed \
hands, extra limbs, watermark, text") plus anything that would break the style or period.

SOUND
- dialogue is a line a character speaks on screen (set speaker to who says it); narration is \
a short voice-over (at most 15 words). Use null when a shot has none; keep speech on about \
half of the shots at most, and keep every line short enough to say within the shot.

LANGUAGE
- Write title, action, dialogue and narration in the language of the film (the \
description's language unless you are told another): a Chinese description gets Chinese \
dialogue, a French one French. Write enhanced_prompt, negative_prompt, landscapes, styles, \
mood and time_of_day in English, for the image and video models; name characters in \
`characters` and `speaker` as the dialogue does.

OUTPUT
- Reply with one JSON object only: no prose, no explanations, no markdown, no code fences.
- Follow the field list you are given exactly; use the allowed values for shot_type and \
camera_movement; durations are numbers of seconds; use null for unknown optional values.
"""

#: Shot fields the LLM fills, in the order the prompt lists them (scene_id and seed are ours).
LLM_SHOT_FIELDS: tuple[str, ...] = (
    "shot_id", "shot_number", "shot_type", "camera_movement", "action", "enhanced_prompt",
    "negative_prompt", "duration", "dialogue", "speaker", "narration", "characters",
    "landscapes", "styles", "mood", "time_of_day",
)
_TOP_FIELDS = ("title", "description", "style", "mood", "aspect_ratio", "shots")
_KEEP_KEYS = {"type", "enum", "items", "properties", "required", "additionalProperties",
              "anyOf", "description", "const"}


def _simplify(node: Any) -> Any:
    """Drop the keywords strict structured-output modes reject (defaults, lengths, patterns)."""
    if isinstance(node, dict):
        return {k: ({n: _simplify(s) for n, s in v.items()} if k == "properties" else _simplify(v))
                for k, v in node.items() if k in _KEEP_KEYS}
    if isinstance(node, list):
        return [_simplify(v) for v in node]
    return node


def strict_schema(model: type[Any]) -> dict[str, Any]:
    """A pydantic model's JSON Schema in the form strict structured output accepts: $refs
    inlined, every property required (optional ones nullable), no extra properties, only the
    keywords strict modes know. Ranges and lengths are checked afterwards by pydantic."""
    full = model.model_json_schema()
    defs = full.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node:
            return walk(defs[node["$ref"].rsplit("/", 1)[-1]])
        out = {k: walk(v) if k != "properties" else {n: walk(s) for n, s in v.items()}
               for k, v in node.items() if k in _KEEP_KEYS}
        if "properties" in out:
            required = set(node.get("required", []))
            for name, prop in out["properties"].items():
                if name not in required and not _nullable(prop):
                    out["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
            out["required"] = list(out["properties"])
            out["additionalProperties"] = False
            out.setdefault("type", "object")
        return out

    return walk({k: v for k, v in full.items() if k != "$defs"})


def _nullable(prop: dict[str, Any]) -> bool:
    return prop.get("type") == "null" or any(
        isinstance(o, dict) and o.get("type") == "null" for o in prop.get("anyOf", []))


def response_schema() -> dict[str, Any]:
    """JSON Schema for `response_format` json_schema, derived from the pydantic models.

    Strict-mode ready (OpenAI/OpenRouter): every property required, optional ones nullable,
    `additionalProperties: false`, no $refs. Ranges are checked afterwards by pydantic.
    """
    shot_props = Shot.model_json_schema()["properties"]
    shot = {
        "type": "object",
        "properties": {name: _simplify(shot_props[name]) for name in LLM_SHOT_FIELDS},
        "required": list(LLM_SHOT_FIELDS),
        "additionalProperties": False,
    }
    top_props = ShotList.model_json_schema()["properties"]
    props: dict[str, Any] = {name: _simplify(top_props[name]) for name in _TOP_FIELDS[:-1]}
    for name in ("style", "mood"):
        props[name] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    props["shots"] = {"type": "array", "items": shot}
    return {"type": "object", "properties": props, "required": list(_TOP_FIELDS),
            "additionalProperties": False}


def response_format(structured: str, *, strict: bool = True, name: str = "shot_list",
                    schema: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The `response_format` body value for a model's structured-output capability."""
    if structured == "json_schema":
        return {"type": "json_schema",
                "json_schema": {"name": name, "strict": strict,
                                "schema": schema if schema is not None else response_schema()}}
    if structured == "json_object":
        return {"type": "json_object"}
    return None


def _field_list() -> str:
    return "\n".join([
        '{"title": str, "description": str, "style": str|null, "mood": str|null,',
        ' "aspect_ratio": "16:9"|"9:16"|"1:1", "shots": [',
        '  {"shot_id": "shot_001", "shot_number": 1,',
        f'   "shot_type": one of {", ".join(SHOT_TYPES)},',
        f'   "camera_movement": one of {", ".join(CAMERA_MOVEMENTS)},',
        '   "action": str (the story beat shown), "enhanced_prompt": str (40-90 words),',
        '   "negative_prompt": str, "duration": number (seconds),',
        '   "dialogue": str|null, "speaker": str|null, "narration": str|null (<= 15 words),',
        '   "characters": [str], "landscapes": [str], "styles": [str],',
        '   "mood": str|null, "time_of_day": "dawn"|"morning"|"day"|"evening"|"night"|null}',
        " ]}",
    ])


def build_user_message(
    description: str,
    *,
    num_shots: int,
    style: str | None,
    mood: str | None,
    aspect_ratio: str,
    shot_duration: float,
    note: str | None = None,
    language: str | None = None,
) -> str:
    """The user turn: the film to plan, its constraints and the exact JSON shape expected."""
    lines = [
        "Plan the shot list for this short film.",
        "",
        "DESCRIPTION:",
        description.strip(),
        "",
        f"Number of shots: exactly {num_shots} (shot_id shot_001 to shot_{num_shots:03d}, "
        f"shot_number 1 to {num_shots}).",
        f"Style: {style or 'cinematic (choose what fits the description)'}",
        f"Mood: {mood or 'infer it from the description'}",
        f"Aspect ratio: {aspect_ratio} (compose every frame for it)",
        f"Duration per shot: about {shot_duration:g} seconds (between {_MIN_S:g} and {_MAX_S:g}).",
    ]
    if language:
        lines.append(f"Language of the dialogue, narration and title: {language_name(language)} "
                     f"({language}); image prompts in English.")
    if note:
        lines += ["", f"Note: {note}"]
    lines += ["", "Reply with JSON of exactly this shape and these fields:", _field_list()]
    return "\n".join(lines)


def build_messages(
    description: str, request: Any, note: str | None = None
) -> list[dict[str, str]]:
    """[system, user] messages for a ScenarioRequest (its description may be truncated)."""
    user = build_user_message(
        description, num_shots=request.num_shots, style=request.style, mood=request.mood,
        aspect_ratio=request.aspect_ratio, shot_duration=request.shot_duration, note=note,
        language=film_language(request),
    )
    cast = getattr(request, "cast", None)
    if cast:
        user += ("\n\nCharacters: only these people appear, named exactly so in `characters` "
                 f"and `speaker`: {', '.join(cast)}.")
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def film_language(request: Any) -> str:
    """The language a request's film speaks: asked for, else the description's own."""
    return getattr(request, "language", None) or guess_language(request.description)


def repair_message(errors: list[str]) -> str:
    """The user turn of the repair round: the exact errors, and a demand for JSON only."""
    listed = "\n".join(f"- {e}" for e in errors)
    return (
        "Your reply is not a valid shot list. Problems found:\n"
        f"{listed}\n"
        "Reply again with the complete corrected JSON object only: no prose, no code fences."
    )


class ReplyInvalid(Exception):
    """The reply is not JSON, or not a valid shot list; `errors` says exactly why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


_FENCE = re.compile(r"^\s*```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?\s*```\s*$", re.S)


def extract_json(content: str | None) -> Any:
    """Decode a reply's JSON, tolerating ```json fences and prose around one object."""
    text = (content or "").strip()
    if not text:
        raise ReplyInvalid(["the reply was empty"])
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1).strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        start, end = text.find("{"), text.rfind("}")
        if 0 <= start < end:
            try:
                return json.loads(text[start:end + 1])
            except json.JSONDecodeError:
                pass
        raise ReplyInvalid(
            [f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
        ) from exc


def _unwrap(data: Any) -> Any:
    """Accept {"shot_list": {...}} style wrappers and bare lists of shots."""
    if isinstance(data, list):
        return {"shots": data}
    if isinstance(data, dict) and "shots" not in data and len(data) == 1:
        inner = next(iter(data.values()))
        if (isinstance(inner, dict) and "shots" in inner) or isinstance(inner, list):
            return _unwrap(inner)
    return data


def normalise(data: Any, request: Any, model: str) -> dict[str, Any]:
    """Fill what a model may omit: request fields, shot numbers, ids, durations."""
    data = _unwrap(data)
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise ReplyInvalid([f"expected a JSON object with a 'shots' list, got {kind}"])
    data = dict(data)
    data.pop("usage", None)
    data.pop("schema_version", None)
    data["model"] = model
    data["language"] = film_language(request)
    defaults = {"description": request.description, "style": request.style,
                "mood": request.mood, "aspect_ratio": request.aspect_ratio}
    for key, value in defaults.items():
        if data.get(key) in (None, "") and value is not None:
            data[key] = value
    if not str(data.get("title") or "").strip():
        data["title"] = " ".join(request.description.split()[:6]).rstrip(".,;:!?") or "Untitled"
    shots = data.get("shots")
    if isinstance(shots, list):
        fixed, seen = [], set()
        for i, shot in enumerate(shots, start=1):
            if not isinstance(shot, dict):
                fixed.append(shot)
                continue
            shot = dict(shot)
            shot["shot_number"] = i
            sid = shot.get("shot_id")
            if not isinstance(sid, str) or not re.match(SHOT_ID_PATTERN, sid) or sid in seen:
                shot["shot_id"] = f"shot_{i:03d}"
            seen.add(shot["shot_id"])
            duration = shot.get("duration")
            if duration is None or (isinstance(duration, str) and not duration.strip()):
                shot["duration"] = request.shot_duration
            elif isinstance(duration, (int, float)):
                shot["duration"] = min(max(float(duration), _MIN_S), _MAX_S)
            for key in ("characters", "landscapes", "styles"):
                if shot.get(key) is None:
                    shot[key] = []
            if shot.get("negative_prompt") is None:
                shot["negative_prompt"] = ""
            fixed.append(shot)
        data["shots"] = fixed
    return data


def validate_reply(
    content: str | None, request: Any, model: str, *, exact_count: bool = True
) -> ShotList:
    """A validated ShotList from a reply, or ReplyInvalid with every problem listed.

    Extra shots are dropped; too few shots is an error while `exact_count` (first round).
    """
    data = normalise(extract_json(content), request, model)
    shots = data.get("shots")
    if isinstance(shots, list) and len(shots) > request.num_shots:
        data["shots"] = shots[:request.num_shots]
    try:
        shot_list = ShotList.model_validate(data)
    except ValidationError as exc:
        errors = []
        for item in exc.errors()[:20]:
            where = ".".join(str(p) for p in item["loc"]) or "(top level)"
            errors.append(f"{where}: {item['msg']}")
        raise ReplyInvalid(errors) from exc
    if exact_count and len(shot_list.shots) != request.num_shots:
        raise ReplyInvalid(
            [f"expected exactly {request.num_shots} shots, got {len(shot_list.shots)}"]
        )
    return shot_list
