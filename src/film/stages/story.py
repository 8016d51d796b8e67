"""The story's stages: bible → outline → per scene (dialogue → direct → critique → breakdown)
→ assemble. Each plan reads the level above it and hands its writer only what that level may
see, so an edit redoes only what depends on it: a character's look or traits reach the
scenes that character is in, never the outline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from film.errors import InputError
from film.fsutil import file_digest
from film.scenario.contract import MAX_DESCRIPTION_CHARS, ScenarioRequest
from film.schema import format_validation_error
from film.stages.base import Run
from film.stages.table import stage
from film.story.contract import (
    BibleRequest,
    CharacterSummary,
    DialogueRequest,
    DirectRequest,
    OutlineRequest,
    ReviseRequest,
    StoryOptions,
)
from film.story.models import (
    Bible,
    Character,
    Dialogue,
    Outline,
    RevisedScene,
    Scene,
    SceneOutline,
    call_name,
    scene_text,
)

M = TypeVar("M", bound=BaseModel)
#: shots a scene gets when --shots-per-scene is not given: one per element, within these
SHOTS_PER_SCENE = (2, 8)


def read_level(path: Path, model: type[M], what: str) -> M:
    """A story file as its model; InputError naming the file when it is missing or invalid."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"no {what} at {path}",
                         hint="Run `film story -p DIR` to make it (or write it by hand).") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"{path} is not readable JSON: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{path} is not a valid {what}:\n{format_validation_error(exc)}",
                         hint="Fix the fields named above (or remove the file to make it "
                         "again).") from exc


def _path(run: Run, name: str, key: str | None = None) -> Path:
    return stage(name).path(run.project.root, key)


def story_options(run: Run) -> StoryOptions:
    story = run.options.story
    if story is None:
        raise InputError("this run has no story options",
                         hint='Start one with film story "LOG LINE" -p DIR.')
    return story


def bible_of(run: Run) -> Bible:
    return read_level(_path(run, "bible"), Bible, "story bible")


def outline_of(run: Run) -> Outline:
    return read_level(_path(run, "outline"), Outline, "outline")


def scenes_of(run: Run) -> list[SceneOutline]:
    """The outline's scenes: the items of the per-scene stages."""
    return outline_of(run).scenes


def _characters(bible: Bible, scene: SceneOutline) -> list[Character]:
    found = []
    for ref in scene.characters:
        person = bible.character(ref)
        if person is None:
            known = ", ".join(c.id for c in bible.characters)
            raise InputError(f"scene {scene.scene_id} names a character the bible does not "
                             f"have: {ref!r}", hint=f"Known ids: {known}.")
        found.append(person)
    return found


def _location(bible: Bible, scene: SceneOutline) -> Any:
    place = bible.location(scene.location)
    if place is None:
        known = ", ".join(p.id for p in bible.locations)
        raise InputError(f"scene {scene.scene_id} is set in a place the bible does not have: "
                         f"{scene.location!r}", hint=f"Known ids: {known}.")
    return place


def plan_bible(run: Run, _item: Any, _provider: Any) -> tuple[BibleRequest, dict[str, Any]]:
    story = story_options(run)
    request = BibleRequest(log_line=story.log_line, scope=story.scope, scenes=story.scenes,
                           characters=story.characters, given=story.given, style=story.style,
                           language=story.language)
    return request, request.model_dump(mode="json")


def plan_outline(run: Run, _item: Any, _provider: Any) -> tuple[OutlineRequest, dict[str, Any]]:
    """The outline sees the plot and the cast's public facts only (not looks or fears)."""
    story, bible = story_options(run), bible_of(run)
    request = OutlineRequest(
        plot=bible.plot, scope=story.scope, scenes=story.scenes, style=story.style,
        language=story.language or bible.language,
        characters=[CharacterSummary(id=c.id, name=c.name, role=c.role, goal=c.goal)
                    for c in bible.characters],
        locations=[p.model_copy(update={"visual": ""}) for p in bible.locations])
    return request, request.model_dump(mode="json")


def plan_dialogue(run: Run, scene: SceneOutline, _provider: Any
                  ) -> tuple[DialogueRequest, dict[str, Any]]:
    """Each agent sees its own bible entry, the scene, the place and the previous scene."""
    story, bible, outline = story_options(run), bible_of(run), outline_of(run)
    index = [s.scene_id for s in outline.scenes].index(scene.scene_id)
    request = DialogueRequest(
        outline=scene, characters=_characters(bible, scene), location=_location(bible, scene),
        previous=outline.scenes[index - 1] if index else None,
        position=f"scene {index + 1} of {len(outline.scenes)}, act {scene.act}",
        style=story.style, language=story.language or bible.language)
    return request, request.model_dump(
        mode="json", exclude={"characters": {"__all__": {"visual", "voice"}},
                              "location": {"visual"}})


def plan_direct(run: Run, scene: SceneOutline, _provider: Any
                ) -> tuple[DirectRequest, dict[str, Any]]:
    story, bible = story_options(run), bible_of(run)
    dialogue = read_level(_path(run, "dialogue", scene.scene_id), Dialogue, "dialogue")
    request = DirectRequest(
        outline=scene, dialogue=dialogue, location=_location(bible, scene),
        characters=[CharacterSummary(id=c.id, name=c.name, role=c.role)
                    for c in _characters(bible, scene)],
        style=story.style, language=story.language or bible.language)
    return request, request.model_dump(mode="json", exclude={"location": {"visual"}})


def plan_critique(run: Run, scene: SceneOutline, _provider: Any
                  ) -> tuple[ReviseRequest, dict[str, Any]]:
    story, bible = story_options(run), bible_of(run)
    integrated = read_level(_path(run, "direct", scene.scene_id), Scene, "scene")
    request = ReviseRequest(outline=scene, scene=integrated,
                            characters=_characters(bible, scene), rewrites=story.rewrites,
                            threshold=story.threshold, style=story.style,
                            language=story.language or bible.language)
    return request, request.model_dump(
        mode="json", exclude={"characters": {"__all__": {"visual", "voice"}}})


def plan_breakdown(run: Run, scene: SceneOutline, _provider: Any
                   ) -> tuple[ScenarioRequest, dict[str, Any]]:
    """The final scene, as prose with its lines quoted, becomes the scene's shots; the
    characters' looks are part of the description so the images can show them."""
    story, bible = story_options(run), bible_of(run)
    final = read_level(_path(run, "critique", scene.scene_id), RevisedScene, "final scene")
    low, high = SHOTS_PER_SCENE
    count = story.shots_per_scene or max(low, min(high, len(final.scene.elements)))
    looks = " ".join(f"{c.name}: {c.visual}." for c in _characters(bible, scene) if c.visual)
    place = _location(bible, scene)
    text = f"{final.scene.heading}. {place.visual or place.description} {looks} " \
           f"{scene_text(final.scene, bible)}"
    request = ScenarioRequest(description=text.strip()[:MAX_DESCRIPTION_CHARS],
                              num_shots=count, style=story.style or bible.style,
                              aspect_ratio=story.aspect_ratio,  # type: ignore[arg-type]
                              shot_duration=story.shot_duration,
                              cast=[call_name(c.name) for c in bible.characters])
    return request, request.model_dump(mode="json")


def plan_assemble(run: Run, _item: Any, _provider: Any) -> tuple[Any, dict[str, Any]]:
    """Every scene's shots and final scene, in the outline's order."""
    from film.story.assemble import AssembleRequest, SceneFiles

    story = story_options(run)
    scenes = []
    for scene in outline_of(run).scenes:
        files = SceneFiles(scene_id=scene.scene_id,
                           shots=_path(run, "breakdown", scene.scene_id),
                           final=_path(run, "critique", scene.scene_id))
        for path in (files.shots, files.final):
            if not path.is_file():
                raise InputError(f"scene {scene.scene_id} is not finished: no {path}",
                                 hint="Run `film story -p DIR` to finish it.")
        scenes.append(files)
    request = AssembleRequest(
        scenes=scenes, bible=_path(run, "bible"), outline=_path(run, "outline"),
        script=run.project.root / stage("assemble").extra_outputs[0],
        aspect_ratio=story.aspect_ratio)
    digests = [file_digest(p) for s in scenes for p in (s.shots, s.final)]
    return request, {"scenes": digests, "bible": file_digest(request.bible),
                     "outline": file_digest(request.outline), "aspect": story.aspect_ratio}
