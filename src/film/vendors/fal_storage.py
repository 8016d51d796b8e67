"""fal's storage upload: a local file becomes a CDN URL any fal model can read.

The flow both official clients use (fal-js first, fal-client as its fallback):
    POST {rest}/storage/upload/initiate?storage_type=fal-cdn-v3
         Authorization: Key <FAL_KEY>   {"file_name": ..., "content_type": ...}
         X-Fal-Object-Lifecycle(-Preference): {"expiration_duration_seconds": N}
         → {"upload_url": <signed URL>, "file_url": <the file's URL>}
    PUT  <upload_url>   Content-Type: <mime>   the bytes (signed: no key is sent)
The file is asked to live LIFETIME seconds and is reused for REUSE seconds, well inside it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import httpx

from film.errors import ProviderError
from film.vendors.http import send_with_retries
from film.vendors.retry import RetryPolicy
from film.vendors.uploads import LocalFile

DEFAULT_REST_URL = "https://rest.fal.ai"
STORAGE_TYPE = "fal-cdn-v3"
#: how long fal is asked to keep an upload (its "7d" preset), and how long film reuses one
LIFETIME = 7 * 86_400
REUSE = 86_400


def rest_base_url(settings: Any = None) -> str:
    """fal's REST host: `settings.fal_rest_url` (env FAL_REST_URL), else fal's."""
    value = getattr(settings, "fal_rest_url", None) or os.environ.get(
        "FAL_REST_URL", DEFAULT_REST_URL)
    return str(value).rstrip("/")


def lifecycle_headers(seconds: int = LIFETIME) -> dict[str, str]:
    """Both lifecycle headers, as fal-client sends them (the CDN reads one, the storage
    initiation the other)."""
    value = json.dumps({"expiration_duration_seconds": seconds})
    return {"X-Fal-Object-Lifecycle": value, "X-Fal-Object-Lifecycle-Preference": value}


async def upload_to_fal(client: httpx.AsyncClient, key: str, file: LocalFile, *,
                        rest_url: str = DEFAULT_REST_URL, provider: str = "fal",
                        policy: RetryPolicy | None = None,
                        on_retry: Callable[[int, float, str], None] | None = None,
                        ) -> tuple[str, float]:
    """Upload `file` to fal's storage: (its URL, the time until which film reuses it)."""
    response = await send_with_retries(
        client, "POST", f"{rest_url.rstrip('/')}/storage/upload/initiate", provider=provider,
        policy=policy, key_var="FAL_KEY", on_retry=on_retry,
        params={"storage_type": STORAGE_TYPE},
        json={"file_name": file.name, "content_type": file.mime},
        headers={"Authorization": f"Key {key}", "Accept": "application/json",
                 **lifecycle_headers()},
    )
    try:
        data = response.json()
    except ValueError:
        data = None
    upload_url = data.get("upload_url") if isinstance(data, dict) else None
    file_url = data.get("file_url") if isinstance(data, dict) else None
    if not (_is_http(upload_url) and _is_http(file_url)):
        raise ProviderError(f"{provider}: the storage upload reply has no upload_url/file_url",
                            provider=provider, body=response.text[:2000])
    await send_with_retries(client, "PUT", str(upload_url), provider=provider, policy=policy,
                            on_retry=on_retry, content=file.data,
                            headers={"Content-Type": file.mime})
    return str(file_url), time.time() + REUSE


def _is_http(url: Any) -> bool:
    return isinstance(url, str) and url.startswith(("https://", "http://"))
