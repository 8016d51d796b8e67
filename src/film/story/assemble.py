"""The last story level: every scene's shots become the film's shots.json (each shot carries
its scene_id and an id that names its scene), the script becomes story/script.fountain, and
story/index.json says which scenes each character and location appears in."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from film.fsutil import atomic_write_json, atomic_write_text
from film.providers.contract import JobContext, MediaResult, Provider
from film.schema import ShotList, load_shot_list
from film.story.bible import appearances
from film.story.fountain import render_script
from film.story.models import Bible, Outline, RevisedScene, call_name


class SceneFiles(BaseModel):
    scene_id: str
    shots: Path
    final: Path


class AssembleRequest(BaseModel):
    scenes: list[SceneFiles]
    bible: Path
    outline: Path
    #: where the Fountain script goes (beside it: index.json)
    script: Path
    aspect_ratio: str = "16:9"


def _load(path: Path, model: type[BaseModel]) -> Any:
    return model.model_validate(json.loads(path.read_text(encoding="utf-8")))


def merge_shots(bible: Bible, scenes: list[tuple[str, ShotList]], aspect: str,
                outline: Outline | None = None) -> ShotList:
    """One shot list of every scene's shots, numbered through, ids prefixed by the scene."""
    shots = []
    places = {s.scene_id: s.location for s in outline.scenes} if outline else {}
    for scene_id, shot_list in scenes:
        for shot in shot_list.shots:
            shots.append(shot.model_copy(update={
                "shot_id": f"{scene_id}_{shot.shot_id}", "shot_number": len(shots) + 1,
                "scene_id": scene_id, "location": places.get(scene_id) or shot.location}))
    voices = {call_name(c.name): c.voice for c in bible.characters if c.voice}
    return ShotList(title=bible.plot.title, description=bible.plot.log_line,
                    style=bible.style, aspect_ratio=aspect,  # type: ignore[arg-type]
                    voices=voices, shots=shots, model="story",
                    language=bible.language)


class StoryAssembler(Provider):
    """Local and free: merges the scenes' shots and renders the script."""

    kind = "assemble"
    remote = False

    async def assemble(self, request: AssembleRequest, out: Path, ctx: JobContext
                       ) -> MediaResult:
        bible: Bible = _load(request.bible, Bible)
        outline: Outline = _load(request.outline, Outline)
        scenes = [(s.scene_id, load_shot_list(s.shots)) for s in request.scenes]
        finals = {s.scene_id: _load(s.final, RevisedScene).scene for s in request.scenes}
        merged = merge_shots(bible, scenes, request.aspect_ratio, outline)
        out.write_text(merged.to_json(), encoding="utf-8")
        atomic_write_text(request.script, render_script(bible, outline, finals))
        index = {"title": bible.plot.title, "scenes": [s.scene_id for s in request.scenes],
                 "appearances": appearances(outline)}
        atomic_write_json(request.script.with_name("index.json"), index)
        return MediaResult(meta={"scenes": len(scenes), "shots": len(merged.shots),
                                 "duration": merged.total_duration})
