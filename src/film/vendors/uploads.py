"""Local files as URLs a remote model can read: uploaded once per content, reused while valid.

A file is known by its sha256; an upload is remembered (vendor, account, digest → URL and the
time it stays valid) in `uploads.json` under the user's cache folder, so a still used by
several calls, runs or projects is uploaded once. Concurrent calls for the same content share
one upload (single flight per event loop). The account part is a short one-way digest of the
key: the key itself is never written. Data URIs are built only where a vendor documents them
for small files (`data_uri`).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from film.errors import InputError

#: uploads remembered at most (the oldest are forgotten first)
MAX_ENTRIES = 2000
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True)
class LocalFile:
    """A local file's bytes, type and content digest."""

    name: str
    data: bytes
    mime: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff_mime(data: bytes) -> str | None:
    """The image type of `data` from its first bytes (PNG, JPEG, GIF, WEBP), else None."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_image(path: Path) -> LocalFile:
    """A shot's still as bytes with its type; an unreadable or non-image file is an
    InputError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the shot's image {path}: {exc.strerror or exc}") from exc
    mime = sniff_mime(data)
    if mime is None:
        raise InputError(f"the shot's image {path} is not a PNG, JPEG, GIF or WEBP file",
                         hint="Put a PNG there, or remake it with `film regen`.")
    return LocalFile(Path(path).name, data, mime)


def data_uri(file: LocalFile) -> str:
    return f"data:{file.mime};base64,{base64.b64encode(file.data).decode('ascii')}"


def account_of(secret: str) -> str:
    """A short one-way name for the account a key belongs to (never the key)."""
    return hashlib.sha256(f"film-upload:{secret}".encode()).hexdigest()[:16]


class UploadCache:
    """Vendor uploads by content digest, in a JSON file (None: remember nothing)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        uploads = data.get("uploads") if isinstance(data, dict) else None
        return uploads if isinstance(uploads, dict) else {}

    def get(self, key: str, now: float | None = None) -> str | None:
        """The URL of an upload still valid, else None."""
        entry = self._read().get(key)
        now = time.time() if now is None else now
        if isinstance(entry, dict) and isinstance(entry.get("url"), str) \
                and float(entry.get("valid_until") or 0) > now:
            return entry["url"]
        return None

    def put(self, key: str, url: str, valid_until: float, size: int) -> None:
        """Remember an upload (expired ones and the oldest past MAX_ENTRIES are dropped)."""
        if self.path is None:
            return
        from film.fsutil import atomic_write_json

        now = time.time()
        uploads = {k: v for k, v in self._read().items()
                   if isinstance(v, dict) and float(v.get("valid_until") or 0) > now}
        uploads[key] = {"url": url, "valid_until": valid_until, "size": size, "at": now}
        kept = sorted(uploads.items(), key=lambda kv: kv[1].get("at", 0))[-MAX_ENTRIES:]
        with contextlib.suppress(InputError):  # a cache that cannot be written is no cache
            atomic_write_json(self.path, {"version": 1, "uploads": dict(kept)}, sync=False)


#: uploads under way, per event loop: key → the task making it
_IN_FLIGHT: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Task[str]]]
_IN_FLIGHT = weakref.WeakKeyDictionary()

#: `upload()` → (URL, the time until which it may be reused)
Upload = Callable[[], Awaitable[tuple[str, float]]]


async def upload_once(cache: UploadCache, key: str, size: int, upload: Upload) -> str:
    """The URL of content `key`: remembered, shared with a concurrent call, or uploaded."""
    remembered = cache.get(key)
    if remembered:
        return remembered
    running = _IN_FLIGHT.setdefault(asyncio.get_running_loop(), {})
    task = running.get(key)
    if task is None:
        async def make() -> str:
            try:
                url, valid_until = await upload()
                cache.put(key, url, valid_until, size)
                return url
            finally:
                running.pop(key, None)

        task = running[key] = asyncio.ensure_future(make())
    return await asyncio.shield(task)
