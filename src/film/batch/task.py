"""One film of a batch, in this process or as a task on a Dask worker: its run options from
its row and the batch's, its engine, its run, and how it ended."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path
from typing import Any

from film.batch.engine import BatchEngine, Shared
from film.batch.jobs import FilmJob, parse_size
from film.batch.spec import CHOICES, FilmOutcome, FilmSpec
from film.config import Settings
from film.errors import FilmError
from film.events import EventSink, QuietSink
from film.fsutil import atomic_write_text
from film.project import Project
from film.stages.options import RunOptions


def shots_copy(project: Project) -> Path:
    """Where a film started from a shots file keeps the row's copy of it."""
    return project.work_dir / "job-shots.json"


def film_options(spec: FilmSpec, settings: Settings, project: Project) -> RunOptions:
    """The film's run options: its row's over the batch's over what its project remembers
    over the settings' defaults."""
    from film.build.runner import build_options, with_shots_file
    from film.stages.table import MEDIA_STAGES, STAGES, STORY_STAGES

    job = FilmJob.model_validate(spec.job)
    batch = spec.options
    given: dict[str, Any] = {name: getattr(job, name) or batch.providers.get(name)
                             for name in CHOICES}
    given.update(max_cost=batch.max_cost, on_error=batch.on_error,
                 concurrency=batch.concurrency,
                 resolution=parse_size(job.resolution) if job.resolution else batch.resolution)
    media = batch.stages or MEDIA_STAGES
    llm = {st.name: {"stream": False, "use_cache": True} for st in STAGES if st.dest == "model"}
    if job.description is not None:
        from film.scenario.contract import ScenarioRequest

        fields = ("num_shots", "style", "mood", "aspect_ratio", "shot_duration")
        given["scenario"] = ScenarioRequest(description=job.description, **_set(job, fields))
        given["provider_options"] = llm
        stages: tuple[str, ...] = ("scenario", *media)
    elif job.log_line is not None:
        given["story"] = _story(job)
        given["provider_options"] = llm
        stages = (*STORY_STAGES, *media)
    else:
        stages, given = with_shots_file(media, given, shots_copy(project))
    if job.takes:
        given["takes"] = {"images": job.takes}
    if job.workflow:
        stages, given = _follow(job.workflow, stages, given)
    return build_options(settings, project, stages=stages, **given)


def _follow(spec: str, stages: tuple[str, ...], given: dict[str, Any]
            ) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The row's workflow: its stages in place of the film chain's, its steps' options."""
    from film.build.workflows import load_workflow, workflow_options
    from film.stages.table import MEDIA_STAGES

    workflow = load_workflow(spec)
    given = workflow_options(workflow, spec, given, _review)
    return (*(s for s in stages if s not in MEDIA_STAGES), *workflow.stages), given


def _review(run: Any) -> None:
    """A workflow's review step in a batch: the film's review.html and contact.png."""
    from film.build.review import write_review

    write_review(run.project, run.settings)


def _set(job: FilmJob, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(job, name) for name in fields if getattr(job, name) is not None}


def _story(job: FilmJob) -> Any:
    from film.story.contract import DEFAULT_SCENES, StoryOptions

    values = _set(job, ("scope", "scenes", "characters", "shots_per_scene", "style",
                        "language", "shot_duration", "aspect_ratio"))
    if "scope" in values and "scenes" not in values:
        values["scenes"] = DEFAULT_SCENES[values["scope"]]
    return StoryOptions(log_line=job.log_line, **values)


def film_engine(spec: FilmSpec, settings: Settings, shared: Shared,
                sink: EventSink) -> BatchEngine:
    """The film's engine (nothing is written yet)."""
    project = Project.at(spec.project)
    return BatchEngine(project, film_options(spec, settings, project), settings, sink, shared)


async def run_film(spec: FilmSpec, settings: Settings, shared: Shared,
                   sink: EventSink) -> FilmOutcome:
    """Make the film (or finish it, or find it finished); a FilmError ends it as `failed`."""
    started = time.monotonic()
    counter = FilmSink(sink, spec.name)
    engine: BatchEngine | None = None
    try:
        engine = film_engine(spec, settings, shared, counter)
        project = engine.project
        with project.lock():  # one process per film, whatever the machine
            shared.starting()
            if spec.shots_text is not None:
                atomic_write_text(shots_copy(project), spec.shots_text)
            bible = _bible_storage(project, spec)
            summary = await engine.run()
            if bible is not None:
                bible.sync()  # as `film story` does: the bible's versions
    except FilmError as exc:
        stopped = failed(spec, exc, time.monotonic() - started)
        if engine is None:
            return stopped
        outcome = _outcome(spec, engine.summary, counter, stopped.seconds)  # what it made
        outcome.status, outcome.error = stopped.status, stopped.error  # and paid before it
        outcome.exit_code = stopped.exit_code                           # stopped: kept
        return outcome
    return _outcome(spec, summary, counter, time.monotonic() - started)


def _bible_storage(project: Project, spec: FilmSpec) -> Any:
    """A story's bible storage, after recording a person's edits since the last run."""
    if spec.job.get("log_line") is None:
        return None
    from film.story.bible import BibleStorage

    storage = BibleStorage(project.root / "story")
    storage.sync()
    return storage


def _outcome(spec: FilmSpec, summary: Any, counter: FilmSink, seconds: float) -> FilmOutcome:
    stages = summary.stages.values()
    made = sum(m.made for m in stages)
    final = Path(summary.final) if summary.final else None
    left = sorted(summary.skipped)
    return FilmOutcome(
        film=spec.name, line=spec.line, status="done" if made or counter.shared else "current",
        path=str(final if final is not None and final.is_file() else spec.project),
        cost_usd=round(summary.cost_usd, 6), seconds=round(seconds, 3), made=made,
        reused=sum(m.reused for m in stages), shared=counter.shared,
        calls=sum(m.calls for m in stages), fallbacks=len(summary.fallbacks),
        left_out=len(left), error=f"left out: {', '.join(left)}" if left else None)


def failed(spec: FilmSpec, exc: BaseException, seconds: float = 0.0) -> FilmOutcome:
    """The outcome of a film that stopped on `exc` (what it made so far is kept)."""
    if isinstance(exc, FilmError):
        message, code = exc.message.splitlines()[0], exc.exit_code
    else:
        message, code = f"{type(exc).__name__}: {exc}", 1
    return FilmOutcome(film=spec.name, line=spec.line, status="failed", path=spec.project,
                       seconds=round(seconds, 3), error=message[:500], exit_code=code)


class FilmSink(QuietSink):
    """A film's events, counted and passed on to the batch as film_progress / film_message."""

    def __init__(self, batch: EventSink, film: str) -> None:
        self.batch = batch
        self.film = film
        self.planned = 0
        self.done = 0
        #: artifacts taken from the shared cache
        self.shared = 0

    def emit(self, event: str, **fields: Any) -> None:
        if event == "stage_planned":
            self.planned += int(fields.get("total", 0))
        elif event in ("artifact_done", "artifact_failed"):
            self.done += 1
            self.shared += bool(fields.get("shared"))
            self.batch.emit("film_progress", film=self.film, done=self.done,
                            planned=self.planned)
        elif event == "fallback":
            self.batch.emit("film_message", film=self.film, text=(
                f"{fields.get('stage')} {fields.get('shot_id')}: {fields.get('provider')} "
                f"failed ({fields.get('error')}); using the offline result"))
        elif event == "message":
            self.batch.emit("film_message", film=self.film, text=str(fields.get("text")))


def run_film_task(spec: FilmSpec, ledger: str | None = None) -> dict[str, Any]:
    """A film as a Dask task (film must be importable where the scheduler and the workers
    run). Settings and keys come from the worker's own environment and .env; the budget is
    the batch's ledger on the shared folder. Returns the outcome as a dict."""
    started = time.monotonic()
    try:
        from film.config import get_settings

        settings = get_settings()
        if not spec.options.shared_cache:
            settings = settings.model_copy(update={"film_shared_cache": False})
        budget = None
        if ledger is not None:
            from film.batch.ledger import LedgerBudget

            budget = LedgerBudget(ledger, spec.name)
        outcome = asyncio.run(run_film(spec, settings, Shared(budget=budget), QuietSink()))
    except FilmError as exc:
        outcome = failed(spec, exc, time.monotonic() - started)
    outcome.worker = f"{socket.gethostname()}:{os.getpid()}"
    return outcome.as_dict()
