"""The shared media cache: a content-addressed store of finished artifacts, keyed by their
input hash, that every project on the machine (or on a shared folder) draws from.

    <root>/entries/<2 hex>/<input hash>.json   what was made: stage, provider, model, meta,
                                               the content digest and size of the file
    <root>/blobs/<2 hex>/<digest><suffix>      the file, named by its content digest
    <root>/locks/<2 hex>/<input hash>.lock     held while one process makes that artifact

Writers never overwrite anything in place: a blob is written to a temporary name and renamed
onto its content's name (two writers of the same content write the same bytes), and an entry
is renamed into place after its blob, so a reader sees the old entry, the new one, or none.
A reader checks the digest of the copy it made, so a damaged or half-replaced blob is a miss,
never a wrong file. Entries' modification times say when they were last used (`prune`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from film.fsutil import atomic_write_json, file_digest, temp_path_for, try_lock, unlock

#: unreferenced blobs younger than this are left alone by `prune` (a writer may be between
#: writing its blob and its entry)
ORPHAN_GRACE_S = 600.0
#: lock files unused for this long are removed by `prune`
LOCK_GRACE_S = 86_400.0
_KEY = re.compile(r"[0-9a-f]{16,64}")
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,8})?")


@dataclass(frozen=True)
class CacheEntry:
    """One artifact in the store."""

    key: str
    stage: str
    digest: str
    size: int
    suffix: str
    provider: str = ""
    model: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    created: float = 0.0
    #: when it was last stored or reused (the entry file's modification time)
    used: float = 0.0


class SharedCache:
    """The store at `root`. `link`: hard-link files in and out instead of copying them."""

    def __init__(self, root: Path, link: bool = False) -> None:
        self.root = Path(root)
        self.link = link

    # ---- paths --------------------------------------------------------------------------

    def entry_path(self, key: str) -> Path:
        return self.root / "entries" / key[:2] / f"{key}.json"

    def blob_path(self, digest: str, suffix: str) -> Path:
        return self.root / "blobs" / digest[:2] / f"{digest}{suffix}"

    def lock_path(self, key: str) -> Path:
        return self.root / "locks" / key[:2] / f"{key}.lock"

    # ---- reading ------------------------------------------------------------------------

    def lookup(self, key: str) -> CacheEntry | None:
        """The entry stored under `key`, or None (missing, damaged or naming no blob)."""
        if not _KEY.fullmatch(key):
            return None
        path = self.entry_path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            used = path.stat().st_mtime
            entry = CacheEntry(**{**data, "used": used})
        except (OSError, ValueError, TypeError):
            return None
        if entry.key != key or not _KEY.fullmatch(entry.digest) \
                or not _SUFFIX.fullmatch(entry.suffix):
            return None
        return entry

    def fetch(self, key: str, dest: Path) -> CacheEntry | None:
        """Put the file stored under `key` at `dest` (a temporary path the caller renames) and
        return its entry; None on a miss. The copy's digest is checked: a blob that does not
        match its entry is removed and counts as a miss."""
        entry = self.lookup(key)
        if entry is None:
            return None
        blob = self.blob_path(entry.digest, entry.suffix)
        try:
            self._transfer(blob, dest)
        except FileNotFoundError:
            return None
        if dest.stat().st_size != entry.size or file_digest(dest) != entry.digest:
            dest.unlink(missing_ok=True)
            self._discard(entry, blob)
            return None
        with contextlib.suppress(OSError):
            os.utime(self.entry_path(key))  # last used: now
        return entry

    # ---- writing ------------------------------------------------------------------------

    def store(self, key: str, path: Path, *, stage: str, provider: str = "",
              model: str | None = None, meta: dict[str, Any] | None = None) -> CacheEntry:
        """Keep the file at `path` as the artifact `key` (its blob first, then its entry)."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not an input hash: {key!r}")
        digest = file_digest(path)
        size = path.stat().st_size
        suffix = path.suffix if _SUFFIX.fullmatch(path.suffix) else ""
        blob = self.blob_path(digest, suffix)
        if not _same_size(blob, size):
            self._write_blob(path, blob, digest)
        entry = CacheEntry(key=key, stage=stage, digest=digest, size=size, suffix=suffix,
                           provider=provider, model=model, meta=dict(meta or {}),
                           created=time.time())
        record = {k: v for k, v in vars(entry).items() if k != "used"}
        atomic_write_json(self.entry_path(key), record, sync=False)
        return entry

    @contextlib.asynccontextmanager
    async def claim(self, key: str) -> AsyncIterator[None]:
        """Hold the lock of artifact `key`: another task, process or machine that wants the
        same artifact waits here, then finds it stored. An OS lock: a killed holder frees it."""
        path = self.lock_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            delay = 0.01
            while not try_lock(fd):
                await asyncio.sleep(delay)
                delay = min(0.2, delay * 2)
            try:
                yield
            finally:
                unlock(fd)
        finally:
            os.close(fd)

    def _write_blob(self, src: Path, blob: Path, digest: str) -> None:
        """`src` as `blob`: linked or copied to a temporary name, checked, renamed."""
        blob.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_path_for(blob)
        try:
            self._transfer(src, tmp)
            if file_digest(tmp) != digest:  # the source changed while it was copied
                raise OSError(f"{src} changed while it was stored")
            if not self.link:  # (a linked blob is a project's file too: left as it is)
                tmp.chmod(0o444)  # a blob never changes
            os.replace(tmp, blob)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def _transfer(self, src: Path, dest: Path) -> None:
        """Hard-link `src` to `dest` when asked and possible, else copy it."""
        if self.link:
            try:
                os.link(src, dest)
                return
            except FileNotFoundError:
                raise
            except OSError:
                pass  # another file system, or links not allowed: copy
        shutil.copyfile(src, dest)

    def _discard(self, entry: CacheEntry, blob: Path) -> None:
        """Forget a damaged artifact: its entry, and its blob when that is what is wrong."""
        with contextlib.suppress(OSError):
            self.entry_path(entry.key).unlink()
        with contextlib.suppress(OSError):
            if file_digest(blob) != entry.digest:
                blob.unlink()

    # ---- looking after it ---------------------------------------------------------------

    def entries(self) -> list[CacheEntry]:
        """Every readable entry."""
        found = []
        for path in sorted((self.root / "entries").glob("*/*.json")):
            entry = self.lookup(path.stem)
            if entry is not None:
                found.append(entry)
        return found

    def info(self) -> dict[str, Any]:
        """Where the store is, how many artifacts it holds per stage, and its size on disk."""
        entries = self.entries()
        blobs = [p for p in (self.root / "blobs").glob("*/*") if p.is_file()]
        stages: dict[str, int] = {}
        for entry in entries:
            stages[entry.stage] = stages.get(entry.stage, 0) + 1
        return {
            "path": str(self.root), "entries": len(entries), "stages": stages,
            "blobs": len(blobs), "bytes": sum(_size(p) for p in blobs),
            "oldest": min((e.used for e in entries), default=None),
            "newest": max((e.used for e in entries), default=None),
            "link": self.link,
        }

    def plan_prune(self, older_than: float | None = None, max_bytes: int | None = None,
                   now: float | None = None) -> list[CacheEntry]:
        """The entries `prune` removes: those unused for `older_than` seconds, then the least
        recently used until the rest takes at most `max_bytes`."""
        now = time.time() if now is None else now
        entries = sorted(self.entries(), key=lambda e: e.used)
        gone = [e for e in entries if older_than is not None and now - e.used > older_than]
        kept = [e for e in entries if e not in gone]
        if max_bytes is not None:
            sizes = {e.digest: e.size for e in kept}
            total = sum(sizes.values())
            for entry in list(kept):
                if total <= max_bytes:
                    break
                kept.remove(entry)
                gone.append(entry)
                if all(e.digest != entry.digest for e in kept):
                    total -= sizes[entry.digest]
        return gone

    def prune(self, gone: list[CacheEntry], now: float | None = None,
              grace: float | None = None) -> int:
        """Remove these entries, then every blob no entry names (older than `grace` seconds,
        default a few minutes: a writer may be between its blob and its entry) and unused
        lock files; returns the bytes freed."""
        now = time.time() if now is None else now
        grace = ORPHAN_GRACE_S if grace is None else grace
        for entry in gone:
            with contextlib.suppress(OSError):
                self.entry_path(entry.key).unlink()
        named = {(e.digest, e.suffix) for e in self.entries()}
        freed = 0
        for blob in (self.root / "blobs").glob("*/*"):
            digest, suffix = blob.name[:32], blob.name[32:]
            if (digest, suffix) in named or now - _mtime(blob) < grace:
                continue
            size = _size(blob)
            with contextlib.suppress(OSError):
                blob.unlink()
                freed += size
        self._prune_locks(now)
        return freed

    def _prune_locks(self, now: float) -> None:
        for path in (self.root / "locks").glob("*/*.lock"):
            if now - _mtime(path) < LOCK_GRACE_S:
                continue
            try:
                fd = os.open(path, os.O_RDWR)
            except OSError:
                continue
            try:
                if try_lock(fd):
                    path.unlink(missing_ok=True)
            finally:
                os.close(fd)


def _same_size(path: Path, size: int) -> bool:
    try:
        return path.stat().st_size == size
    except OSError:
        return False


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


