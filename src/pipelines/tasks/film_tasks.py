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

from film.config import Settings, get_settings
from film.events import EventSink, QuietSink
from film.pipeline import Engine, RunSummary
from film.project import Project
from film.providers.base import ScenarioRequest, ScenarioResult
from film.runner import adopt_shots, build_options, preflight
from film.stages.scenario import generate_scenario, read_description, write_shot_list


class ScenarioGenerationTask:
    """Generate shot lists with one model, sharing one HTTP client across calls."""

    def __init__(self, model: str | None = None, *, settings: Settings | None = None,
                 use_cache: bool = True, stream: bool = False) -> None:
        self.settings = settings or get_settings()
        self.model = model or self.settings.default_scenario_model()
        self.use_cache = use_cache
        self.stream = stream
        self._client: Any = None

    async def __aenter__(self) -> ScenarioGenerationTask:
        from film.providers.http import make_client

        self._client = make_client(self.settings.film_http_timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def generate_from_description(
        self, description: str, num_shots: int = 5, style: str | None = None,
        mood: str | None = None, aspect_ratio: str = "16:9", shot_duration: float = 5.0,
    ) -> ScenarioResult:
        """A validated shot list (`.shots`, `.usage`, `.cost_usd`) for the description."""
        request = ScenarioRequest(
            description=read_description(description, None), num_shots=num_shots, style=style,
            mood=mood, aspect_ratio=aspect_ratio, shot_duration=shot_duration,  # type: ignore[arg-type]
        )
        return await generate_scenario(request, self.model, self.settings, stream=self.stream,
                                       use_cache=self.use_cache, client=self._client)


async def generate_scenario_to_shots(
    description: str, output_path: str | Path = "shots.json", *, model: str | None = None,
    num_shots: int = 5, style: str | None = None, mood: str | None = None,
    aspect_ratio: str = "16:9",
) -> tuple[ScenarioResult, Path]:
    """Generate a shot list and write it (atomically) to `output_path`."""
    async with ScenarioGenerationTask(model=model) as task:
        result = await task.generate_from_description(
            description, num_shots=num_shots, style=style, mood=mood, aspect_ratio=aspect_ratio)
    return result, write_shot_list(result, output_path)


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
        shot_list = adopt_shots(self.project, Path(shots_path) if shots_path else None)
        options = build_options(self.settings, self.project, **self.options)
        preflight(options, self.settings)
        return await Engine(self.project, shot_list, options, self.settings, self.sink).run()


async def generate_film(shots_path: str | Path, output_dir: str | Path,
                        **options: Any) -> RunSummary:
    """Make final.mp4 in `output_dir` from a shots.json. Providers default as on the command
    line: what the project used, else the remote one whose key is set, else offline."""
    return await FilmGenerationTask(output_dir, **options).run(shots_path)
