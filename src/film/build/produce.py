"""The one path every artifact takes, whatever its stage.

Skip it when the manifest says it is current; keep a file a person put there; never replace
a document a person edited without consent; reserve the call's estimate against the budget;
let the provider write a temporary file; record the file as "writing" (with its size and the
ledger line); rename it into place; record it "done". On a failure: fall back to the offline
provider, leave the shot out, or stop (--on-error).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from film.build.freshness import (
    PERSONAL,
    as_recorded,
    edited_by_hand,
    input_hash_of,
    is_current,
    placed_by_hand,
    resumable,
    settled,
)
from film.build.reuse import SharedArtifacts
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
from film.fsutil import file_digest, temp_path_for
from film.project import Artifact
from film.providers.contract import JobContext
from film.stages.table import Stage

#: the key of a film-wide artifact in `RunOptions.force` and in messages
FILM_KEY = "film"


class Producer:
    """The produce path. The Engine is one: it supplies the project, manifest, budget,
    options, settings, sink, summary, the HTTP client and the retry policy."""

    project: Any
    manifest: Any
    budget: Any
    options: Any
    settings: Any
    sink: Any
    summary: Any
    client: Any
    retry: Any
    _budget_stop: BudgetExceeded | None

    def provider(self, stage: Stage, name: str | None = None) -> Any:  # pragma: no cover
        raise NotImplementedError

    def limit_for(self, provider: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def save(self) -> None:  # pragma: no cover
        raise NotImplementedError

    async def produce(self, stage: Stage, key: str | None, provider: Any, request: Any,
                      out: Path, inputs: dict[str, Any],
                      force: bool | None = None) -> Artifact | None:
        """Make `out` unless it is current; handle hand edits, resume, budget and fallback.

        `force` (default: whether the run's options name this artifact) makes it even when
        current. Returns its manifest entry, or None when it failed and --on-error is skip."""
        rel = self.project.rel(out)
        input_hash = input_hash_of(stage.name, provider, inputs)
        metrics = self.summary.stages[stage.name]
        entry = settled(self.manifest.artifacts.get(rel), out)
        forced = (key or FILM_KEY, stage.name) in self.options.force if force is None else force
        if stage.document and not forced and edited_by_hand(entry, out):
            entry = self._keep_document(stage, key, out, entry, input_hash, provider, request)
        elif not forced and placed_by_hand(entry, out):
            entry = self._adopt(stage, key, out, input_hash) if stage.by_hand == "keep" \
                else self._set_aside(out)
        if stage.extra_outputs:
            self._set_aside_extras(stage, entry)
        fresh = forced or stage.name in self.options.refresh
        if not fresh and is_current(entry, input_hash, out, provider, self._extra(stage)):
            metrics.reused += 1
            self.sink.emit("artifact_done", stage=stage.name, shot_id=key, cached=True,
                           provider=entry.provider, path=rel, cost_usd=0.0)  # type: ignore[union-attr]
            return entry
        resume_id = None if fresh else resumable(entry, input_hash, provider)
        if resume_id:
            self.sink.emit("resumed", stage=stage.name, shot_id=key, request_id=resume_id)
        shared = SharedArtifacts.of(self, stage, provider, skip=fresh or bool(resume_id))
        async with shared.claim(input_hash):  # the same artifact for another film: made once
            if (hit := shared.reuse(key, out, input_hash)) is not None:
                return hit
            try:
                made = await self._attempt(stage, key, provider, request, out, input_hash,
                                           resume_id)
            except (ProviderError, MediaError) as exc:
                return await self._recover(stage, key, provider, request, out, input_hash,
                                           exc, resume_id)
            shared.keep(made, out)
            return made

    def _extra(self, stage: Stage) -> tuple[Path, ...]:
        return tuple(self.project.root / name for name in stage.extra_outputs)

    def _adopt(self, stage: Stage, key: str | None, out: Path, input_hash: str,
               quiet: bool = False) -> Artifact:
        """Keep a file put there by hand as this artifact, instead of making it again."""
        rel = self.project.rel(out)
        entry = Artifact(stage=stage.name, path=rel, shot_id=key, input_hash=input_hash,
                         provider="manual", size=out.stat().st_size, meta={"adopted": True})
        self.manifest.artifacts[rel] = entry
        self.save()
        if not quiet:
            self.sink.emit("message", text=f"{rel}: kept the file found there (not made by "
                           "film, or changed by hand); `film regen` makes it again")
        return entry

    def _set_aside(self, out: Path) -> None:
        """A changed file of a stage that follows its inputs: a copy goes to history, and the
        stage makes it again."""
        kept = self.project.keep_in_history(out)
        self.sink.emit("message", text=f"{self.project.rel(out)} was changed by hand: kept as "
                       f"{self.project.rel(kept)}, and made again")

    def _set_aside_extras(self, stage: Stage, entry: Artifact | None) -> None:
        """The same for the files a stage writes beside its artifact (subtitles.srt)."""
        recorded = (entry.meta.get("extras") or {}) if entry is not None else {}
        for path in self._extra(stage):
            name = self.project.rel(path)
            if path.is_file() and name in recorded and file_digest(path) != recorded[name]:
                self._set_aside(path)

    def _keep_document(self, stage: Stage, key: str | None, out: Path, entry: Artifact | None,
                       input_hash: str, provider: Any, request: Any) -> Artifact | None:
        """A document a person wrote or edited is kept when it still answers the request
        (same inputs, or the provider says so: a shot list of the same description); a new
        copy of a file may replace an earlier copy; anything else needs --overwrite."""
        rel = self.project.rel(out)
        if entry is not None and entry.provider == "file" == provider.name \
                and as_recorded(out, entry):
            return entry  # one copied file replaces another (the old one goes to history)
        answers = getattr(provider, "answers", None)
        same = entry is not None and entry.status == "done" and entry.input_hash == input_hash
        if same or (answers is not None and answers(out, request)):
            if entry is None or entry.provider not in PERSONAL:
                entry = self._adopt(stage, key, out, input_hash, quiet=True)
                self.sink.emit("message", text=f"{rel} was edited by hand, so it is used as it "
                               "is (--overwrite makes a new one)")
            return entry
        if not self.project.record:
            raise InputError(f"{out} exists already, so it is not replaced",
                             hint="Add --overwrite to replace it, or choose another file "
                             "with -o.")
        raise InputError(
            f"{out} was edited by hand (or not made by film) and was not made from these "
            "inputs, so it is not replaced",
            hint=f"Add --overwrite to replace it (the edited {rel} is kept in .film/history/).")

    def _keep_previous(self, stage: Stage, out: Path, tmp: Path) -> None:
        """Before a document is replaced by different content, keep the old one in
        .film/history/ (only in a project: a loose file is replaced with consent)."""
        if not (stage.document and self.project.record and out.is_file()):
            return
        if file_digest(out) == file_digest(tmp):
            return
        kept = self.project.keep_in_history(out)
        self.sink.emit("message", text=f"the previous {out.name} is kept as "
                       f"{self.project.rel(kept)}")

    async def _attempt(
        self, stage: Stage, key: str | None, provider: Any, request: Any, out: Path,
        input_hash: str, resume_id: str | None, fallback: dict[str, Any] | None = None,
    ) -> Artifact:
        """Call the provider into a temporary file, then record and rename it."""
        noted = getattr(request, "noted", None)
        job = _Job(stage, key, provider, out, self.project.rel(out), input_hash, resume_id,
                   fallback or {}, noted() if noted is not None else {})
        tmp = temp_path_for(out)
        try:
            result, seconds = await self._call(job, request, tmp)
            entry = self._commit(job, result, seconds, tmp)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        self._report_made(job, result, seconds)
        return entry

    def _context(self, job: _Job) -> JobContext:
        def on_submitted(request_id: str) -> None:
            self.manifest.artifacts[job.rel] = job.entry(status="submitted",
                                                          request_id=request_id)
            self.save()

        def on_retry(attempt: int, delay: float, message: str) -> None:
            self.sink.emit("retry", what=job.what, attempt=attempt, delay=delay, message=message)

        return JobContext(client=self.client, settings=self.settings, retry=self.retry,
                          resume_id=job.resume_id, on_submitted=on_submitted,
                          report=lambda text: self.sink.emit("message", text=text),
                          on_retry=on_retry)

    async def _call(self, job: _Job, request: Any, tmp: Path) -> tuple[Any, float]:
        """Reserve the estimate (a resumed job too: if the remote lost it, the provider pays
        for a new one), call the provider's method for the stage, check it wrote a file."""
        estimate = job.provider.estimate_cost(request) if job.provider.remote else 0.0
        reservation = 0.0
        started = time.monotonic()
        try:
            async with self.limit_for(job.provider):
                reservation = self._reserve(estimate, f"{job.what} ({job.provider.name})")
                if job.provider.remote:
                    self.summary.stages[job.stage.name].calls += 1
                _make_folder(job.out.parent)
                make = getattr(job.provider, job.stage.method)
                result = await make(request, tmp, self._context(job))
            if not tmp.is_file() or tmp.stat().st_size == 0:
                raise MediaError(f"{job.provider.name} wrote nothing for {job.what}")
        except asyncio.CancelledError:
            self.budget.release(reservation)
            raise
        except FilmError as exc:
            self.budget.release(reservation)
            self._mark_failed_job(job.rel, exc)
            raise
        booked = self._booked(result.request_id)
        self.budget.settle(reservation, 0.0 if booked else result.cost_usd, {
            "stage": job.stage.name, "shot_id": job.key, "provider": job.provider.name,
            "model": result.model or job.provider.model, "request_id": result.request_id})
        if result.cost_usd and not booked:
            job.ledger_line = self.budget.entries[-1]
        return result, time.monotonic() - started

    def _commit(self, job: _Job, result: Any, seconds: float, tmp: Path) -> Artifact:
        """Record the new file as "writing" (with its digest and the entry it replaces), rename
        it into place, record it "done"."""
        previous = self.manifest.artifacts.get(job.rel)
        extras = {self.project.rel(p): file_digest(p) for p in self._extra(job.stage)
                  if p.is_file()}
        noted = job.noted
        entry = job.entry(
            status="writing", cost_usd=round(result.cost_usd, 6), seconds=round(seconds, 3),
            request_id=result.request_id or job.resume_id, size=tmp.stat().st_size,
            meta={**result.meta, **noted, **({"extras": extras} if extras else {})},
            digest=file_digest(tmp), document=job.stage.document,
            previous=previous.model_copy(update={"previous": None}) if previous else None,
            **job.fallback)
        entry.model = result.model or entry.model
        if result.params is not None:
            entry.params = result.params
        self.manifest.artifacts[job.rel] = entry
        if job.ledger_line is not None:
            self.manifest.ledger.append(job.ledger_line)
        self.save()
        self._keep_previous(job.stage, job.out, tmp)
        os.replace(tmp, job.out)
        entry.status, entry.previous = "done", None
        if not job.stage.document:
            entry.digest = None  # media are judged by size; their content is not re-read
        self.save()
        return entry

    def _report_made(self, job: _Job, result: Any, seconds: float) -> None:
        metrics = self.summary.stages[job.stage.name]
        now = time.monotonic()
        metrics.record(now - seconds, now)
        metrics.cost_usd += result.cost_usd
        if result.meta.get("llm"):
            self.summary.count_llm(job.key or FILM_KEY, result.meta["llm"])
        self.sink.emit("artifact_done", stage=job.stage.name, shot_id=job.key, cached=False,
                       provider=job.provider.name, path=job.rel, seconds=round(seconds, 3),
                       cost_usd=result.cost_usd, fallback=bool(job.fallback))

    def _booked(self, request_id: str | None) -> bool:
        """Whether the ledger already has this remote job (a run killed after booking it and
        before recording its file collects it again: it is not paid twice)."""
        return bool(request_id) and any(line.get("request_id") == request_id
                                        for line in self.manifest.ledger)

    def _mark_failed_job(self, rel: str, exc: FilmError) -> None:
        """A transient failure (timeout, 5xx, a failed download) leaves a submitted job
        resumable: the next run collects it instead of paying again."""
        pending = self.manifest.artifacts.get(rel)
        if pending is not None and pending.status == "submitted":
            if not isinstance(exc, (Unavailable, RateLimited)):
                pending.status = "failed"
            pending.error = exc.message[:500]
            self.save()

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
        self, stage: Stage, key: str | None, provider: Any, request: Any, out: Path,
        input_hash: str, exc: FilmError, resume_id: str | None = None,
    ) -> Artifact | None:
        """After a failed call: fall back to the offline provider, skip the shot, or fail."""
        metrics = self.summary.stages[stage.name]
        reason = exc.message.splitlines()[0][:300]
        rel = self.project.rel(out)
        what = f"{stage.name} {key or FILM_KEY}: {reason}"
        if self.options.on_error == "fallback" and provider.remote and stage.fallback:
            offline = self.provider(stage, "offline")
            refused = isinstance(exc, ContentRefused)
            self.sink.emit("fallback", stage=stage.name, shot_id=key,
                           provider=provider.name, error=reason, refused=refused)
            metrics.fallback += 1
            self.summary.fallbacks.append(what)
            kind = ("transient" if isinstance(exc, (Unavailable, RateLimited))
                    else "refused" if refused else "error")
            return await self._attempt(stage, key, offline, request, out, input_hash, None, {
                "fallback": True, "fallback_for": provider.name, "fallback_kind": kind,
                "error": reason, "pending_request_id": self._pending_job(rel, input_hash,
                                                                         resume_id, exc),
            })
        if self.options.on_error == "skip" and key is not None:
            metrics.failed += 1
            self.summary.failures.append(what)
            self.summary.skipped.add(key)
            pending = self._pending_job(rel, input_hash, resume_id, exc)
            status = "failed" if pending is None else "submitted"  # a paid job stays collectable
            self.manifest.artifacts[rel] = Artifact(
                stage=stage.name, path=rel, shot_id=key, status=status, input_hash=input_hash,
                provider=provider.name, model=provider.model, request_id=pending, error=reason)
            self.save()
            self.sink.emit("artifact_failed", stage=stage.name, shot_id=key, error=reason)
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


@dataclass
class _Job:
    """One attempt at one artifact."""

    stage: Stage
    key: str | None
    provider: Any
    out: Path
    rel: str
    input_hash: str
    resume_id: str | None
    fallback: dict[str, Any]
    #: what the manifest records of the request (the references a shot used)
    noted: dict[str, Any] = field(default_factory=dict)
    ledger_line: dict[str, Any] | None = None

    @property
    def what(self) -> str:
        return f"{self.stage.name} {self.key or FILM_KEY}"

    def entry(self, **fields: Any) -> Artifact:
        return Artifact(stage=self.stage.name, path=self.rel, shot_id=self.key,
                        input_hash=self.input_hash, provider=self.provider.name,
                        model=self.provider.model, params=self.provider.params(), **fields)


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder {folder}: {exc.strerror}") from exc
