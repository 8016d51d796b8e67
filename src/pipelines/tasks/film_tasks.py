"""The Python API, for scripts and notebooks.

    async with ScenarioGenerationTask(model="claude-3-haiku") as task:
        result = await task.generate_from_description(
            description="A detective enters his dimly lit office on a rainy night.",
            num_shots=5, style="noir")
    print(result.cost_usd, [s.shot_type for s in result.shots])

    summary = await generate_film("shots.json", "myfilm")   # images → video → speech → compose
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.build.engine import Engine
from film.build.runner import build_options, with_shots_file
from film.build.summary import RunSummary
from film.config import Settings, get_settings
from film.events import EventSink, QuietSink
from film.project import Project
from film.scenario.contract import ScenarioRequest, ScenarioResult
from film.stages.scenario import generate_scenario, read_description
from film.stages.table import MEDIA_STAGES


class ScenarioGenerationTask:
    """Generate shot lists with one model, sharing one HTTP client across calls."""

    def __init__(self, model: str | None = None, *, settings: Settings | None = None,
                 use_cache: bool = True, stream: bool = False) -> None:
        self.settings = settings or get_settings()
        from film.build.runner import provider_default

        self.model = model or provider_default("scenario", self.settings)
        self.use_cache = use_cache
        self.stream = stream
        self._client: Any = None

    async def __aenter__(self) -> ScenarioGenerationTask:
        from film.vendors.http import make_client

        self._client = make_client(self.settings.film_http_timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def generate_from_description(
        self, description: str, num_shots: int = 5, style: str | None = None,
        mood: str | None = None, aspect_ratio: str = "16:9", shot_duration: float = 5.0,
        language: str | None = None,
    ) -> ScenarioResult:
        """A validated shot list (`.shots`, `.usage`, `.cost_usd`) for the description."""
        request = ScenarioRequest(
            description=read_description(description, None), num_shots=num_shots, style=style,
            mood=mood, aspect_ratio=aspect_ratio, shot_duration=shot_duration,  # type: ignore[arg-type]
            language=language,
        )
        return await generate_scenario(request, self.model, self.settings, stream=self.stream,
                                       use_cache=self.use_cache, client=self._client)


async def generate_scenario_to_shots(
    description: str, output_path: str | Path = "shots.json", *, model: str | None = None,
    num_shots: int = 5, style: str | None = None, mood: str | None = None,
    aspect_ratio: str = "16:9", overwrite: bool = False, language: str | None = None,
) -> tuple[ScenarioResult, Path]:
    """Generate a shot list and write it to `output_path` (an existing file is replaced only
    with `overwrite`)."""
    from film.build.runner import provider_default

    settings = get_settings()
    request = ScenarioRequest(description=read_description(description, None),
                              num_shots=num_shots, style=style, mood=mood,
                              aspect_ratio=aspect_ratio, language=language)  # type: ignore[arg-type]
    path = Path(output_path)
    path = path / "shots.json" if path.is_dir() else path
    options = build_options(
        settings, None, stages=("scenario",), scenario=request,
        model=model or provider_default("scenario", settings), outputs={"scenario": path},
        force=frozenset({("film", "scenario")}) if overwrite else frozenset())
    engine = Engine(Project.at(path.parent, record=False), None, options, settings)
    summary = await engine.run()
    shot_list = engine.shot_list
    llm = summary.llm
    result = ScenarioResult(shot_list=shot_list, usage=shot_list.usage,
                            model=llm.get("model", shot_list.model),
                            seconds=llm.get("latency_s", 0.0),
                            repaired=bool(llm.get("repaired")), cached=bool(llm.get("cache_hit")),
                            notes=list(llm.get("notes", [])))
    return result, path


class FilmGenerationTask:
    """Run the film stages over a project folder from Python."""

    def __init__(self, output_dir: str | Path, *, settings: Settings | None = None,
                 sink: EventSink | None = None, **options: Any) -> None:
        self.project = Project.at(output_dir)
        self.settings = settings or get_settings()
        self.sink = sink or QuietSink()
        self.options = options

    async def run(self, shots_path: str | Path | None = None) -> RunSummary:
        """images → video → speech → compose; returns the run summary."""
        stages, given = with_shots_file(MEDIA_STAGES, self.options,
                                        Path(shots_path) if shots_path else None)
        options = build_options(self.settings, self.project, stages=stages, **given)
        return await Engine(self.project, None, options, self.settings, self.sink).run()


async def generate_film(shots_path: str | Path, output_dir: str | Path,
                        **options: Any) -> RunSummary:
    """Make final.mp4 in `output_dir` from a shots.json. Providers default as on the command
    line: what the project used, else the remote one whose key is set, else offline."""
    return await FilmGenerationTask(output_dir, **options).run(shots_path)
