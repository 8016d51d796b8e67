"""The shot list: pydantic models every stage reads and writes, plus JSON Schema export.

`Shot` validates the reference shot in shared/fixtures unchanged; the optional fields after it
are what later stages use (camera movement, narration, the speaker of a line, a scene id).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from film.errors import InputError

SCHEMA_VERSION = 1
MIN_SHOT_SECONDS = 0.5
MAX_SHOT_SECONDS = 30.0
MAX_SHOTS = 100
SHOT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"

ShotType = Literal[
    "extreme-wide",
    "wide",
    "establishing",
    "full",
    "medium-wide",
    "medium",
    "medium-close-up",
    "close-up",
    "extreme-close-up",
    "over-the-shoulder",
    "pov",
    "insert",
    "reaction",
    "two-shot",
    "aerial",
    "tracking",
]
SHOT_TYPES: tuple[str, ...] = ShotType.__args__  # type: ignore[attr-defined]

CameraMovement = Literal[
    "static", "push-in", "pull-out", "pan-left", "pan-right", "tilt-up", "tilt-down",
    "tracking", "handheld", "crane",
]
CAMERA_MOVEMENTS: tuple[str, ...] = CameraMovement.__args__  # type: ignore[attr-defined]

AspectRatio = Literal["16:9", "9:16", "1:1"]

_SHOT_TYPE_ALIASES = {
    "ews": "extreme-wide", "ws": "wide", "ls": "wide", "long": "wide", "long-shot": "wide",
    "wide-shot": "wide", "establishing-shot": "establishing", "ms": "medium",
    "mid": "medium", "medium-shot": "medium", "mcu": "medium-close-up", "cu": "close-up",
    "closeup": "close-up", "close": "close-up", "ecu": "extreme-close-up",
    "xcu": "extreme-close-up",
    "ots": "over-the-shoulder", "point-of-view": "pov", "insert-shot": "insert",
    "cutaway": "insert", "reaction-shot": "reaction", "2-shot": "two-shot", "full-shot": "full",
    "drone": "aerial", "birds-eye": "aerial", "tracking-shot": "tracking", "mws": "medium-wide",
}


_CORE_NULLABLE = frozenset({"dialogue", "mood", "time_of_day"})
#: landscape words that name no place (a shot's place is its first other word)
_GENERIC = frozenset({"interior", "exterior", "urban", "rural", "indoor", "outdoor", "night",
                      "day"})


def _slug(value: str) -> str:
    return re.sub(r"[\s_]+", "-", value.strip().lower())


class Shot(BaseModel):
    """One shot of the film: what to draw, how long it lasts, what is said over it."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    shot_id: str = Field(pattern=SHOT_ID_PATTERN, description="Safe file name, e.g. shot_001.")
    shot_number: int = Field(ge=1, le=10_000)
    shot_type: ShotType
    enhanced_prompt: str = Field(min_length=1, max_length=4000)
    negative_prompt: str = Field(default="", max_length=2000)
    duration: float = Field(ge=MIN_SHOT_SECONDS, le=MAX_SHOT_SECONDS, description="Seconds.")
    dialogue: str | None = Field(default=None, max_length=2000)
    characters: list[str] = Field(default_factory=list)
    landscapes: list[str] = Field(default_factory=list)
    styles: list[str] = Field(default_factory=list)
    mood: str | None = None
    time_of_day: str | None = None
    # Optional fields used by later stages and by story development.
    speaker: str | None = Field(default=None, description="Who says `dialogue`.")
    narration: str | None = Field(default=None, max_length=2000, description="Voice-over.")
    camera_movement: CameraMovement | None = None
    scene_id: str | None = Field(default=None, pattern=SHOT_ID_PATTERN)
    location: str | None = Field(default=None, max_length=80,
                                 description="The place it is set in (a location id).")
    action: str | None = Field(default=None, description="The story beat this shot shows.")
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)

    @field_validator("shot_type", mode="before")
    @classmethod
    def _normalise_shot_type(cls, value: Any) -> Any:
        if isinstance(value, str):
            slug = _slug(value)
            return _SHOT_TYPE_ALIASES.get(slug, slug)
        return value

    @field_validator("camera_movement", mode="before")
    @classmethod
    def _normalise_movement(cls, value: Any) -> Any:
        if isinstance(value, str):
            slug = _slug(value)
            return {"none": "static", "dolly-in": "push-in", "zoom-in": "push-in",
                    "dolly-out": "pull-out", "zoom-out": "pull-out", "pan": "pan-right",
                    "tilt": "tilt-up"}.get(slug, slug)
        return value

    @field_validator("enhanced_prompt")
    @classmethod
    def _prompt_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value

    @field_validator("dialogue", "narration", "speaker", "mood", "time_of_day", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @property
    def place(self) -> str:
        """The place the shot is set in, as an id: its `location`, else its first specific
        landscape word, else "scene"."""
        from film.text import slug

        if self.location:
            return slug(self.location, "place")
        words = [w for w in self.landscapes if w.strip() and w.strip().lower() not in _GENERIC]
        return slug(words[0], "place") if words else "scene"

    @property
    def spoken_text(self) -> str | None:
        """The line heard over this shot: its dialogue, else its narration."""
        return self.dialogue or self.narration

    @property
    def voice_role(self) -> str:
        """Who speaks `spoken_text`: the speaker, the first character, or the narrator."""
        if self.dialogue:
            if self.speaker:
                return self.speaker
            if self.characters:
                return self.characters[0]
        return "narrator"


class Usage(BaseModel):
    """Tokens and money one LLM generation used."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    cost_source: Literal["provider", "price-table", "none"] = "none"


class ShotList(BaseModel):
    """A film's shot list: the scenario stage's output and every film stage's input."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    schema_version: int = SCHEMA_VERSION
    title: str = "Untitled"
    description: str = ""
    style: str | None = None
    mood: str | None = None
    aspect_ratio: AspectRatio = "16:9"
    model: str = "offline"
    usage: Usage = Field(default_factory=Usage)
    voices: dict[str, str] = Field(
        default_factory=dict, description="Optional voice per character (or 'narrator')."
    )
    language: str | None = Field(
        default=None, max_length=16,
        description="The language of the dialogue and narration (e.g. zh, fr); prompts stay "
        "English. A line in another script is spoken and drawn in its own language.")
    shots: list[Shot] = Field(min_length=1, max_length=MAX_SHOTS)

    @field_validator("language", mode="before")
    @classmethod
    def _language_code(cls, value: Any) -> Any:
        from film.lang import check_language

        return check_language(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _unique_ids(self) -> ShotList:
        seen: set[str] = set()
        for shot in self.shots:
            if shot.shot_id in seen:
                raise ValueError(f"duplicate shot_id {shot.shot_id!r}")
            seen.add(shot.shot_id)
        return self

    @property
    def total_duration(self) -> float:
        return sum(shot.duration for shot in self.shots)

    def speaking_roles(self) -> list[str]:
        """Every role that speaks, in order of first line (the narrator included)."""
        roles: list[str] = []
        for shot in self.shots:
            if shot.spoken_text and shot.voice_role not in roles:
                roles.append(shot.voice_role)
        return roles

    def to_json(self) -> str:
        """shots.json text: the reference fields always (null included), optional ones if set."""
        data = self.model_dump(mode="json")
        if data.get("language") is None:
            data.pop("language", None)
        for shot in data["shots"]:
            for key in [k for k, v in shot.items() if v is None and k not in _CORE_NULLABLE]:
                del shot[key]
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def shot(self, shot_id: str) -> Shot:
        for shot in self.shots:
            if shot.shot_id == shot_id:
                return shot
        raise InputError(
            f"no shot {shot_id!r} in this shot list",
            hint="Shot ids: " + ", ".join(s.shot_id for s in self.shots),
        )


def shot_list_json_schema() -> dict[str, Any]:
    """The JSON Schema of a shots.json file."""
    return ShotList.model_json_schema()


def format_validation_error(error: ValidationError, limit: int = 8) -> str:
    """A short, readable list of what is wrong, one line per problem."""
    lines = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        lines.append(f"  {where}: {item['msg']}")
    more = len(error.errors()) - limit
    if more > 0:
        lines.append(f"  ... and {more} more")
    return "\n".join(lines)


def parse_shot_list(data: Any, source: str = "shot list") -> ShotList:
    """Validate decoded JSON (a ShotList object, or a bare list of shots) into a ShotList."""
    if isinstance(data, list):
        data = {"shots": data}
    elif isinstance(data, dict) and "shots" not in data and "shot_id" in data:
        data = {"shots": [data]}
    try:
        return ShotList.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            f"{source} is not a valid shot list:\n{format_validation_error(exc)}",
            hint="`film schema` prints the expected JSON Schema.",
        ) from exc


def load_shot_list(path: str | Path) -> ShotList:
    """Read and validate a shots.json file; every failure is an InputError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"shots file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read shots file {path}: {exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path} is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    return parse_shot_list(data, source=str(path))
