"""The engine: runs each shot's chain (image → clip) as soon as its inputs exist, speech
beside it, and compose when everything is ready; skips what the manifest says is current.

Every artifact goes through `Engine.produce`, the one place that knows about input hashes,
resume ids, the budget, concurrency limits, atomic writes, fallback and the manifest.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from film.aio import gather_or_cancel
from film.config import Settings
from film.costs import Budget
from film.errors import (
    BudgetExceeded,
    ContentRefused,
    FilmError,
    InputError,
    MediaError,
    ProviderError,
    RateLimited,
    Unavailable,
)
from film.events import EventSink, QuietSink
from film.freshness import input_hash_of, is_current, placed_by_hand, resumable
from film.fsutil import atomic_output
from film.project import Artifact, Manifest, Project
from film.providers.base import JobContext, MediaProvider, get_provider
from film.providers.retry import RetryPolicy
from film.runstate import ASPECT_SIZES, RunOptions, RunSummary, StageMetrics
from film.schema import Shot, ShotList

__all__ = ["ASPECT_SIZES", "Engine", "RunOptions", "RunSummary", "StageMetrics",
           "gather_or_cancel", "input_hash_of", "is_current"]
KIND_OF_STAGE = {"images": "image", "video": "video", "speech": "speech"}


#: the provider method that makes each stage's artifact
METHOD_OF_STAGE = {"images": "generate", "video": "animate", "speech": "synthesize"}


class Engine:
    """One run over one project. Use `await Engine(...).run()`."""

    def __init__(
        self,
        project: Project,
        shot_list: ShotList,
        options: RunOptions,
        settings: Settings,
        sink: EventSink | None = None,
    ) -> None:
        self.project = project
        self.shot_list = shot_list
        self.options = options
        self.settings = settings
        self.sink: EventSink = sink or QuietSink()
        self._load()
        self.summary = RunSummary(stages={s: StageMetrics() for s in options.stages})
        self.client: Any = None
        self.retry = options.retry or RetryPolicy(
            max_attempts=settings.film_max_attempts, max_total_wait=settings.film_max_retry_wait
        )
        self._providers: dict[tuple[str, str], Any] = {}
        self._limits: dict[str, asyncio.Semaphore] = {}
        self._local = asyncio.Semaphore(settings.local_workers)
        self._shot_started: dict[str, float] = {}
        self._budget_stop: BudgetExceeded | None = None

    def _load(self) -> None:
        """(Re)read the manifest and what follows from it: spend so far, frame size, cast."""
        self.manifest: Manifest = self.project.load_manifest()
        self.budget = Budget(cap=self.options.max_cost, spent=self.manifest.total_cost)
        self.spent_before = self.manifest.total_cost
        sizes = self.manifest.settings.setdefault("resolution", {})
        if not isinstance(sizes, dict):  # written by an older version
            sizes = self.manifest.settings["resolution"] = {}
        aspect = self.shot_list.aspect_ratio
        _check_orientation(self.options.resolution, aspect)
        if self.options.resolution == (0, 0):  # --resolution auto: the aspect's default
            sizes.pop(aspect, None)
        elif self.options.resolution:
            sizes[aspect] = list(self.options.resolution)
        self.size: tuple[int, int] = tuple(sizes.get(aspect) or ASPECT_SIZES[aspect])  # type: ignore[assignment]
        roles = self.manifest.settings.setdefault("roles", [])
        from film.stages.speech import speaking_roles

        roles += [r for r in speaking_roles(self.shot_list) if r not in roles]
        #: every role that ever spoke in this project, in order of first appearance: voices
        #: are cast from it, so a new character never changes the others' voices
        self.roles: list[str] = roles

    def take(self, shot_id: str, stage: str) -> int:
        """How many times `film regen` redid this shot's stage (0: never): part of the seed."""
        return int(self.manifest.settings.get("takes", {}).get(f"{shot_id}:{stage}", 0))

    # ---- providers and limits -------------------------------------------------------------

    def provider(self, stage: str, name: str | None = None) -> Any:
        kind = KIND_OF_STAGE[stage]
        name = name or {"images": self.options.image_provider,
                        "video": self.options.video_provider,
                        "speech": self.options.tts_provider}[stage]
        key = (kind, name)
        if key not in self._providers:
            self._providers[key] = get_provider(kind, name, self.settings)
        return self._providers[key]

    def limit_for(self, provider: MediaProvider) -> asyncio.Semaphore:
        """Remote providers get their own bound; all local work shares the CPU-count bound."""
        if not provider.remote:
            return self._local
        key = f"{provider.kind}:{provider.name}"
        if key not in self._limits:
            size = self.options.concurrency or self.settings.film_concurrency_remote
            self._limits[key] = asyncio.Semaphore(size)
        return self._limits[key]

    def save(self) -> None:
        self.project.save_manifest(self.manifest)

    # ---- the one place an artifact is made -------------------------------------------------

    async def make(self, stage: str, shot: Shot, plan: Callable[..., Any]) -> Path | None:
        """Plan the shot's artifact for `stage` with the stage's provider, then produce it.

        Returns the file, or None when it failed and --on-error is skip."""
        provider = self.provider(stage)
        request, inputs = plan(self, shot, provider)
        out = self.project.artifact_path(stage, shot.shot_id)
        entry = await self.produce(stage, shot, provider, request, out, inputs)
        return out if entry is not None else None

    async def produce(
        self, stage: str, shot: Shot, provider: MediaProvider, request: Any, out: Path,
        inputs: dict[str, Any],
    ) -> Artifact | None:
        """Make `out` unless the manifest says it is current; handle resume, budget, fallback."""
        rel = self.project.rel(out)
        input_hash = input_hash_of(stage, provider, inputs)
        metrics = self.summary.stages[stage]
        entry = self.manifest.artifacts.get(rel)
        forced = (shot.shot_id, stage) in self.options.force
        if not forced and placed_by_hand(entry, input_hash, out):
            entry = self._adopt(stage, shot, out, input_hash)
        if not forced and is_current(entry, input_hash, out, provider):
            metrics.reused += 1
            self.sink.emit("artifact_done", stage=stage, shot_id=shot.shot_id, cached=True,
                           provider=entry.provider, path=rel, cost_usd=0.0)  # type: ignore[union-attr]
            return entry
        resume_id = resumable(entry, input_hash, provider) if not forced else None
        if resume_id:
            self.sink.emit("resumed", stage=stage, shot_id=shot.shot_id, request_id=resume_id)
        try:
            return await self._attempt(stage, shot, provider, request, out, input_hash,
                                       resume_id)
        except (ProviderError, MediaError) as exc:
            return await self._recover(stage, shot, provider, request, out, input_hash, exc,
                                       resume_id)

    def _adopt(self, stage: str, shot: Shot, out: Path, input_hash: str) -> Artifact:
        """Keep a file put there by hand (or made by a run killed before it could record it)
        as this artifact, instead of paying to make it again."""
        rel = self.project.rel(out)
        entry = Artifact(stage=stage, path=rel, shot_id=shot.shot_id, input_hash=input_hash,
                         provider="manual", size=out.stat().st_size,
                         meta={"adopted": True})
        self.manifest.artifacts[rel] = entry
        self.save()
        self.sink.emit("message", text=f"{rel}: kept the file found there (not made by film, "
                       f"or changed by hand); `film regen` makes it again")
        return entry

    async def _attempt(
        self, stage: str, shot: Shot, provider: MediaProvider, request: Any, out: Path,
        input_hash: str, resume_id: str | None, fallback: dict[str, Any] | None = None,
    ) -> Artifact:
        rel = self.project.rel(out)
        # A resumed job is reserved too: it was never booked, and if the remote lost it the
        # provider submits (and pays for) a new one.
        estimate = provider.estimate_cost(request) if provider.remote else 0.0
        metrics = self.summary.stages[stage]
        reservation = 0.0

        def base_entry(**kw: Any) -> Artifact:
            return Artifact(stage=stage, path=rel, shot_id=shot.shot_id, input_hash=input_hash,
                            provider=provider.name, model=provider.model,
                            params=provider.params(), **kw)

        def on_submitted(request_id: str) -> None:
            self.manifest.artifacts[rel] = base_entry(status="submitted", request_id=request_id)
            self.save()

        def on_retry(attempt: int, delay: float, message: str) -> None:
            self.sink.emit("retry", what=f"{stage} {shot.shot_id}", attempt=attempt,
                           delay=delay, message=message)

        ctx = JobContext(client=self.client, settings=self.settings, retry=self.retry,
                         resume_id=resume_id, on_submitted=on_submitted,
                         report=lambda text: self.sink.emit("message", text=text),
                         on_retry=on_retry)
        started = time.monotonic()
        try:
            async with self.limit_for(provider):
                reservation = self._reserve(estimate, f"{stage} for {shot.shot_id} "
                                                      f"({provider.name})")
                if provider.remote:
                    metrics.calls += 1
                with atomic_output(out) as tmp:
                    make = getattr(provider, METHOD_OF_STAGE[stage])
                    result = await make(request, tmp, ctx)
        except asyncio.CancelledError:
            self.budget.release(reservation)
            raise
        except FilmError as exc:
            self.budget.release(reservation)
            pending = self.manifest.artifacts.get(rel)
            if pending is not None and pending.status == "submitted":
                # A transient failure (timeout, 5xx, a failed download) leaves the job
                # resumable: the next run collects it instead of paying again.
                if not isinstance(exc, (Unavailable, RateLimited)):
                    pending.status = "failed"
                pending.error = exc.message[:500]
                self.save()
            raise
        seconds = time.monotonic() - started
        self.budget.settle(reservation, result.cost_usd, {
            "stage": stage, "shot_id": shot.shot_id, "provider": provider.name,
            "model": result.model or provider.model, "request_id": result.request_id,
        })
        entry = base_entry(status="done", cost_usd=round(result.cost_usd, 6), seconds=round(
            seconds, 3), request_id=result.request_id or resume_id, meta=result.meta,
            size=out.stat().st_size, **(fallback or {}))
        if result.model:
            entry.model = result.model
        self.manifest.artifacts[rel] = entry
        if result.cost_usd:
            self.manifest.ledger.append(self.budget.entries[-1])
        self.save()
        metrics.record(started, started + seconds)
        metrics.cost_usd += result.cost_usd
        self.sink.emit("artifact_done", stage=stage, shot_id=shot.shot_id, cached=False,
                       provider=provider.name, path=rel, seconds=round(seconds, 3),
                       cost_usd=result.cost_usd, fallback=fallback is not None)
        return entry

    def _reserve(self, estimate: float, what: str) -> float:
        """Reserve a paid call's estimate; once the cap is hit, no new paid call starts."""
        if self._budget_stop is not None and estimate > 0:
            raise self._budget_stop
        try:
            return self.budget.reserve(estimate, what)
        except BudgetExceeded as exc:
            self._budget_stop = exc
            raise

    async def _recover(
        self, stage: str, shot: Shot, provider: MediaProvider, request: Any, out: Path,
        input_hash: str, exc: FilmError, resume_id: str | None = None,
    ) -> Artifact | None:
        """After a failed call: fall back to the offline provider, skip the shot, or fail."""
        metrics = self.summary.stages[stage]
        reason = exc.message.splitlines()[0][:300]
        rel = self.project.rel(out)
        if self.options.on_error == "fallback" and provider.remote:
            offline = self.provider(stage, "offline")
            refused = isinstance(exc, ContentRefused)
            self.sink.emit("fallback", stage=stage, shot_id=shot.shot_id,
                           provider=provider.name, error=reason, refused=refused)
            metrics.fallback += 1
            self.summary.fallbacks.append(f"{stage} {shot.shot_id}: {reason}")
            kind = ("transient" if isinstance(exc, (Unavailable, RateLimited))
                    else "refused" if refused else "error")
            return await self._attempt(stage, shot, offline, request, out, input_hash, None, {
                "fallback": True, "fallback_for": provider.name, "fallback_kind": kind,
                "error": reason, "pending_request_id": self._pending_job(rel, input_hash,
                                                                         resume_id, exc),
            })
        if self.options.on_error == "skip":
            metrics.failed += 1
            self.summary.failures.append(f"{stage} {shot.shot_id}: {reason}")
            self.summary.skipped.add(shot.shot_id)
            pending = self._pending_job(rel, input_hash, resume_id, exc)
            if pending is None:
                self.manifest.artifacts[rel] = Artifact(
                    stage=stage, path=rel, shot_id=shot.shot_id, status="failed",
                    input_hash=input_hash, provider=provider.name, model=provider.model,
                    error=reason)
            else:  # a paid job is still out there: keep it collectable
                self.manifest.artifacts[rel] = Artifact(
                    stage=stage, path=rel, shot_id=shot.shot_id, status="submitted",
                    input_hash=input_hash, provider=provider.name, model=provider.model,
                    request_id=pending, error=reason)
            self.save()
            self.sink.emit("artifact_failed", stage=stage, shot_id=shot.shot_id, error=reason)
            return None
        raise exc

    def _pending_job(self, rel: str, input_hash: str, resume_id: str | None,
                     exc: FilmError) -> str | None:
        """A paid, uncollected job for these very inputs that a failed attempt leaves behind:
        the one it submitted, or, after a passing failure, the one it was collecting."""
        entry = self.manifest.artifacts.get(rel)
        if entry is not None and entry.status == "submitted" and entry.input_hash == input_hash:
            return entry.request_id
        return resume_id if isinstance(exc, (Unavailable, RateLimited)) else None

    # ---- scheduling -----------------------------------------------------------------------

    async def run(self) -> RunSummary:
        """Run the chosen stages over every shot; returns the summary (also in the manifest)."""
        from film.stages.compose import compose_project
        from film.stages.images import make_image
        from film.stages.speech import make_speech
        from film.stages.video import make_clip

        started = time.monotonic()
        stages = self.options.stages
        shots = [s for s in self.shot_list.shots
                 if self.options.only is None or s.shot_id in self.options.only]
        for stage in stages:
            total = 1 if stage == "compose" else len(shots)
            if stage == "speech":
                total = sum(1 for s in shots if s.spoken_text)
            self.summary.stages[stage].planned = total
            self.sink.emit("stage_planned", stage=stage, total=total)
        with self.project.lock():
            self._load()  # under the lock: what another run wrote meanwhile counts
            takes = self.manifest.settings.setdefault("takes", {})
            for shot_id, stage in self.options.force:  # `film regen`: a new take, new seed
                key = f"{shot_id}:{stage}"
                takes[key] = takes.get(key, 0) + 1
            async with self._http_client() as client:
                self.client = client

                async def visual(shot: Shot) -> None:
                    self._shot_started[shot.shot_id] = time.monotonic()
                    if "images" in stages and await make_image(self, shot) is None:
                        return
                    if "video" in stages:
                        await make_clip(self, shot)
                    self.summary.shot_seconds[shot.shot_id] = (
                        time.monotonic() - self._shot_started[shot.shot_id]
                    )

                jobs: list[Coroutine[Any, Any, Any]] = []
                for shot in shots:
                    if "images" in stages or "video" in stages:
                        jobs.append(visual(shot))
                    if "speech" in stages and shot.spoken_text:
                        jobs.append(make_speech(self, shot))
                try:
                    await gather_or_cancel(jobs)
                    if "compose" in stages:
                        self.summary.final = await compose_project(self)
                    self._remember()
                finally:
                    self._finish(started)
        return self.summary

    def _remember(self) -> None:
        """After a successful run, keep its providers (and compose options, if it composed)
        for later commands on the project; `film regen`'s one-shot overrides are not kept."""
        if self.options.only is not None:
            return
        o = self.options
        chosen: dict[str, Any] = {}
        for stage, key in (("images", "image_provider"), ("video", "video_provider"),
                           ("speech", "tts_provider")):
            if stage in o.stages:
                chosen[key] = getattr(o, key)
        if "compose" in o.stages:
            chosen.update(transition=o.transition, transition_duration=o.transition_duration,
                          music=str(o.music) if o.music else None,
                          music_volume=o.music_volume, burn_subtitles=o.burn_subtitles)
        self.manifest.settings.setdefault("options", {}).update(chosen)

    def _http_client(self) -> Any:
        """The run's one AsyncClient, or none when every provider of the run is offline."""
        names = {"images": self.options.image_provider, "video": self.options.video_provider,
                 "speech": self.options.tts_provider}
        if all(names[s] == "offline" for s in self.options.stages if s in names):
            return contextlib.nullcontext(None)
        from film.providers.http import make_client

        return make_client(self.settings.film_http_timeout)

    def _finish(self, started: float) -> None:
        self.summary.seconds = time.monotonic() - started
        self.summary.total_cost_usd = self.manifest.total_cost
        scenario = self.options.scenario or {}
        self.summary.llm = scenario
        self.summary.cost_usd = round(
            self.manifest.total_cost - self.spent_before + scenario.get("cost_usd", 0.0), 6)
        self.manifest.metrics = self.summary.as_dict()
        self.save()
        self.sink.emit("run_finished", **self.summary.as_dict())


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
