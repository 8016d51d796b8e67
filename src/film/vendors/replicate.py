"""A small client for Replicate's predictions API over the run's shared httpx client.

Raw httpx instead of the `replicate` SDK: one shared client and retry policy per run, resume
by prediction id, and the base URL from settings (REPLICATE_BASE_URL) so local fakes can
stand in.

The protocol, as replicate-python speaks it:
    POST {base}/v1/models/{owner}/{name}/predictions   Prefer: wait=5   {"input": {...}}
         (an official model, `owner/name`: its latest version)
    POST {base}/v1/predictions   Prefer: wait=5   {"version": "<id>", "input": {...}}
         (any model, `owner/name:<version id>`)
         → a prediction {id, status, output, error, urls}; finished if it took < 5 s
           (`Prefer: wait=n` holds the request up to n s, 1..60; bare `wait` means 60 s.
           A short hold gets the id back quickly, so a kill or timeout before it is
           saved cannot lose a paid prediction for long.)
    GET  {base}/v1/predictions/{id}                    → the prediction, polled until
         status is succeeded, failed, canceled or aborted (starting/processing before)
    POST {base}/v1/files   multipart: content=<the file>, metadata="{}"
         → 201 {id, urls: {get}, expires_at, ...}: `urls.get` goes into a model's input
Errors are RFC 7807 problem details: {title, detail, status, invalid_fields?}.
Output is a URL, a list of URLs, or a data URI.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from film.errors import ContentRefused, ProviderError
from film.vendors.http import looks_like_refusal, send_with_retries
from film.vendors.polling import PollingClient, Progress
from film.vendors.uploads import LocalFile

RUNNING = ("starting", "processing")
ENDED = ("failed", "canceled", "aborted")
#: the largest file sent inline as a data URL; Replicate's API spec: "Use a data URL when you
#: have a small file <= 256kb", an HTTP URL (the files API) above
DATA_URI_MAX = 256_000
#: a file upload is reused until this many seconds before it expires
EXPIRY_MARGIN = 600.0
_VERSION = re.compile(r"[0-9a-fA-F]{64}")
#: seconds the create call asks Replicate to hold the request (`Prefer: wait=n`)
CREATE_WAIT_SECONDS = 5
#: the create call's timeout: the hold plus headroom for the upload and a slow answer
SYNC_WAIT_TIMEOUT = httpx.Timeout(CREATE_WAIT_SECONDS + 25.0, connect=15.0)


def parse_ref(model: str) -> tuple[str, str, str | None]:
    """`owner/name` → (owner, name, None); `owner/name:<64 hex>` → (owner, name, version);
    anything else is a ValueError."""
    ref, _, version = model.strip().partition(":")
    owner, _, name = ref.partition("/")
    if not owner or not name or "/" in name or " " in ref:
        raise ValueError(f"expected a Replicate model as owner/name or owner/name:version, "
                         f"got {model!r}")
    if ":" in model and not _VERSION.fullmatch(version):
        raise ValueError(f"{model!r}: a Replicate version is a 64-character hex id")
    return owner, name, version or None


def split_model(model: str) -> tuple[str, str]:
    """`owner/name[:version]` → (owner, name); anything else is a ValueError."""
    owner, name, _version = parse_ref(model)
    return owner, name


def _expiry(value: Any) -> float | None:
    """An ISO 8601 time ("2026-12-02T13:54:18.123Z") as a Unix time, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def output_urls(output: Any) -> list[str]:
    """Every URL (or data URI) in a prediction's output, in order."""
    if isinstance(output, str):
        items: list[Any] = [output]
    elif isinstance(output, list):
        items = output
    elif isinstance(output, dict):
        items = list(output.values())
    else:
        items = []
    return [item for item in items
            if isinstance(item, str) and item.startswith(("http://", "https://", "data:"))]


@dataclass
class ReplicateAPI(PollingClient):
    """Create a prediction, wait for it, return the finished prediction."""

    client: httpx.AsyncClient
    token: str
    base_url: str = "https://api.replicate.com"
    provider: str = field(default="replicate", kw_only=True)

    @property
    def secret(self) -> str:
        return self.token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}

    def _url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"

    async def _send(self, method: str, path: str, *, what: str = "a prediction",
                    idempotent: bool | None = None, **kwargs: Any) -> dict[str, Any]:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = await send_with_retries(
            self.client, method, self._url(path), provider=self.provider, policy=self.policy,
            key_var="REPLICATE_API_TOKEN", headers=headers, on_retry=self._retried,
            idempotent=method != "POST" if idempotent is None else idempotent,
            **kwargs,
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.provider}: the reply is not JSON", provider=self.provider,
                                status=response.status_code, body=response.text) from exc
        if not isinstance(data, dict) or not data.get("id"):
            raise ProviderError(f"{self.provider}: the reply is not {what}",
                                provider=self.provider, status=response.status_code,
                                body=response.text)
        return data

    async def create(self, model: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Create a prediction; Replicate holds the request a few seconds.

        `owner/name` runs an official model's latest version on its own endpoint;
        `owner/name:<version>` runs that version of any model. The hold is short
        (`CREATE_WAIT_SECONDS`) so the prediction id comes back quickly and can be saved
        before the (possibly long) polling starts.
        """
        owner, name, version = parse_ref(model)
        if version:
            path, body = "/v1/predictions", {"version": version, "input": inputs}
        else:
            path, body = f"/v1/models/{owner}/{name}/predictions", {"input": inputs}
        return await self._send(
            "POST", path, json=body,
            headers={"Prefer": f"wait={CREATE_WAIT_SECONDS}"}, timeout=SYNC_WAIT_TIMEOUT,
        )

    async def upload(self, file: LocalFile) -> tuple[str, float]:
        """Upload a file through the files API: (its `urls.get`, the time to reuse it until).

        The file is reused until shortly before its `expires_at`."""
        data = await self._send(
            "POST", "/v1/files", what="a file", idempotent=True,
            files={"content": (file.name, file.data, file.mime)}, data={"metadata": "{}"},
        )
        url = (data.get("urls") or {}).get("get") if isinstance(data.get("urls"), dict) \
            else None
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ProviderError(f"{self.provider}: the file upload reply has no urls.get",
                                provider=self.provider, body=json.dumps(data)[:2000])
        expires = _expiry(data.get("expires_at"))
        created = _expiry(data.get("created_at")) or time.time()
        until = (expires - EXPIRY_MARGIN) if expires else created + 3600 - EXPIRY_MARGIN
        return url, until

    async def get(self, prediction_id: str) -> dict[str, Any]:
        return await self._send("GET", f"/v1/predictions/{prediction_id}")

    async def wait(self, prediction: dict[str, Any]) -> dict[str, Any]:
        """Poll until the prediction ends; return it if it succeeded, raise otherwise."""
        pid = str(prediction["id"])
        replies = iter([prediction])

        async def fetch() -> dict[str, Any]:
            return next(replies, None) or await self.get(pid)

        def check(prediction: dict[str, Any]) -> Progress:
            status = str(prediction.get("status", ""))
            if status == "succeeded":
                return None
            if status in ENDED:
                raise prediction_error(prediction, self.provider)
            if status not in RUNNING:
                raise ProviderError(f"{self.provider}: unknown prediction status {status!r}",
                                    provider=self.provider, request_id=pid,
                                    body=json.dumps(prediction)[:2000])
            return status, status

        return await self.poll(
            fetch, check, noun="prediction", job_id=pid,
            hint="Re-run later: the prediction id is saved, so it is collected, "
            "not paid for again.",
        )

    async def run(
        self,
        model: str,
        inputs: dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]],
        *,
        resume_id: str | None = None,
        on_submitted: Callable[[str], None] = lambda _id: None,
    ) -> dict[str, Any]:
        """Create (or resume `resume_id`), hand the id to `on_submitted`, wait; the prediction.

        `inputs` may be an async function making them: it runs only when a prediction is
        created (a resumed one needs no upload). A resumed id Replicate no longer knows (404),
        or whose prediction failed, was canceled or aborted, is created anew.
        """
        if resume_id:
            try:
                earlier = await self.get(resume_id)
            except ProviderError as exc:
                if exc.status not in (404, 410):
                    raise
                earlier = None
            if earlier is not None and earlier.get("status") not in ENDED:
                return await self.wait(earlier)
            self.report(f"{self.provider}: earlier prediction {resume_id} is gone or failed; "
                        "creating a new one")
        if not isinstance(inputs, dict):
            inputs = await inputs()
        prediction = await self.create(model, inputs)
        on_submitted(str(prediction["id"]))
        return await self.wait(prediction)


def prediction_error(prediction: dict[str, Any], provider: str) -> ProviderError:
    """The error of a failed or canceled prediction (moderation → ContentRefused)."""
    pid = str(prediction.get("id", ""))
    status = prediction.get("status")
    body = json.dumps(prediction)[:2000]
    if status in ("canceled", "aborted"):
        return ProviderError(f"{provider}: prediction {pid} was {status}", provider=provider,
                             body=body, request_id=pid)
    message = str(prediction.get("error") or "no error message")[:500]
    if looks_like_refusal(message):
        return ContentRefused(f"{provider}: prediction {pid} was refused: {message}",
                              provider=provider, body=body, request_id=pid,
                              hint="Rephrase the shot's prompt.")
    return ProviderError(f"{provider}: prediction {pid} failed: {message}", provider=provider,
                         body=body, request_id=pid)
