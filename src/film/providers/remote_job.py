"""The shared life of a remote job on fal's queue or Replicate: submit (or resume) it with the
key, hand its id to `ctx.on_submitted` before waiting, fetch its output into the caller's
temp path, and keep the key out of every error. Image and video adapters both use it."""

from __future__ import annotations

import difflib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import httpx

from film.config import Settings
from film.errors import ConfigError, FilmError, ProviderError
from film.providers.contract import JobContext
from film.vendors.fal import FalQueue, queue_base_url
from film.vendors.http import make_client
from film.vendors.replicate import ReplicateAPI, output_urls, split_model
from film.vendors.retry import RetryPolicy


@asynccontextmanager
async def client_for(ctx: JobContext) -> AsyncIterator[httpx.AsyncClient]:
    """The run's shared client, or a short-lived one when the caller passed none."""
    if ctx.client is not None:
        yield ctx.client
        return
    async with make_client(ctx.settings.film_http_timeout) as client:
        yield client


def app_id_for(vendor: str, model: str, known: dict[str, str]) -> str:
    """A short model name → the vendor's id; ids with a slash pass through unchanged."""
    if model in known:
        return known[model]
    if "/" in model and " " not in model:
        return model
    close = difflib.get_close_matches(model, known, n=2, cutoff=0.4)
    hint = f"Did you mean {' or '.join(close)}? " if close else ""
    raise ConfigError(f"unknown {vendor} model {model!r}",
                      hint=f"{hint}Known: {', '.join(sorted(known))}, or a full app id.")


def replicate_model(model: str) -> str:
    try:
        split_model(model)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="e.g. replicate:black-forest-labs/flux-schnell") from exc
    return model


def nearest_aspect(width: int, height: int, choices: tuple[str, ...]) -> str:
    """The aspect ratio among `choices` ("16:9", ...) closest to width:height."""
    target = math.log(width / height)

    def distance(choice: str) -> float:
        w, h = (int(x) for x in choice.split(":"))
        return abs(math.log(w / h) - target)

    return min(choices, key=distance)


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


#: the job's input, or an async function making it (run inside the key-scrubbing block)
Arguments = dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]]
#: `fetch(client, url, out, provider=..., policy=...)` → meta (fetch_image, fetch_video)
Fetch = Callable[..., Awaitable[dict[str, Any]]]
#: `submit(client, secret, policy, arguments)` → (request id, result, the URL to fetch)
_Submit = Callable[[httpx.AsyncClient, str, RetryPolicy, dict[str, Any]],
                   Awaitable[tuple[str, dict[str, Any], str]]]


async def _run_remote(provider: RemoteProvider, ctx: JobContext, secret_name: str,
                      arguments: Arguments, submit: _Submit, fetch: Fetch,
                      out: Path) -> RemoteJob:
    secret = provider.settings.require(secret_name)
    policy = ctx.retry_policy()
    try:
        args = arguments if isinstance(arguments, dict) else await arguments()
        async with client_for(ctx) as client:
            request_id, result, url = await submit(client, secret, policy, args)
            meta = await fetch(client, url, out, provider=provider.name, policy=policy)
    except FilmError as exc:
        exc.redacted(secret)
        raise
    return RemoteJob(request_id, result, url, meta)


async def run_fal(provider: RemoteProvider, ctx: JobContext, app_id: str, arguments: Arguments,
                  *, pick_url: Callable[[dict[str, Any], str], str], fetch: Fetch,
                  out: Path) -> RemoteJob:
    """Run (or resume) `app_id` on fal's queue, `fetch` the URL `pick_url(output, id)` names
    into `out`; errors are scrubbed of the key."""

    async def submit(client: httpx.AsyncClient, key: str, policy: RetryPolicy,
                     args: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        queue = FalQueue(client, key, provider=provider.name, policy=policy,
                         base_url=queue_base_url(provider.settings),
                         timeout=provider.poll_timeout, report=ctx.report, on_retry=ctx.on_retry)
        request_id, output = await queue.run(app_id, args, resume_id=ctx.resume_id,
                                             on_submitted=ctx.on_submitted)
        return request_id, output, pick_url(output, request_id)

    return await _run_remote(provider, ctx, "fal_key", arguments, submit, fetch, out)


async def run_replicate(provider: RemoteProvider, ctx: JobContext, arguments: Arguments, *,
                        kind: str, fetch: Fetch, out: Path) -> RemoteJob:
    """Run (or resume) a prediction of `provider.model`, `fetch` its first output (a `kind`,
    for the message if there is none) into `out`; errors are scrubbed of the token."""

    async def submit(client: httpx.AsyncClient, token: str, policy: RetryPolicy,
                     args: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        api = ReplicateAPI(client, token, base_url=provider.settings.replicate_base_url,
                           provider=provider.name, policy=policy, timeout=provider.poll_timeout,
                           report=ctx.report, on_retry=ctx.on_retry)
        prediction = await api.run(provider.model, args, resume_id=ctx.resume_id,
                                   on_submitted=ctx.on_submitted)
        urls = output_urls(prediction.get("output"))
        if not urls:
            raise ProviderError(f"{provider.name}: the prediction has no {kind} output",
                                provider=provider.name, request_id=prediction["id"],
                                body=str(prediction.get("output"))[:2000])
        return prediction["id"], prediction, urls[0]

    return await _run_remote(provider, ctx, "replicate_api_token", arguments, submit, fetch, out)
