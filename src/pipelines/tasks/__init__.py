"""Task-style Python API (see film_tasks)."""

from pipelines.tasks.film_tasks import (
    FilmGenerationTask,
    ScenarioGenerationTask,
    generate_film,
    generate_scenario_to_shots,
)

__all__ = ["FilmGenerationTask", "ScenarioGenerationTask", "generate_film",
           "generate_scenario_to_shots"]
