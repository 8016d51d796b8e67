"""What each story level asks its writer for, and the shape of a story writer.

A story writer (the offline engine, or an LLM through film.story.agents) makes one level's
file per call; the engine calls the method the stage table names and hands it a temporary
path. Each request carries only what that level may see (Dramatron's rule): a character
agent sees its own bible entry, the scene's outline and the previous scene's outline, never
the other characters' private goals.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from film.providers.contract import JobContext, MediaResult, Provider
from film.story.models import Bible, Character, Dialogue, Location, Plot, Scene, SceneOutline, Scope

#: scenes per scope when --scenes is not given
DEFAULT_SCENES: dict[str, int] = {"scene": 1, "multi": 3, "full": 5}
#: the mean dramaturge score (1-5) a scene must reach to need no rewrite
PASS_SCORE = 3.5


class StoryOptions(BaseModel):
    """What `film story` is told; a project remembers it, so `film story -p DIR` continues."""

    log_line: str = Field(min_length=1, max_length=2000)
    scope: Scope = "multi"
    scenes: int = Field(default=3, ge=1, le=40)
    characters: int = Field(default=3, ge=1, le=12)
    rewrites: int = Field(default=1, ge=0, le=5)
    threshold: float = Field(default=PASS_SCORE, ge=1, le=5, allow_inf_nan=False)
    style: str | None = None
    language: str | None = None
    #: bible entries the user wrote (--bible FILE)
    given: dict[str, Any] = Field(default_factory=dict)
    #: shots per scene (None: one per element of the scene, 2 to 8)
    shots_per_scene: int | None = Field(default=None, ge=1, le=30)
    shot_duration: float = Field(default=4.0, ge=0.5, le=30, allow_inf_nan=False)
    aspect_ratio: str = "16:9"


class _Request(BaseModel):
    language: str | None = None
    style: str | None = None


class BibleRequest(_Request):
    """Make the bible: title, theme, acts, characters, locations, from the log line."""

    log_line: str = Field(min_length=1, max_length=2000)
    scope: Scope = "multi"
    scenes: int = Field(default=3, ge=1, le=40)
    characters: int = Field(default=3, ge=1, le=12)
    #: entries the user wrote (--bible FILE): kept as they are, the rest is filled in
    given: dict[str, Any] = Field(default_factory=dict)


class CharacterSummary(BaseModel):
    """What the outline may know of a character: public facts only."""

    id: str
    name: str
    role: str = ""
    goal: str = ""


class OutlineRequest(_Request):
    """Make the scene list from the plot, the cast and the places."""

    plot: Plot
    characters: list[CharacterSummary]
    locations: list[Location]
    scope: Scope = "multi"
    scenes: int = Field(default=3, ge=1, le=40)


class DialogueRequest(_Request):
    """One scene's lines, one character agent per speaking character."""

    outline: SceneOutline
    characters: list[Character]
    location: Location
    previous: SceneOutline | None = None
    #: the scene's place in the story ("scene 2 of 5, act 1")
    position: str = ""


class DirectRequest(_Request):
    """The director's integration of the lines into one scene."""

    outline: SceneOutline
    dialogue: Dialogue
    location: Location
    characters: list[CharacterSummary]


class ReviseRequest(_Request):
    """The dramaturge's critique, then targeted patches, until the scene passes."""

    outline: SceneOutline
    scene: Scene
    characters: list[Character]
    rewrites: int = Field(default=1, ge=0, le=5)
    threshold: float = Field(default=PASS_SCORE, ge=1, le=5, allow_inf_nan=False)


class StoryWriter(Provider):
    """Writes the story's levels. The methods are named by film.stages.table."""

    kind = "story"
    remote = False

    @abstractmethod
    async def write_bible(self, request: BibleRequest, out: Path, ctx: JobContext
                          ) -> MediaResult:
        """Write a Bible as JSON to `out`."""

    @abstractmethod
    async def write_outline(self, request: OutlineRequest, out: Path, ctx: JobContext
                            ) -> MediaResult:
        """Write an Outline as JSON to `out`."""

    @abstractmethod
    async def write_dialogue(self, request: DialogueRequest, out: Path, ctx: JobContext
                             ) -> MediaResult:
        """Write the scene's Dialogue as JSON to `out`."""

    @abstractmethod
    async def direct_scene(self, request: DirectRequest, out: Path, ctx: JobContext
                           ) -> MediaResult:
        """Write the integrated Scene as JSON to `out`."""

    @abstractmethod
    async def revise_scene(self, request: ReviseRequest, out: Path, ctx: JobContext
                           ) -> MediaResult:
        """Write the RevisedScene (critiques, patches, the final scene) as JSON to `out`."""

    async def aclose(self) -> None:
        """Release the writer's resources."""


def write_model(out: Path, model: BaseModel) -> None:
    """A level's file: the model as indented UTF-8 JSON."""
    out.write_text(model.model_dump_json(indent=2, exclude_none=False) + "\n", encoding="utf-8")


def bible_for(given: dict[str, Any] | Bible) -> Bible:
    """A Bible from a model or its JSON data."""
    return given if isinstance(given, Bible) else Bible.model_validate(given)
