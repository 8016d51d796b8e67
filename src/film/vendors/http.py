"""The shared async HTTP client, one retry policy for every provider, streaming downloads.

Retries: exponential backoff with full jitter on 408/425/429/5xx and transport errors
(timeouts, resets), honouring Retry-After, capped in attempts and in total wait. 4xx answers
are not retried; a moderation refusal becomes ContentRefused.
"""

from __future__ import annotations

import base64
import email.utils
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from film.errors import ContentRefused, ProviderError, RateLimited, Unavailable
from film.vendors.retry import RetryPolicy

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})
_REFUSAL_WORDS = ("content policy", "content_policy", "moderation", "nsfw", "safety",
                  "flagged", "content filter", "prohibited")


def make_client(timeout: float = 120.0, **kwargs: Any) -> httpx.AsyncClient:
    """The run's one AsyncClient: explicit timeouts, pooled connections."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(timeout, connect=15.0),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        follow_redirects=True,
        **kwargs,
    )


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After as seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def looks_like_refusal(text: str) -> bool:
    low = text.lower()
    return any(word in low for word in _REFUSAL_WORDS)


def error_for_response(
    response: httpx.Response, provider: str, key_var: str | None = None
) -> ProviderError:
    """A clear ProviderError for a non-2xx answer (never includes request headers/keys)."""
    status = response.status_code
    body = response.text[:2000] if response.content else ""
    detail = _error_detail(response)
    where = f"{provider} answered {status}"
    if status == 401 or status == 403:
        hint = f"Check {key_var}." if key_var else "Check the API key."
        return ProviderError(f"{where}: authentication failed ({detail})", provider=provider,
                             status=status, body=body, hint=hint)
    if status == 402:
        return ProviderError(f"{where}: out of credits ({detail})", provider=provider,
                             status=status, body=body,
                             hint="Add credits to the account, or use a cheaper/offline model.")
    if status == 429:
        return RateLimited(f"{where}: rate limited ({detail})", provider=provider, status=status,
                           body=body, hint="Wait a minute or lower the concurrency.")
    if status >= 500 or status in RETRY_STATUSES:
        return Unavailable(f"{where}: service unavailable ({detail})", provider=provider,
                           status=status, body=body, hint="Try again later.")
    if looks_like_refusal(body):
        return ContentRefused(f"{where}: the prompt was refused by moderation ({detail})",
                              provider=provider, status=status, body=body,
                              hint="Rephrase the shot's prompt.")
    return ProviderError(f"{where}: {detail}", provider=provider, status=status, body=body)


def _error_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text.strip()[:300] or response.reason_phrase
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data))
        if isinstance(err, dict):
            return str(err.get("message") or err.get("msg") or err)[:300]
        return str(err)[:300]
    return str(data)[:300]


async def send_with_retries(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    provider: str,
    policy: RetryPolicy | None = None,
    key_var: str | None = None,
    on_retry: Callable[[int, float, str], None] | None = None,
    idempotent: bool = True,
    **kwargs: Any,
) -> httpx.Response:
    """Send a request, retrying what is worth retrying; raise a ProviderError otherwise.

    `idempotent=False` is for a POST that starts paid work: it is retried only when the
    server cannot have acted on it (429, or a connection that was never made), so a 5xx or a
    read timeout after the job was created never pays for a second job.
    """
    policy = policy or RetryPolicy()
    retry_statuses = RETRY_STATUSES if idempotent else frozenset({429})
    waited = 0.0
    attempt = 0
    while True:
        attempt += 1
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.TransportError as exc:
            never_sent = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
            failure: ProviderError = Unavailable(
                f"{provider}: {type(exc).__name__} talking to {httpx.URL(url).host}",
                provider=provider, hint="Check the network or the base URL.",
            )
            delay = policy.backoff(attempt)
            if not (idempotent or never_sent):
                raise failure from exc
        else:
            if response.is_success:
                return response
            failure = error_for_response(response, provider, key_var)
            if response.status_code not in retry_statuses:
                raise failure
            after = retry_after_seconds(response)
            delay = after if after is not None else policy.backoff(attempt)
        if attempt >= policy.max_attempts or waited + delay > policy.max_total_wait:
            raise failure
        if on_retry:
            on_retry(attempt, delay, failure.message)
        await policy.sleep(delay)
        waited += delay


async def download(
    client: httpx.AsyncClient,
    url: str,
    dest: Path,
    *,
    provider: str,
    expect: tuple[str, ...] = (),
    max_bytes: int = 2_000_000_000,
    policy: RetryPolicy | None = None,
) -> int:
    """Stream `url` (or a data: URI) into `dest` (a temp path); check type and size.

    A body shorter than its Content-Length is a truncated download: it is retried, and
    reported as Unavailable if it stays truncated. Returns the number of bytes written.
    """
    if url.startswith("data:"):
        header, _, payload = url.partition(",")
        data = base64.b64decode(payload) if ";base64" in header else payload.encode()
        dest.write_bytes(data)
        return len(data)
    policy = policy or RetryPolicy()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await _download_once(client, url, dest, provider, expect, max_bytes)
        except ProviderError as exc:
            if exc.status not in RETRY_STATUSES or attempt >= policy.max_attempts:
                raise
            await policy.sleep(policy.backoff(attempt))
        except (httpx.TransportError, _Truncated) as exc:
            if attempt >= policy.max_attempts:
                raise Unavailable(
                    f"{provider}: download of {httpx.URL(url).path or url} failed: {exc}",
                    provider=provider,
                ) from exc
            await policy.sleep(policy.backoff(attempt))


class _Truncated(Exception):
    pass


async def _download_once(
    client: httpx.AsyncClient, url: str, dest: Path, provider: str,
    expect: tuple[str, ...], max_bytes: int,
) -> int:
    async with client.stream("GET", url) as response:
        if not response.is_success:
            await response.aread()
            raise error_for_response(response, provider)
        ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if expect and ctype and not any(ctype.startswith(e) for e in expect) \
                and ctype != "application/octet-stream":
            raise ProviderError(
                f"{provider}: expected {' or '.join(expect)} but got {ctype}", provider=provider
            )
        declared = int(response.headers.get("content-length") or 0)
        if declared > max_bytes:
            raise ProviderError(f"{provider}: download too large ({declared} bytes)",
                                provider=provider)
        written = 0
        with open(dest, "wb") as fh:
            async for chunk in response.aiter_bytes():
                written += len(chunk)
                if written > max_bytes:
                    raise ProviderError(f"{provider}: download too large", provider=provider)
                fh.write(chunk)
        received = response.num_bytes_downloaded
    if declared and received < declared:
        raise _Truncated(f"got {received} of {declared} bytes")
    if written == 0:
        raise _Truncated("empty body")
    return written
