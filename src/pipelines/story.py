"""The story layer from Python, with the names of the system film follows (a thin layer over
`film story`: the same stages, files, cache and budget).

    from pipelines.story import GenerationConfig, GenerationScope, WorkflowController

    controller = WorkflowController("case")               # a project folder
    mara = controller.bible_storage.create_entry("character", {
        "name": "Mara", "backstory": "A keeper for twenty years.", "traits": ["stubborn"]})
    config = GenerationConfig(scope=GenerationScope.MULTI_SCENE, character_count=3,
                              scene_count=5, use_existing_bibles=True, auto_rewrite=True,
                              rewrite_iterations=1)
    script = controller.generate_script("A keeper must relight the lamp before the storm.",
                                        config, existing_bibles={"character": [mara]})
    for scene in script["scenes"]:
        print(scene["scene_id"], scene["outline"]["beat"], scene["integrated_scene"]["heading"])
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from film.build.engine import Engine
from film.build.runner import build_options
from film.config import Settings, get_settings
from film.events import EventSink, QuietSink
from film.project import Project
from film.stages.table import STORY_STAGES, stage
from film.story.bible import BibleStorage
from film.story.contract import StoryOptions

__all__ = ["BibleStorage", "GenerationConfig", "GenerationScope", "WorkflowController"]


class GenerationScope(Enum):
    """How much story to write: one scene, several scenes, or a full script with acts."""

    SINGLE_SCENE = "scene"
    MULTI_SCENE = "multi"
    FULL_SCRIPT = "full"


@dataclass
class GenerationConfig:
    """What to generate (the seed's names and defaults)."""

    scope: GenerationScope = GenerationScope.SINGLE_SCENE
    character_count: int = 2
    scene_count: int = 1
    use_existing_bibles: bool = False
    auto_rewrite: bool = False
    rewrite_iterations: int = 1
    parallel_generation: bool = True
    optimize_llm_calls: bool = True
    #: beyond the seed: the model (None: the default), the style and the spoken language
    model: str | None = None
    style: str | None = None
    language: str | None = None
    #: also make each scene's shots and the film's shots.json and script.fountain
    shots: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class WorkflowController:
    """Runs the story's levels over one project folder."""

    def __init__(self, project_dir: str | Path, *, settings: Settings | None = None,
                 sink: EventSink | None = None) -> None:
        self.project = Project.at(project_dir)
        self.settings = settings or get_settings()
        self.sink = sink or QuietSink()
        self.bible_storage = BibleStorage(self.project.root / "story")

    def generate_script(self, log_line: str, config: GenerationConfig | None = None,
                        existing_bibles: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """Develop the story (blocking); returns {title, scenes, llm_calls, tokens_used,
        stats} with each scene's outline, integrated scene and last critique."""
        return asyncio.run(self.agenerate_script(log_line, config, existing_bibles))

    async def agenerate_script(self, log_line: str, config: GenerationConfig | None = None,
                               existing_bibles: dict[str, list[str]] | None = None
                               ) -> dict[str, Any]:
        """`generate_script` for code that already runs an event loop."""
        config = config or GenerationConfig()
        given = self.bible_storage.given_entries(existing_bibles or {}) \
            if config.use_existing_bibles else {}
        story = StoryOptions(
            log_line=log_line, scope=config.scope.value, scenes=config.scene_count,
            characters=config.character_count,
            rewrites=config.rewrite_iterations if config.auto_rewrite else 0,
            style=config.style, language=config.language, given=given, **config.extra)
        stages = STORY_STAGES if config.shots else STORY_STAGES[:STORY_STAGES.index(
            "critique") + 1]
        provider_options = {} if config.optimize_llm_calls else {
            name: {"use_cache": False} for name in stages if stage(name).dest == "model"}
        options = build_options(
            self.settings, self.project, stages=stages, story=story, model=config.model,
            concurrency=None if config.parallel_generation else 1,
            provider_options=provider_options,
            refresh=frozenset() if config.optimize_llm_calls else frozenset(stages))
        self.bible_storage.sync()
        summary = await Engine(self.project, None, options, self.settings, self.sink).run()
        self.bible_storage.sync()
        return self._script(summary.as_dict(), config)

    def _script(self, summary: dict[str, Any], config: GenerationConfig) -> dict[str, Any]:
        root = self.project.root
        bible = json.loads(stage("bible").path(root).read_text(encoding="utf-8"))
        outline = json.loads(stage("outline").path(root).read_text(encoding="utf-8"))
        scenes = []
        for card in outline["scenes"]:
            final = json.loads(stage("critique").path(root, card["scene_id"]).read_text(
                encoding="utf-8"))
            scenes.append({"scene_id": card["scene_id"], "act": card["act"], "outline": {
                **card, "description": card["beat"]}, "integrated_scene": final["scene"],
                "critique": final["revisions"][-1]["critique"] if final["revisions"] else None,
                "revisions": final["revisions"]})
        llm = summary.get("llm") or {}
        result: dict[str, Any] = {
            "title": bible["plot"]["title"], "scenes": scenes,
            "llm_calls": llm.get("calls", 0),
            "tokens_used": llm.get("prompt_tokens", 0) + llm.get("completion_tokens", 0),
            "stats": {"duration": summary["seconds"], "cost_usd": summary["cost_usd"],
                      "cache_hits": llm.get("cache_hits", 0),
                      "per_scene": summary.get("llm_per_scene", {})},
            "bible": bible, "project": str(root),
        }
        if config.scope is GenerationScope.FULL_SCRIPT:
            result["act_structure"] = f"{len(bible['plot']['acts'])}-act"
            result["acts"] = bible["plot"]["acts"]
        return result
