"""The story's files, as pydantic models: the bible, the outline, and each scene's levels.

    story/bible.json                 Bible: plot (title, log line, theme, acts with beats),
                                     characters, locations (each with a stable id)
    story/outline.json               Outline: the scenes (place, who is there, beat, goal,
                                     conflict, outcome, act)
    story/scenes/<id>/dialogue.json  Dialogue: each character agent's lines
    story/scenes/<id>/scene.json     Scene: the director's integration (elements with ids)
    story/scenes/<id>/final.json     Revision: the critiques, the patches, the final scene
    story/scenes/<id>/shots.json     the scene's shot list (film.schema.ShotList)
    story/bible.history.json         every version of every bible entry

Every model allows extra fields, so a person may add notes anywhere.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from film.text import call_name, slug

STORY_SCHEMA_VERSION = 1
ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,47}$"
Severity = Literal["critical", "warning", "info"]
Scope = Literal["scene", "multi", "full"]
SCORE_NAMES = ("clarity", "pacing", "character_consistency", "conflict")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)


class Character(_Model):
    """A character's bible entry: who they are, how they talk, how they look."""

    id: str = Field(default="", description="Stable id (from the name when empty).")
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(default="supporting", description="protagonist, antagonist, ...")
    backstory: str = ""
    traits: list[str] = Field(default_factory=list)
    goal: str = Field(default="", description="What they want.")
    fear: str = ""
    speaking_style: str = ""
    visual: str = Field(default="", description="How they look, for the images.")
    voice: str | None = Field(default=None, description="A TTS voice for their lines.")
    #: other character id -> how they relate ("sister", "rival", ...)
    relationships: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _id(self) -> Character:
        self.id = self.id or slug(self.name, "character")
        return self


class Location(_Model):
    """A place the story visits."""

    id: str = ""
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    visual: str = Field(default="", description="A fixed view of the place, for the images.")
    interior: bool = True

    @model_validator(mode="after")
    def _id(self) -> Location:
        self.id = self.id or slug(self.name, "place")
        return self


class Beat(_Model):
    name: str
    summary: str = ""


class Act(_Model):
    number: int = Field(ge=1, le=9)
    name: str = ""
    beats: list[Beat] = Field(default_factory=list)


class Plot(_Model):
    title: str = Field(min_length=1, max_length=120)
    log_line: str = Field(min_length=1, max_length=2000)
    theme: str = ""
    acts: list[Act] = Field(default_factory=list)


class Bible(_Model):
    """story/bible.json: the plot, the characters and the locations."""

    schema_version: int = STORY_SCHEMA_VERSION
    language: str | None = None
    style: str | None = None
    plot: Plot
    characters: list[Character] = Field(min_length=1, max_length=12)
    locations: list[Location] = Field(min_length=1, max_length=20)

    @model_validator(mode="after")
    def _unique(self) -> Bible:
        for kind, items in (("character", self.characters), ("location", self.locations)):
            ids = [item.id for item in items]
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"two {kind}s share the id {dupes[0]!r}: give one another name "
                                 "or an explicit id")
        return self

    def character(self, ref: str) -> Character | None:
        """The character with this id or name (case-insensitive), or None."""
        key = ref.strip().lower()
        return next((c for c in self.characters
                     if c.id == key or c.name.lower() == key or slug(c.name) == key), None)

    def location(self, ref: str) -> Location | None:
        key = ref.strip().lower()
        return next((p for p in self.locations
                     if p.id == key or p.name.lower() == key or slug(p.name) == key), None)


class SceneOutline(_Model):
    """One scene of the outline: where, who, and what must happen."""

    scene_id: str = Field(pattern=r"^s[0-9]{2,3}$", description="s01, s02, ...")
    act: int = Field(default=1, ge=1, le=9)
    location: str = Field(description="A location id of the bible.")
    time: str = Field(default="DAY", max_length=30)
    characters: list[str] = Field(min_length=1, description="Character ids present.")
    beat: str = Field(min_length=1, description="What happens, in a sentence or two.")
    goal: str = ""
    conflict: str = ""
    outcome: str = ""

    @field_validator("time")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class Outline(_Model):
    """story/outline.json: the scenes in order."""

    scenes: list[SceneOutline] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _unique(self) -> Outline:
        ids = [s.scene_id for s in self.scenes]
        if len(set(ids)) != len(ids):
            raise ValueError("two scenes share a scene_id")
        return self

    def scene(self, scene_id: str) -> SceneOutline:
        return next(s for s in self.scenes if s.scene_id == scene_id)


class Line(_Model):
    """One line a character agent wrote."""

    id: str = ""
    character: str
    parenthetical: str | None = None
    text: str = Field(min_length=1, max_length=600)
    intent: str = ""


class Dialogue(_Model):
    """story/scenes/<id>/dialogue.json: every character agent's lines for the scene."""

    scene_id: str
    lines: list[Line] = Field(default_factory=list)


ElementType = Literal["action", "dialogue", "transition"]


class Element(_Model):
    """One element of an integrated scene; ids let a critique and a patch address it."""

    id: str
    type: ElementType
    character: str | None = None
    parenthetical: str | None = None
    text: str = Field(min_length=1, max_length=1200)

    @model_validator(mode="after")
    def _speaker(self) -> Element:
        if self.type == "dialogue" and not self.character:
            raise ValueError("a dialogue element needs its character")
        return self


class Scene(_Model):
    """story/scenes/<id>/scene.json: the scene as the director integrated it."""

    scene_id: str
    heading: str = Field(description="INT. LIGHTHOUSE KITCHEN - NIGHT")
    elements: list[Element] = Field(min_length=1, max_length=120)
    summary: str = ""

    @model_validator(mode="after")
    def _unique(self) -> Scene:
        ids = [e.id for e in self.elements]
        if len(set(ids)) != len(ids):
            raise ValueError("two elements share an id")
        return self


class Scores(_Model):
    """1 (absent) to 5 (professional)."""

    clarity: int = Field(ge=1, le=5)
    pacing: int = Field(ge=1, le=5)
    character_consistency: int = Field(ge=1, le=5)
    conflict: int = Field(ge=1, le=5)

    @property
    def mean(self) -> float:
        return sum(getattr(self, name) for name in SCORE_NAMES) / len(SCORE_NAMES)


class Issue(_Model):
    id: str
    severity: Severity
    category: str = "general"
    target: str | None = Field(default=None, description="The element id it is about.")
    problem: str
    suggestion: str = ""


class Critique(_Model):
    """The dramaturge's verdict on one version of a scene."""

    scene_id: str
    scores: Scores
    issues: list[Issue] = Field(default_factory=list)
    summary: str = ""

    def has_issues(self) -> bool:
        """Whether something critical or a warning is left (info notes do not count)."""
        return any(issue.severity in ("critical", "warning") for issue in self.issues)

    def passes(self, threshold: float) -> bool:
        return not any(i.severity == "critical" for i in self.issues) \
            and self.scores.mean >= threshold

    def generate_rewrite_instructions(self) -> str:
        """The issues to fix, one per line, for the reviser."""
        return "\n".join(
            f"- [{i.severity}] {i.target or 'scene'}: {i.problem} {i.suggestion}".rstrip()
            for i in self.issues if i.severity != "info")


PatchKind = Literal["replace", "insert_after", "delete"]


class PatchOp(_Model):
    """One targeted change to a scene: replace a field of an element, insert one after an
    element, or delete one."""

    op: PatchKind
    id: str = Field(description="The element it applies to.")
    field: Literal["text", "parenthetical", "character"] = "text"
    value: str | None = None
    element: Element | None = None


class Patch(_Model):
    """The reviser's answer to a critique: operations on element ids, never a new scene."""

    resolves: list[str] = Field(default_factory=list)
    ops: list[PatchOp] = Field(default_factory=list, max_length=40)


class Revision(_Model):
    iteration: int
    critique: Critique
    patch: Patch | None = None


class RevisedScene(_Model):
    """story/scenes/<id>/final.json: the scene after critique and rewrites, with the history."""

    scene_id: str
    scene: Scene
    revisions: list[Revision] = Field(default_factory=list)
    passed: bool = False
    threshold: float = 3.5


def apply_patch(scene: Scene, patch: Patch, characters: set[str]) -> tuple[Scene, list[str]]:
    """`scene` with the patch's operations applied in order; an operation that names an
    unknown element or character is skipped and reported (never the whole patch)."""
    elements = [e.model_copy() for e in scene.elements]
    skipped: list[str] = []
    for op in patch.ops:
        index = next((i for i, e in enumerate(elements) if e.id == op.id), None)
        if index is None:
            skipped.append(f"{op.op} {op.id}: no such element")
            continue
        if op.op == "delete":
            if len(elements) > 1:
                elements.pop(index)
            continue
        if op.op == "replace":
            if op.value is None or (op.field == "text" and not op.value.strip()):
                skipped.append(f"replace {op.id}: no value")
                continue
            if op.field == "character" and op.value not in characters:
                skipped.append(f"replace {op.id}: unknown character {op.value}")
                continue
            elements[index] = elements[index].model_copy(update={op.field: op.value})
            continue
        new = op.element
        if new is None or (new.type == "dialogue" and new.character not in characters):
            skipped.append(f"insert_after {op.id}: no usable element")
            continue
        taken = {e.id for e in elements}
        if new.id in taken:
            new = new.model_copy(update={"id": _free_id(new.id, taken)})
        elements.insert(index + 1, new)
    return scene.model_copy(update={"elements": elements}), skipped


def _free_id(base: str, taken: set[str]) -> str:
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def scene_text(scene: Scene, bible: Bible | None = None) -> str:
    """The scene as prose a shot planner reads: action as sentences, lines as quotes with
    their speaker ("Mara says, "..."")."""
    parts = []
    for element in scene.elements:
        if element.type == "dialogue":
            who = element.character or ""
            if bible is not None and (person := bible.character(who)) is not None:
                who = call_name(person.name)
            parts.append(f'{who} says, "{element.text}"')
        elif element.type == "action":
            parts.append(element.text)
    return " ".join(parts)


def json_schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema an LLM's reply must follow for `model`."""
    return model.model_json_schema()
