"""A small client for fal's queue REST API: submit, poll the status, fetch the result.

Raw httpx instead of the fal-client SDK: one shared client and retry policy per run, resume by
request id, and a base URL override for 127.0.0.1 fakes (fal-client only builds https URLs
from hosts it reads from the environment at import).

The protocol, as fal-client speaks it:
    POST {queue}/{app_id}                         body = the app's input (JSON)
         → {request_id, status_url, response_url, cancel_url}
    GET  {queue}/{owner}/{alias}/requests/{id}/status?logs=1
         → {status: IN_QUEUE, queue_position} | {status: IN_PROGRESS, logs}
           | {status: COMPLETED, logs, metrics, error?, error_type?}
    GET  {queue}/{owner}/{alias}/requests/{id}    → the app's output (JSON)
The request URLs drop any sub-path of the app id (`fal-ai/flux/schnell` → `fal-ai/flux`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from film.errors import ContentRefused, ProviderError
from film.vendors.http import looks_like_refusal, send_with_retries
from film.vendors.polling import PollingClient, Progress

DEFAULT_QUEUE_URL = "https://queue.fal.run"
_NAMESPACES = ("workflows", "comfy")
#: statuses that mean "the request id is not known here (any more)"
GONE_STATUSES = (404, 410)


def queue_base_url(settings: Any = None) -> str:
    """The queue host: `settings.fal_queue_url` (env FAL_QUEUE_URL), else the env, else fal's."""
    value = getattr(settings, "fal_queue_url", None) or os.environ.get(
        "FAL_QUEUE_URL", DEFAULT_QUEUE_URL
    )
    return str(value).rstrip("/")


def request_base(app_id: str) -> str:
    """`owner/alias` (with a namespace prefix if any): the path requests live under."""
    parts = [p for p in app_id.strip("/").split("/") if p]
    if len(parts) < 2:
        raise ValueError(f"invalid fal app id {app_id!r} (expected owner/alias[/path])")
    if parts[0] in _NAMESPACES and len(parts) >= 3:
        return "/".join(parts[:3])
    return "/".join(parts[:2])


@dataclass(frozen=True)
class FalHandle:
    """A submitted queue request and where to ask about it."""

    request_id: str
    status_url: str
    response_url: str


@dataclass
class FalQueue(PollingClient):
    """Submit to fal's queue, wait for the request, fetch its result (all over `client`)."""

    client: httpx.AsyncClient
    key: str
    base_url: str = field(default_factory=queue_base_url)
    provider: str = field(default="fal", kw_only=True)

    @property
    def secret(self) -> str:
        return self.key

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Key {self.key}", "Accept": "application/json"}

    def handle_for(self, app_id: str, request_id: str) -> FalHandle:
        """The handle of an earlier request (to resume it)."""
        base = f"{self.base_url}/{request_base(app_id)}/requests/{request_id}"
        return FalHandle(request_id, base + "/status", base)

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await send_with_retries(
                self.client, method, url, provider=self.provider, policy=self.policy,
                key_var="FAL_KEY", headers=self.headers, on_retry=self._retried,
                idempotent=method != "POST", **kwargs,
            )
        except ProviderError as exc:
            raise _refine(exc) from exc.__cause__

    async def submit(self, app_id: str, arguments: dict[str, Any]) -> FalHandle:
        """POST the input to the app's queue; the reply names the request."""
        response = await self._send("POST", f"{self.base_url}/{app_id.strip('/')}",
                                     json=arguments)
        data = _json(response, self.provider)
        request_id = data.get("request_id")
        if not request_id:
            raise ProviderError(f"{self.provider}: the queue reply has no request_id",
                                provider=self.provider, body=response.text)
        own = self.handle_for(app_id, str(request_id))
        # Follow the reply's URLs only on the queue's own host: the key goes nowhere else.
        status_url = _same_origin(data.get("status_url"), self.base_url) or own.status_url
        response_url = _same_origin(data.get("response_url"), self.base_url) or own.response_url
        return FalHandle(str(request_id), status_url, response_url)

    async def status(self, handle: FalHandle) -> dict[str, Any]:
        """One status poll (with logs)."""
        response = await self._send("GET", handle.status_url, params={"logs": "1"})
        return _json(response, self.provider)

    async def wait(self, handle: FalHandle) -> dict[str, Any]:
        """Poll until COMPLETED (backing off from `poll_initial` to `poll_max`)."""

        def check(data: dict[str, Any]) -> Progress:
            state = str(data.get("status", "")).upper()
            if state == "COMPLETED":
                if data.get("error"):
                    raise _completed_error(data, self.provider, handle.request_id)
                return None
            if state not in ("IN_QUEUE", "IN_PROGRESS"):
                raise ProviderError(f"{self.provider}: unknown queue status {state!r}",
                                    provider=self.provider, body=json.dumps(data)[:2000],
                                    request_id=handle.request_id)
            note = (f"queued (position {data.get('queue_position')})"
                    if state == "IN_QUEUE" else _last_log(data) or "running")
            return state, note

        return await self.poll(
            lambda: self.status(handle), check, noun="request", job_id=handle.request_id,
            hint="Re-run later: the request id is saved, so the job is collected, "
            "not paid for again.",
        )

    async def result(self, handle: FalHandle) -> dict[str, Any]:
        """GET the finished request's output."""
        response = await self._send("GET", handle.response_url)
        return _json(response, self.provider)

    async def collect(self, handle: FalHandle) -> dict[str, Any]:
        await self.wait(handle)
        return await self.result(handle)

    async def run(
        self,
        app_id: str,
        arguments: dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]],
        *,
        resume_id: str | None = None,
        on_submitted: Callable[[str], None] = lambda _id: None,
    ) -> tuple[str, dict[str, Any]]:
        """Submit (or resume `resume_id`), hand the id to `on_submitted`, wait, fetch.

        `arguments` may be an async function making them: it runs only when a request is
        submitted (a resumed one needs no upload). A resumed id the queue no longer knows
        (404/410), or whose run failed, is submitted anew. Returns (request_id, output).
        """
        if resume_id:
            handle = self.handle_for(app_id, resume_id)
            try:
                return resume_id, await self.collect(handle)
            except ProviderError as exc:
                if not (exc.status in GONE_STATUSES or getattr(exc, "_fal_run_failed", False)):
                    raise
                self.report(f"{self.provider}: earlier request {resume_id} is gone "
                            f"({exc.message}); submitting anew")
        if not isinstance(arguments, dict):
            arguments = await arguments()
        handle = await self.submit(app_id, arguments)
        on_submitted(handle.request_id)
        return handle.request_id, await self.collect(handle)


def _json(response: httpx.Response, provider: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError as exc:
        raise ProviderError(f"{provider}: the reply is not JSON", provider=provider,
                            status=response.status_code, body=response.text) from exc
    if not isinstance(data, dict):
        raise ProviderError(f"{provider}: unexpected reply {str(data)[:200]}",
                            provider=provider, status=response.status_code, body=response.text)
    return data


def _same_origin(url: Any, base: str) -> str | None:
    if not isinstance(url, str) or not url:
        return None
    try:
        a, b = httpx.URL(url), httpx.URL(base)
    except (httpx.InvalidURL, TypeError):
        return None
    same = (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)
    return url if same else None


def _last_log(data: dict[str, Any]) -> str:
    logs = data.get("logs") or []
    if logs and isinstance(logs[-1], dict):
        return str(logs[-1].get("message", ""))[:200]
    return ""


def _completed_error(data: dict[str, Any], provider: str, request_id: str) -> ProviderError:
    message = str(data.get("error"))[:500]
    kind = str(data.get("error_type") or "")
    cls = ContentRefused if looks_like_refusal(f"{message} {kind}") else ProviderError
    exc = cls(f"{provider}: request {request_id} failed: {message}", provider=provider,
              body=json.dumps(data)[:2000], request_id=request_id)
    exc._fal_run_failed = True  # type: ignore[attr-defined]
    return exc


def _refine(exc: ProviderError) -> ProviderError:
    """Turn fal's validation detail (`{"detail": [{loc, msg, type}]}`) into a readable line."""
    if exc.status != 422 or not exc.body:
        return exc
    try:
        detail = json.loads(exc.body).get("detail")
    except (ValueError, AttributeError):
        return exc
    if not isinstance(detail, list) or not detail:
        return exc
    parts = []
    for item in detail[:5]:
        if not isinstance(item, dict):
            continue
        loc = [str(p) for p in item.get("loc", []) if p != "body"]
        where = ".".join(loc)
        msg = str(item.get("msg", item))
        parts.append(f"{where}: {msg}" if where else msg)
    if not parts:
        return exc
    text = f"{exc.provider} rejected the input: " + "; ".join(parts)
    refined = type(exc)(text, provider=exc.provider, status=exc.status, body=exc.body,
                        hint=exc.hint, request_id=exc.request_id)
    return refined
