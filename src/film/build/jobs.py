"""Remote jobs a stopped run left in a project (`film jobs`): what is still being made, and
paid for, at a vendor.

A job is pending when the manifest records it as `submitted` (its id was saved before the
run waited on it), or when an offline stand-in holds the id of the paid job it replaced for
the time being (`pending_request_id`). The next run collects such a job instead of paying
for it again; `film jobs` shows each one with its age and, asked of the vendor, its state.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from typing import Any

from film.config import Settings
from film.errors import FilmError
from film.project import Artifact, Project
from film.providers.contract import JobContext
from film.stages.table import STAGES, stage
from film.vendors.retry import RetryPolicy


@dataclass
class PendingJob:
    """One job a run left: where its file goes, who makes it, since when, its state."""

    path: str
    stage: str
    shot_id: str | None
    provider: str
    request_id: str
    age_seconds: float
    state: str = "not asked"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _job_of(entry: Artifact, now: float) -> PendingJob | None:
    if entry.status == "submitted" and entry.request_id:
        provider, request_id = entry.provider, entry.request_id
    elif entry.fallback and entry.pending_request_id and entry.fallback_for:
        provider, request_id = entry.fallback_for, entry.pending_request_id
    else:
        return None
    return PendingJob(entry.path, entry.stage, entry.shot_id, provider, request_id,
                      max(0.0, now - entry.updated_at))


def pending_jobs(project: Project, now: float | None = None) -> list[PendingJob]:
    """The project's uncollected remote jobs, oldest first."""
    manifest = project.load_manifest()
    now = time.time() if now is None else now
    jobs = [job for entry in manifest.artifacts.values() if (job := _job_of(entry, now))]
    return sorted(jobs, key=lambda job: -job.age_seconds)


async def ask_vendors(jobs: list[PendingJob], settings: Settings, client: Any) -> None:
    """Fill in each job's state as its vendor reports it (concurrently; a job whose vendor
    cannot be asked says why)."""
    names = {st.name for st in STAGES}

    async def ask(job: PendingJob) -> None:
        if job.stage not in names:
            job.state = "unknown (not a media stage)"
            return
        try:
            provider = stage(job.stage).provider(job.provider, settings)
            job_state = getattr(provider, "job_state", None)
            if job_state is None:
                job.state = "unknown (this provider cannot be asked)"
                return
            ctx = JobContext(client=client, settings=settings,
                             retry=RetryPolicy(max_attempts=2, max_total_wait=10.0))
            job.state = await job_state(job.request_id, ctx)
        except FilmError as exc:
            job.state = f"unknown ({exc.message.splitlines()[0][:120]})"

    await asyncio.gather(*(ask(job) for job in jobs))


def age_text(seconds: float) -> str:
    """A short age: 45s, 12m, 3h, 2d."""
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}s"
