"""The shared life of a remote job on fal's queue or Replicate: submit (or resume) it with the
key, hand its id to `ctx.on_submitted` before waiting, fetch its output into the caller's
temp path, and keep the key out of every error. Image and video adapters both use it.

A job's input may need local files (a shot's still) as URLs: the input is then made by an
async function that gets an `Uploader`, and only when a job is submitted (a resumed job
uploads nothing). fal gets every file through its storage upload; Replicate gets a small
file (up to DATA_URI_MAX) inline as a data URL, a larger one through its files API. Uploads
are reused by content (film.vendors.uploads).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import httpx

from film.config import Settings
from film.errors import ConfigError, FilmError, ProviderError, redact
from film.providers.contract import JobContext
from film.vendors.fal import GONE_STATUSES, FalQueue, queue_base_url
from film.vendors.fal_storage import rest_base_url, upload_to_fal
from film.vendors.http import make_client
from film.vendors.replicate import DATA_URI_MAX, ReplicateAPI, output_urls, parse_ref
from film.vendors.retry import RetryPolicy
from film.vendors.uploads import UploadCache, account_of, data_uri, read_image, upload_once


@asynccontextmanager
async def client_for(ctx: JobContext) -> AsyncIterator[httpx.AsyncClient]:
    """The run's shared client, or a short-lived one when the caller passed none."""
    if ctx.client is not None:
        yield ctx.client
        return
    async with make_client(ctx.settings.film_http_timeout) as client:
        yield client


def replicate_model(model: str) -> str:
    """`owner/name` or `owner/name:version`, checked (a ConfigError otherwise)."""
    try:
        parse_ref(model)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="e.g. replicate:black-forest-labs/flux-schnell or "
                          "replicate:owner/name:<version id>") from exc
    return model


def remote_url_for_meta(url: str) -> str:
    """The URL to record (a data URI is shortened to its header)."""
    return url.split(",", 1)[0] + ",..." if url.startswith("data:") else url


class RemoteProvider(Protocol):
    """What `run_fal` / `run_replicate` read from a provider."""

    name: str
    model: str
    settings: Settings
    poll_timeout: float


class RemoteJob(NamedTuple):
    """A finished remote job: its id, the fal output or Replicate prediction, the file's URL
    and the meta `fetch` returned."""

    request_id: str
    result: dict[str, Any]
    url: str
    meta: dict[str, Any]


#: a local file → a URL the vendor's model can read
Uploader = Callable[[Path], Awaitable[str]]
#: the job's input, or an async function making it from an Uploader
Arguments = dict[str, Any] | Callable[[Uploader], Awaitable[dict[str, Any]]]
#: `fetch(client, url, out, provider=..., policy=...)` → meta (fetch_image, fetch_video)
Fetch = Callable[..., Awaitable[dict[str, Any]]]
#: a maker of the job's input, run only when a job is submitted
Make = Callable[[], Awaitable[dict[str, Any]]]
#: `submit(client, secret, policy, make)` → (request id, result, the URL to fetch)
_Submit = Callable[[httpx.AsyncClient, str, RetryPolicy, Make],
                   Awaitable[tuple[str, dict[str, Any], str]]]
#: `uploader(client, secret, policy)` → the vendor's Uploader
_MakeUploader = Callable[[httpx.AsyncClient, str, RetryPolicy], Uploader]


def upload_cache(settings: Settings) -> UploadCache:
    """The uploads film remembers, in the user's cache folder."""
    return UploadCache(settings.user_dir() / "uploads.json")


def _scrubbed(ctx: JobContext, secret: str) -> Callable[[int, float, str], None] | None:
    if ctx.on_retry is None:
        return None
    on_retry = ctx.on_retry
    return lambda attempt, delay, message: on_retry(attempt, delay, redact(message, secret))


async def _run_remote(provider: RemoteProvider, ctx: JobContext, secret_name: str,
                      arguments: Arguments, submit: _Submit, fetch: Fetch, out: Path,
                      uploader: _MakeUploader) -> RemoteJob:
    secret = provider.settings.require(secret_name)
    policy = ctx.retry_policy()
    try:
        async with client_for(ctx) as client:
            upload = uploader(client, secret, policy)

            async def make() -> dict[str, Any]:
                return arguments if isinstance(arguments, dict) else await arguments(upload)

            request_id, result, url = await submit(client, secret, policy, make)
            meta = await fetch(client, url, out, provider=provider.name, policy=policy)
    except FilmError as exc:
        exc.redacted(secret)
        raise
    return RemoteJob(request_id, result, url, meta)


def _fal_queue(provider: RemoteProvider, ctx: JobContext, client: httpx.AsyncClient, key: str,
               policy: RetryPolicy) -> FalQueue:
    return FalQueue(client, key, provider=provider.name, policy=policy,
                    base_url=queue_base_url(provider.settings), timeout=provider.poll_timeout,
                    report=ctx.report, on_retry=ctx.on_retry)


async def run_fal(provider: RemoteProvider, ctx: JobContext, app_id: str, arguments: Arguments,
                  *, pick_url: Callable[[dict[str, Any], str], str], fetch: Fetch,
                  out: Path) -> RemoteJob:
    """Run (or resume) `app_id` on fal's queue, `fetch` the URL `pick_url(output, id)` names
    into `out`; local files go through fal's storage upload; errors are scrubbed of the key."""

    async def submit(client: httpx.AsyncClient, key: str, policy: RetryPolicy,
                     make: Make) -> tuple[str, dict[str, Any], str]:
        queue = _fal_queue(provider, ctx, client, key, policy)
        request_id, output = await queue.run(app_id, make, resume_id=ctx.resume_id,
                                             on_submitted=ctx.on_submitted)
        return request_id, output, pick_url(output, request_id)

    def uploader(client: httpx.AsyncClient, key: str, policy: RetryPolicy) -> Uploader:
        cache = upload_cache(provider.settings)

        async def url_for(path: Path) -> str:
            file = await asyncio.to_thread(read_image, path)
            return await upload_once(
                cache, f"fal:{account_of(key)}:{file.digest}", len(file.data),
                lambda: upload_to_fal(client, key, file, rest_url=rest_base_url(
                    provider.settings), provider=provider.name, policy=policy,
                    on_retry=_scrubbed(ctx, key)))

        return url_for

    return await _run_remote(provider, ctx, "fal_key", arguments, submit, fetch, out, uploader)


def _replicate_api(provider: RemoteProvider, ctx: JobContext, client: httpx.AsyncClient,
                   token: str, policy: RetryPolicy) -> ReplicateAPI:
    return ReplicateAPI(client, token, base_url=provider.settings.replicate_base_url,
                        provider=provider.name, policy=policy, timeout=provider.poll_timeout,
                        report=ctx.report, on_retry=ctx.on_retry)


async def run_replicate(provider: RemoteProvider, ctx: JobContext, arguments: Arguments, *,
                        kind: str, fetch: Fetch, out: Path) -> RemoteJob:
    """Run (or resume) a prediction of `provider.model`, `fetch` its first output (a `kind`,
    for the message if there is none) into `out`; a local file up to DATA_URI_MAX goes
    inline, a larger one through the files API; errors are scrubbed of the token."""

    async def submit(client: httpx.AsyncClient, token: str, policy: RetryPolicy,
                     make: Make) -> tuple[str, dict[str, Any], str]:
        api = _replicate_api(provider, ctx, client, token, policy)
        prediction = await api.run(provider.model, make, resume_id=ctx.resume_id,
                                   on_submitted=ctx.on_submitted)
        urls = output_urls(prediction.get("output"))
        if not urls:
            raise ProviderError(f"{provider.name}: the prediction has no {kind} output",
                                provider=provider.name, request_id=prediction["id"],
                                body=str(prediction.get("output"))[:2000])
        return prediction["id"], prediction, urls[0]

    def uploader(client: httpx.AsyncClient, token: str, policy: RetryPolicy) -> Uploader:
        cache = upload_cache(provider.settings)
        api = _replicate_api(provider, ctx, client, token, policy)

        async def url_for(path: Path) -> str:
            file = await asyncio.to_thread(read_image, path)
            if len(file.data) <= DATA_URI_MAX:
                return data_uri(file)
            return await upload_once(cache, f"replicate:{account_of(token)}:{file.digest}",
                                     len(file.data), lambda: api.upload(file))

        return url_for

    return await _run_remote(provider, ctx, "replicate_api_token", arguments, submit, fetch,
                             out, uploader)


# ---- the state of a job a stopped run left (film jobs) -------------------------------------


async def fal_job_state(provider: RemoteProvider, ctx: JobContext, app_id: str,
                        request_id: str) -> str:
    """What fal's queue says about a request: queued, running, completed, failed or gone."""
    key = provider.settings.require("fal_key")
    async with client_for(ctx) as client:
        queue = _fal_queue(provider, ctx, client, key, ctx.retry_policy())
        try:
            data = await queue.status(queue.handle_for(app_id, request_id))
        except ProviderError as exc:
            if exc.status in GONE_STATUSES:
                return "gone (fal no longer knows it)"
            raise exc.redacted(key) from None
    state = str(data.get("status", "")).upper()
    if state == "IN_QUEUE":
        return f"queued (position {data.get('queue_position')})"
    if state == "COMPLETED":
        return "failed" if data.get("error") else "completed, not collected yet"
    return "running" if state == "IN_PROGRESS" else state.lower() or "unknown"


async def replicate_job_state(provider: RemoteProvider, ctx: JobContext,
                              request_id: str) -> str:
    """What Replicate says about a prediction: its status, or gone."""
    token = provider.settings.require("replicate_api_token")
    async with client_for(ctx) as client:
        api = _replicate_api(provider, ctx, client, token, ctx.retry_policy())
        try:
            prediction = await api.get(request_id)
        except ProviderError as exc:
            if exc.status in (404, 410):
                return "gone (Replicate no longer knows it)"
            raise exc.redacted(token) from None
    status = str(prediction.get("status") or "unknown")
    return "succeeded, not collected yet" if status == "succeeded" else status
