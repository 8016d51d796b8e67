"""The engine: runs the stages of the stage table over a project, each artifact as soon as
what it reads exists, skipping what the manifest says is current.

Stages are run in the table's order, in phases: a film-wide stage (scenario, compose) runs
alone; consecutive per-shot stages run as one graph, each shot's artifact of a stage starting
when that shot's artifacts of the stages it depends on are made (a shot's clip starts as
soon as its still exists, its voice beside them). Every artifact goes through
`Producer.produce`. The engine knows no particular stage: it reads film.stages.table.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from typing import Any

from film.aio import gather_or_cancel
from film.build.summary import RunSummary, StageMetrics
from film.build.takes import TakeMaker
from film.config import Settings
from film.costs import Budget
from film.errors import BudgetExceeded, ConfigError, FilmError, InputError, WaitingForChoice
from film.events import EventSink, QuietSink
from film.project import Manifest, Project
from film.schema import ShotList, load_shot_list
from film.stages.base import LeftOut
from film.stages.options import ASPECT_SIZES, RunOptions
from film.stages.table import STAGES, Stage, items_of, key_of, stage
from film.vendors.retry import RetryPolicy


class Engine(TakeMaker):
    """One run over one project. Use `await Engine(...).run()`.

    `shot_list` may be None when the run plans it (the scenario stage) or when the project
    already has one."""

    def __init__(self, project: Project, shot_list: ShotList | None, options: RunOptions,
                 settings: Settings, sink: EventSink | None = None) -> None:
        self.project = project
        self.options = options
        self.settings = settings
        self.sink: EventSink = sink or QuietSink()
        self.selected: tuple[Stage, ...] = tuple(s for s in STAGES if s.name in options.stages)
        self.summary = RunSummary(stages={s.name: StageMetrics() for s in self.selected})
        self.client: Any = None
        self.retry = options.retry or RetryPolicy.from_settings(settings)
        self._providers: dict[tuple[str, str], Any] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._local = asyncio.Semaphore(settings.local_workers)
        self._budget_stop: BudgetExceeded | None = None
        self._shot_list: ShotList | None = None
        #: planning only (film estimate): plans may not read files that are not made yet
        self.dry = False
        self._load()
        if shot_list is not None:
            self._bind(shot_list)

    # ---- what the run knows ---------------------------------------------------------------

    def _load(self) -> None:
        """(Re)read the manifest and what follows from it: the spend so far."""
        self.manifest: Manifest = self.project.load_manifest()
        self.budget = Budget(cap=self.options.max_cost, spent=self.manifest.total_cost)
        self.spent_before = self.manifest.total_cost
        if self._shot_list is not None:
            self._bind(self._shot_list)

    def _bind(self, shot_list: ShotList) -> None:
        """Take the film's shot list, and what follows from it: frame size, voice cast."""
        self._shot_list = shot_list
        sizes = self.manifest.settings.setdefault("resolution", {})
        if not isinstance(sizes, dict):  # written by an older version
            sizes = self.manifest.settings["resolution"] = {}
        aspect = shot_list.aspect_ratio
        _check_orientation(self.options.resolution, aspect)
        if self.options.resolution == (0, 0):  # --resolution auto: the aspect's default
            sizes.pop(aspect, None)
        elif self.options.resolution:
            sizes[aspect] = list(self.options.resolution)
        self._size: tuple[int, int] = tuple(sizes.get(aspect) or ASPECT_SIZES[aspect])  # type: ignore[assignment]
        roles = self.manifest.settings.setdefault("roles", [])
        roles += [r for r in shot_list.speaking_roles() if r not in roles]
        #: every role that ever spoke in this project, in order of first appearance: voices
        #: are cast from it, so a new character never changes the others' voices
        self.roles: list[str] = roles

    @property
    def shot_list(self) -> ShotList:
        """The film's shot list (read from the scenario stage's output the first time)."""
        if self._shot_list is None:
            path = self.output_of(stage("scenario"))
            if not path.exists():
                raise InputError(f"no shots.json in {self.project.root}",
                                 hint="Make one with `film scenario -p DIR`, or pass a "
                                 "shots file.")
            self._bind(load_shot_list(path))
        assert self._shot_list is not None
        return self._shot_list

    @property
    def size(self) -> tuple[int, int]:
        """The film's frame size (from the shot list's aspect ratio and the project)."""
        self.shot_list  # noqa: B018 - reads the shot list (and so the size) when not yet read
        return self._size

    @property
    def left_out(self) -> set[str]:
        return self.summary.skipped

    @property
    def failures(self) -> list[str]:
        return self.summary.failures

    def uses_references(self) -> bool:
        """Whether the run makes and uses reference sheets and plates: when the image (or
        video) provider draws from them, or when the run was asked for them alone."""
        asked = {s.name for s in self.selected}
        if "images" not in asked and asked & {"sheets", "plates"}:
            return True
        return any(self.provider(stage(name)).uses_references for name in ("images", "video"))

    def output_of(self, st: Stage, key: str | None = None) -> Any:
        """Where `st` writes its artifact in this run."""
        return self.options.outputs.get(st.name) or st.path(self.project.root, key)

    # ---- providers and limits -------------------------------------------------------------

    def provider_name(self, st: Stage) -> str:
        return st.fixed_provider or self.options.provider(st.name)

    def provider(self, st: Stage, name: str | None = None) -> Any:
        """The provider `name` (default: the run's choice) of stage `st`, built once."""
        name = name or self.provider_name(st)
        key = (st.name, name)
        if key not in self._providers:
            options = self.options.provider_options.get(st.name, {}) if name != "offline" else {}
            self._providers[key] = st.provider(name, self.settings, **options)
        return self._providers[key]

    def limit_for(self, provider: Any) -> asyncio.Semaphore:
        """Remote providers get their own bound; all local work shares the CPU-count bound."""
        if not provider.remote:
            return self._local
        key = f"{provider.kind}:{provider.name}"
        if key not in self._limits:
            size = self.options.concurrency or self.settings.film_concurrency_remote
            self._limits[key] = asyncio.Semaphore(size)
        return self._limits[key]

    def preflight(self) -> None:
        """Build every provider of the run and check its key and price, before anything is
        made or paid for: unknown names, missing keys and unpriced models under a cap stop
        the run here."""
        for st in self.selected:
            provider = self.provider(st)
            key_var = getattr(provider, "key_var", None)
            if provider.remote and key_var:
                self.settings.require(key_var.lower())
            if provider.remote and self.options.max_cost is not None \
                    and not provider.price_known():
                raise ConfigError(
                    f"no price is known for {provider.name}, so --max-cost cannot be enforced",
                    hint="Pick a model with a known price (film estimate lists them), or run "
                    "without --max-cost / FILM_MAX_COST.")

    def save(self) -> None:
        self.project.save_manifest(self.manifest)

    # ---- making one artifact --------------------------------------------------------------

    async def make(self, st: Stage, item: Any) -> Any:
        """Plan the artifact of `st` for `item` (a shot, a scene; None: the film's) and
        produce it. Returns the file, or None when it failed and --on-error is skip."""
        try:
            if st.takes:
                return await self.make_takes(st, item)
            provider = self.provider(st)
            try:
                request, inputs = st.plan(self, item, provider)
            except LeftOut:
                return None
            key = key_of(st.scope, item) if item is not None else None
            out = self.output_of(st, key)
            entry = await self.produce(st, key, provider, request, out, inputs)
        except FilmError as exc:
            exc.stage = getattr(exc, "stage", None) or st.name  # where it failed, for reports
            raise
        return out if entry is not None else None

    # ---- scheduling -----------------------------------------------------------------------

    async def run(self) -> RunSummary:
        """Run the chosen stages; returns the summary (also kept in the manifest)."""
        started = time.monotonic()
        self.preflight()
        with self.project.lock():
            self._load()  # under the lock: what another run wrote meanwhile counts
            try:
                async with self._http_client() as client:
                    self.client = client
                    for phase in _phases(self.selected, frozenset(self.options.checkpoints)):
                        self._phase = "+".join(st.name for st in phase)
                        if phase[0].scope == "film":
                            await self._film_stage(phase[0])
                        else:
                            await self._item_phase(phase)
                        for checkpoint in self.options.checkpoints.get(phase[-1].name, ()):
                            checkpoint(self)
                self._remember()
            except BaseException as exc:
                if isinstance(exc, WaitingForChoice):
                    self._remember()  # a run stopped for a choice continues the same way
                self._failed(exc)
                raise
            finally:
                self._finish(started)
        return self.summary

    def _failed(self, exc: BaseException) -> None:
        """Record what stopped the run, and tell machines (an `error` event)."""
        self.summary.error = _describe(exc)
        where = getattr(exc, "stage", None) or getattr(self, "_phase", "run")
        if isinstance(exc, FilmError):
            self.summary.failures.append(f"{where}: {self.summary.error}")
        self.sink.emit("error", stage=where, message=self.summary.error,
                       exit_code=_exit_code(exc))

    async def _film_stage(self, st: Stage) -> None:
        self.summary.stages[st.name].planned = 1
        self.sink.emit("stage_planned", stage=st.name, total=1)
        out = await self.make(st, None)
        self._shot_list = None  # the stage may have written a new one: read it when needed
        if st.kind == "compose":
            self.summary.final = out

    async def _item_phase(self, phase: tuple[Stage, ...]) -> None:
        """Per-shot (or per-scene) stages as one graph: each item's artifact of a stage starts
        when that item's artifacts of the stages it depends on are made."""
        scope = phase[0].scope
        items = [i for i in items_of(scope, self) if key_of(scope, i) not in self.left_out]
        for st in phase:
            total = sum(1 for i in items if st.applies(i))
            self.summary.stages[st.name].planned = total
            self.sink.emit("stage_planned", stage=st.name, total=total)
        started: dict[str, float] = {}
        tasks: dict[tuple[str, str], asyncio.Future[Any]] = {}

        async def node(st: Stage, item: Any, key: str) -> Any:
            for dep in self.options.after.get(st.name, ()):  # every item's, not only this one's
                others = [t for (name, _key), t in tasks.items() if name == dep]
                if others:
                    await asyncio.wait(others)
            for dep in (*st.depends, *self.options.after.get(st.name, ())):
                task = tasks.get((dep, key))
                if task is not None and await task is None:
                    return None  # what it reads failed (--on-error skip)
            started.setdefault(key, time.monotonic())
            result = await self.make(st, item)
            self.summary.shot_seconds[key] = time.monotonic() - started[key]
            return result

        for item in items:
            key = key_of(scope, item)
            for st in phase:
                if st.applies(item):
                    tasks[(st.name, key)] = asyncio.ensure_future(node(st, item, key))
        await gather_or_cancel(list(tasks.values()))

    def _remember(self) -> None:
        """After a successful run, keep its providers (and compose options, if it composed)
        for later commands on the project; `film regen`'s one-shot overrides are not kept."""
        if self.options.only is not None:
            return
        chosen: dict[str, Any] = {}
        for st in self.selected:
            if st.dest and self.provider_name(st) != "file":  # a copied shots file is once
                chosen[st.dest] = self.provider_name(st)
        if any(st.kind == "compose" for st in self.selected):
            chosen.update(self.options.compose.remembered())
        if self.options.workflow:
            chosen["workflow"] = self.options.workflow
        self.manifest.settings.setdefault("options", {}).update(chosen)
        if self.options.story is not None and any(st.kind == "story" for st in self.selected):
            self.manifest.settings["story"] = self.options.story.model_dump(mode="json")

    def _http_client(self) -> Any:
        """The run's one AsyncClient, or none when every provider of the run is local."""
        if all(self.provider_name(st) in ("offline", "ffmpeg") for st in self.selected):
            return contextlib.nullcontext(None)
        from film.vendors.http import make_client

        return make_client(self.settings.film_http_timeout)

    def _finish(self, started: float) -> None:
        self.summary.seconds = time.monotonic() - started
        self.summary.total_cost_usd = self.manifest.total_cost
        self.summary.cost_usd = round(self.manifest.total_cost - self.spent_before, 6)
        if self.summary.llm:
            self.manifest.llm = self.summary.llm
        self.manifest.metrics = self.summary.as_dict()
        with contextlib.suppress(FilmError, OSError):
            self.save()
        self.sink.emit("run_finished", **self.summary.as_dict())


def _phases(stages: tuple[Stage, ...],
            checkpoints: frozenset[str] = frozenset()) -> Iterator[tuple[Stage, ...]]:
    """Film-wide stages alone, runs of stages of one scope (per shot, per scene, ...)
    together, in table order; a stage with a checkpoint after it (a workflow's `choose`
    step) ends its phase."""
    run: list[Stage] = []
    for st in stages:
        if run and (st.scope == "film" or st.scope != run[0].scope
                    or run[-1].name in checkpoints):
            yield tuple(run)
            run = []
        if st.scope == "film":
            yield (st,)
        else:
            run.append(st)
    if run:
        yield tuple(run)


def _exit_code(exc: BaseException) -> int:
    """The exit code the CLI will end with for `exc`."""
    if isinstance(exc, KeyboardInterrupt):
        return 128 + int(getattr(exc, "signum", 2))
    return int(getattr(exc, "exit_code", 1))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, FilmError):
        return exc.message.splitlines()[0]
    if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
        return "interrupted"
    return f"{type(exc).__name__}: {exc}"


def _check_orientation(resolution: tuple[int, int] | None, aspect: str) -> None:
    """A --resolution must have the shot list's orientation (landscape, portrait, square)."""
    if not resolution or resolution == (0, 0):
        return
    width, height = resolution
    want = {"16:9": width > height, "9:16": width < height, "1:1": width == height}[aspect]
    if not want:
        raise InputError(
            f"--resolution {width}x{height} does not fit the shot list's {aspect} frame",
            hint="Give a size of that shape (e.g. 640x360 for 16:9, 360x640 for 9:16, "
            "480x480 for 1:1), or change aspect_ratio in shots.json.")
