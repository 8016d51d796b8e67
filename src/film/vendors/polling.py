"""What the fal queue and Replicate clients share: retry and polling settings, and the poll loop.

The fields are keyword-only, so a client's own positional fields (`client`, `key`/`token`)
come first: `FalQueue(client, key, timeout=...)`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from film.errors import Unavailable, redact
from film.vendors.http import RetryPolicy

#: one poll's verdict: None when the job is done, else (its state, a progress note)
Progress = tuple[str, str] | None


@dataclass
class PollingClient:
    """Retry policy, poll back-off, timeout and progress callbacks of a remote job client."""

    provider: str = field(kw_only=True)
    policy: RetryPolicy = field(default_factory=RetryPolicy, kw_only=True)
    poll_initial: float = field(default=0.5, kw_only=True)
    poll_max: float = field(default=5.0, kw_only=True)
    poll_growth: float = field(default=1.5, kw_only=True)
    timeout: float = field(default=900.0, kw_only=True)
    report: Callable[[str], None] = field(default=lambda _msg: None, kw_only=True)
    on_retry: Callable[[int, float, str], None] | None = field(default=None, kw_only=True)

    @property
    def secret(self) -> str:
        """The credential to keep out of retry messages (a subclass names it)."""
        raise NotImplementedError

    def _retried(self, attempt: int, delay: float, message: str) -> None:
        if self.on_retry:
            self.on_retry(attempt, delay, redact(message, self.secret))

    async def poll(
        self,
        fetch: Callable[[], Awaitable[dict[str, Any]]],
        check: Callable[[dict[str, Any]], Progress],
        *,
        noun: str,
        job_id: str,
        hint: str,
    ) -> dict[str, Any]:
        """`fetch` the job until `check` says it is done (None); return that last reply.

        `check` raises on a failed job, else gives (state, note); a new note is reported.
        Between fetches it sleeps from `poll_initial` up to `poll_max`, growing by
        `poll_growth`; past `timeout` it raises Unavailable ("<noun> <job_id> still ...").
        """
        delay = self.poll_initial
        waited = 0.0
        last_note = ""
        while True:
            data = await fetch()
            progress = check(data)
            if progress is None:
                return data
            state, note = progress
            if note != last_note:
                self.report(f"{self.provider} {job_id}: {note}")
                last_note = note
            if waited + delay > self.timeout:
                raise Unavailable(
                    f"{self.provider}: {noun} {job_id} still {state} after {waited:.0f} s",
                    provider=self.provider, request_id=job_id, hint=hint,
                )
            await self.policy.sleep(delay)
            waited += delay
            delay = min(self.poll_max, delay * self.poll_growth)
