"""A small client for Replicate's predictions API over the run's shared httpx client.

Raw httpx instead of the `replicate` SDK: one shared client and retry policy per run, resume
by prediction id, and the base URL from settings (REPLICATE_BASE_URL) so local fakes can
stand in.

The protocol, as replicate-python speaks it:
    POST {base}/v1/models/{owner}/{name}/predictions   Prefer: wait=5   {"input": {...}}
         → a prediction {id, status, output, error, urls}; finished if it took < 5 s
           (`Prefer: wait=n` holds the request up to n s, 1..60; bare `wait` means 60 s.
           A short hold gets the id back quickly, so a kill or timeout before it is
           saved cannot lose a paid prediction for long.)
    GET  {base}/v1/predictions/{id}                    → the prediction, polled until
         status is succeeded, failed or canceled (starting/processing before that)
Errors are RFC 7807 problem details: {title, detail, status, invalid_fields?}.
Output is a URL, a list of URLs, or a data URI.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from film.errors import ContentRefused, ProviderError
from film.vendors.http import looks_like_refusal, send_with_retries
from film.vendors.polling import PollingClient, Progress

RUNNING = ("starting", "processing")
#: seconds the create call asks Replicate to hold the request (`Prefer: wait=n`)
CREATE_WAIT_SECONDS = 5
#: the create call's timeout: the hold plus headroom for the upload and a slow answer
SYNC_WAIT_TIMEOUT = httpx.Timeout(CREATE_WAIT_SECONDS + 25.0, connect=15.0)


def split_model(model: str) -> tuple[str, str]:
    """`owner/name` → (owner, name); anything else is a ValueError."""
    owner, _, name = model.strip().partition("/")
    if not owner or not name or "/" in name or ":" in name:
        raise ValueError(f"expected a Replicate model as owner/name, got {model!r}")
    return owner, name


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

    async def _send(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        response = await send_with_retries(
            self.client, method, self._url(path), provider=self.provider, policy=self.policy,
            key_var="REPLICATE_API_TOKEN", headers=headers, on_retry=self._retried,
            idempotent=method != "POST",
            **kwargs,
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.provider}: the reply is not JSON", provider=self.provider,
                                status=response.status_code, body=response.text) from exc
        if not isinstance(data, dict) or not data.get("id"):
            raise ProviderError(f"{self.provider}: the reply is not a prediction",
                                provider=self.provider, status=response.status_code,
                                body=response.text)
        return data

    async def create(self, model: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Create a prediction of the model's latest version; Replicate holds it a few seconds.

        The hold is short (`CREATE_WAIT_SECONDS`) so the prediction id comes back quickly
        and can be saved before the (possibly long) polling starts.
        """
        owner, name = split_model(model)
        return await self._send(
            "POST", f"/v1/models/{owner}/{name}/predictions", json={"input": inputs},
            headers={"Prefer": f"wait={CREATE_WAIT_SECONDS}"}, timeout=SYNC_WAIT_TIMEOUT,
        )

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
            if status in ("failed", "canceled"):
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
        inputs: dict[str, Any],
        *,
        resume_id: str | None = None,
        on_submitted: Callable[[str], None] = lambda _id: None,
    ) -> dict[str, Any]:
        """Create (or resume `resume_id`), hand the id to `on_submitted`, wait; the prediction.

        A resumed id Replicate no longer knows (404), or whose prediction failed or was
        canceled, is created anew.
        """
        if resume_id:
            try:
                earlier = await self.get(resume_id)
            except ProviderError as exc:
                if exc.status not in (404, 410):
                    raise
                earlier = None
            if earlier is not None and earlier.get("status") not in ("failed", "canceled"):
                return await self.wait(earlier)
            self.report(f"{self.provider}: earlier prediction {resume_id} is gone or failed; "
                        "creating a new one")
        prediction = await self.create(model, inputs)
        on_submitted(str(prediction["id"]))
        return await self.wait(prediction)


def prediction_error(prediction: dict[str, Any], provider: str) -> ProviderError:
    """The error of a failed or canceled prediction (moderation → ContentRefused)."""
    pid = str(prediction.get("id", ""))
    status = prediction.get("status")
    body = json.dumps(prediction)[:2000]
    if status == "canceled":
        return ProviderError(f"{provider}: prediction {pid} was canceled", provider=provider,
                             body=body, request_id=pid)
    message = str(prediction.get("error") or "no error message")[:500]
    if looks_like_refusal(message):
        return ContentRefused(f"{provider}: prediction {pid} was refused: {message}",
                              provider=provider, body=body, request_id=pid,
                              hint="Rephrase the shot's prompt.")
    return ProviderError(f"{provider}: prediction {pid} failed: {message}", provider=provider,
                         body=body, request_id=pid)
