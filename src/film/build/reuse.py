"""The produce path's side of the shared media cache (film.build.cache).

Before an artifact is made, the cache is asked for one with the same input hash; after it is
made, it is stored there. Only artifacts that their input hash fully determines are shared:
the media stages (references, stills, clips, lines), never a document a person edits, never
an offline stand-in made because a remote call failed, never a file placed by hand. While one
task, process or machine makes an artifact, the others that want it wait for it (`claim`), so
it is made and paid for once. A hit costs nothing, is recorded in the manifest with
`meta.shared_cache`, and counts as reused.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from film.build.cache import CacheEntry, SharedCache
from film.fsutil import temp_path_for
from film.project import Artifact
from film.stages.table import Stage

#: provider kinds whose artifacts are shared (what a stage's input hash fully determines)
SHARED_KINDS = frozenset({"image", "video", "speech"})
#: caches that failed in this process, and when: left alone for a while (said once)
_BROKEN: dict[str, float] = {}
#: how long a cache that failed is left alone
RETRY_AFTER_S = 300.0


def cache_of(settings: Any) -> SharedCache | None:
    """The shared cache the settings name, or None when it is turned off."""
    if not getattr(settings, "film_shared_cache", False):
        return None
    root = settings.media_cache_dir()
    if time.monotonic() - _BROKEN.get(str(root), -RETRY_AFTER_S) < RETRY_AFTER_S:
        return None
    return SharedCache(root, link=bool(settings.film_cache_link))


class SharedArtifacts:
    """The shared cache as one artifact's produce sees it; inactive, every call is a no-op."""

    def __init__(self, producer: Any, stage: Stage, provider: Any,
                 cache: SharedCache | None, reuse: bool = True) -> None:
        self.producer = producer
        self.stage = stage
        self.provider = provider
        self.cache = cache
        #: whether to look in the cache first (not for a forced artifact or a job to collect)
        self.reusing = reuse

    @classmethod
    def of(cls, producer: Any, stage: Stage, provider: Any, *, skip: bool) -> SharedArtifacts:
        """Active for a media stage of a project unless the cache is turned off; with `skip`
        (a forced or refreshed artifact, a paid job to collect) it only keeps what is made."""
        shared = stage.kind in SHARED_KINDS and not stage.document and producer.project.record \
            and bool(getattr(provider, "shareable", True))
        return cls(producer, stage, provider, cache_of(producer.settings) if shared else None,
                   reuse=not skip)

    @contextlib.asynccontextmanager
    async def claim(self, input_hash: str) -> AsyncIterator[None]:
        """Wait while someone else makes this very artifact; hold it while this one does."""
        async with contextlib.AsyncExitStack() as stack:
            if self.cache is not None and self.reusing:
                try:
                    await stack.enter_async_context(self.cache.claim(input_hash))
                except OSError as exc:
                    self._broken(exc)
            yield

    def reuse(self, key: str | None, out: Path, input_hash: str) -> Artifact | None:
        """Put the stored artifact at `out` and record it; None when there is none."""
        if self.cache is None or not self.reusing:
            return None
        tmp = temp_path_for(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            found = self.cache.fetch(input_hash, tmp)
            if found is None:
                return None
            entry = self._record(key, out, input_hash, tmp, found)
        except OSError as exc:
            self._broken(exc)
            return None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        producer = self.producer
        producer.summary.stages[self.stage.name].reused += 1
        producer.sink.emit("artifact_done", stage=self.stage.name, shot_id=key, cached=True,
                           shared=True, provider=entry.provider, path=entry.path, cost_usd=0.0)
        return entry

    def keep(self, entry: Artifact | None, out: Path) -> None:
        """Store what the provider just made (not an offline stand-in for a failed call)."""
        if self.cache is None or entry is None or entry.status != "done" or entry.fallback \
                or entry.provider != self.provider.name:
            return
        meta = {k: v for k, v in entry.meta.items() if k != "shared_cache"}
        try:
            self.cache.store(entry.input_hash, out, stage=self.stage.name,
                             provider=entry.provider, model=entry.model, meta=meta)
        except OSError as exc:
            self._broken(exc)

    def _record(self, key: str | None, out: Path, input_hash: str, tmp: Path,
                found: CacheEntry) -> Artifact:
        """The produce path's commit: "writing" with the file's size, rename, "done"."""
        producer = self.producer
        rel = producer.project.rel(out)
        previous = producer.manifest.artifacts.get(rel)
        entry = Artifact(
            stage=self.stage.name, path=rel, shot_id=key, status="writing",
            input_hash=input_hash, provider=self.provider.name,
            model=found.model or self.provider.model, params=self.provider.params(),
            size=found.size, digest=found.digest,
            meta={**found.meta, "shared_cache": {"key": input_hash}},
            previous=previous.model_copy(update={"previous": None}) if previous else None)
        producer.manifest.artifacts[rel] = entry
        producer.save()
        os.replace(tmp, out)
        entry.status, entry.previous, entry.digest = "done", None, None
        producer.save()
        return entry

    def _broken(self, exc: OSError) -> None:
        """A cache that cannot be read or written is left alone for the rest of the run."""
        root = str(self.cache.root) if self.cache is not None else "?"
        if root not in _BROKEN:
            self.producer.sink.emit("message", text=f"the shared cache at {root} cannot be "
                                    f"used ({exc.strerror or exc}); going on without it")
        _BROKEN[root] = time.monotonic()
        self.cache = None
