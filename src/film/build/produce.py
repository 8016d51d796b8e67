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
from pathlib import Path
from typing import Any

from film.build.freshness import (
    PERSONAL,
    edited_by_hand,
    input_hash_of,
    is_current,
    placed_by_hand,
    resumable,
    settled,
)
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
                      out: Path, inputs: dict[str, Any]) -> Artifact | None:
        """Make `out` unless it is current; handle hand edits, resume, budget and fallback.

        Returns its manifest entry, or None when it failed and --on-error is skip."""
        rel = self.project.rel(out)
        input_hash = input_hash_of(stage.name, provider, inputs)
        metrics = self.summary.stages[stage.name]
        entry = settled(self.manifest.artifacts.get(rel), out)
        forced = (key or FILM_KEY, stage.name) in self.options.force
        if stage.document and not forced and edited_by_hand(entry, out):
            entry = self._keep_document(stage, key, out, entry, input_hash)
        elif not forced and placed_by_hand(entry, out):
            entry = self._adopt(stage, key, out, input_hash)
        if not forced and is_current(entry, input_hash, out, provider, self._extra(stage)):
            metrics.reused += 1
            self.sink.emit("artifact_done", stage=stage.name, shot_id=key, cached=True,
                           provider=entry.provider, path=rel, cost_usd=0.0)  # type: ignore[union-attr]
            return entry
        resume_id = None if forced else resumable(entry, input_hash, provider)
        if resume_id:
            self.sink.emit("resumed", stage=stage.name, shot_id=key, request_id=resume_id)
        try:
            return await self._attempt(stage, key, provider, request, out, input_hash,
                                       resume_id)
        except (ProviderError, MediaError) as exc:
            return await self._recover(stage, key, provider, request, out, input_hash, exc,
                                       resume_id)

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

    def _keep_document(self, stage: Stage, key: str | None, out: Path,
                       entry: Artifact | None, input_hash: str) -> Artifact:
        """A document someone edited is kept when it still answers the same inputs, and is
        never replaced without consent when it does not."""
        rel = self.project.rel(out)
        if entry is not None and entry.status == "done" and entry.input_hash == input_hash:
            if entry.provider not in PERSONAL:
                entry = self._adopt(stage, key, out, input_hash, quiet=True)
                self.sink.emit("message", text=f"{rel} was edited by hand, so it is used as it "
                               "is (--overwrite makes a new one)")
            return entry
        raise InputError(
            f"{out} was edited by hand (or not made by film) and was not made from these "
            "inputs, so it is not replaced",
            hint=f"Add --overwrite to replace it{self._kept_note()}, or write elsewhere."
            if not self.project.record else
            f"Add --overwrite to replace it (the edited {rel} is kept in .film/history/).")

    def _kept_note(self) -> str:
        return "" if self.project.record else " (the current file is not kept)"

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
        rel = self.project.rel(out)
        # A resumed job is reserved too: it was never booked, and if the remote lost it the
        # provider submits (and pays for) a new one.
        estimate = provider.estimate_cost(request) if provider.remote else 0.0
        metrics = self.summary.stages[stage.name]
        reservation = 0.0

        def entry_of(**kw: Any) -> Artifact:
            return Artifact(stage=stage.name, path=rel, shot_id=key, input_hash=input_hash,
                            provider=provider.name, model=provider.model,
                            params=provider.params(), **kw)

        def on_submitted(request_id: str) -> None:
            self.manifest.artifacts[rel] = entry_of(status="submitted", request_id=request_id)
            self.save()

        def on_retry(attempt: int, delay: float, message: str) -> None:
            self.sink.emit("retry", what=f"{stage.name} {key or FILM_KEY}", attempt=attempt,
                           delay=delay, message=message)

        ctx = JobContext(client=self.client, settings=self.settings, retry=self.retry,
                         resume_id=resume_id, on_submitted=on_submitted,
                         report=lambda text: self.sink.emit("message", text=text),
                         on_retry=on_retry)
        started = time.monotonic()
        tmp = temp_path_for(out)
        try:
            try:
                async with self.limit_for(provider):
                    reservation = self._reserve(estimate, f"{stage.name} for {key or FILM_KEY} "
                                                          f"({provider.name})")
                    if provider.remote:
                        metrics.calls += 1
                    _make_folder(out.parent)
                    result = await getattr(provider, stage.method)(request, tmp, ctx)
                if not tmp.is_file() or tmp.stat().st_size == 0:
                    raise MediaError(f"{provider.name} wrote nothing for {stage.name} "
                                     f"{key or FILM_KEY}")
            except asyncio.CancelledError:
                self.budget.release(reservation)
                raise
            except FilmError as exc:
                self.budget.release(reservation)
                self._mark_failed_job(rel, exc)
                raise
            seconds = time.monotonic() - started
            self.budget.settle(reservation, result.cost_usd, {
                "stage": stage.name, "shot_id": key, "provider": provider.name,
                "model": result.model or provider.model, "request_id": result.request_id,
            })
            entry = entry_of(status="writing", cost_usd=round(result.cost_usd, 6),
                             seconds=round(seconds, 3), request_id=result.request_id or resume_id,
                             meta=result.meta, size=tmp.stat().st_size,
                             digest=file_digest(tmp) if stage.document else None,
                             **(fallback or {}))
            if result.model:
                entry.model = result.model
            if result.params is not None:
                entry.params = result.params
            self.manifest.artifacts[rel] = entry
            if result.cost_usd:
                self.manifest.ledger.append(self.budget.entries[-1])
            self.save()
            self._keep_previous(stage, out, tmp)
            os.replace(tmp, out)
            entry.status = "done"
            self.save()
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        metrics.record(started, started + seconds)
        metrics.cost_usd += result.cost_usd
        self.sink.emit("artifact_done", stage=stage.name, shot_id=key, cached=False,
                       provider=provider.name, path=rel, seconds=round(seconds, 3),
                       cost_usd=result.cost_usd, fallback=fallback is not None)
        return entry

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


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder {folder}: {exc.strerror}") from exc
