"""Whether an artifact is current, placed by hand, or a paid job waiting to be collected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.fsutil import canonical_hash
from film.project import Artifact
from film.providers.base import MediaProvider


def input_hash_of(stage: str, provider: MediaProvider, inputs: dict[str, Any]) -> str:
    """The hash that decides whether an artifact is current: stage, provider, its inputs."""
    return canonical_hash({"stage": stage, "provider": provider.fingerprint(), "inputs": inputs})


def is_current(
    entry: Artifact | None, input_hash: str, out: Path, provider: MediaProvider
) -> bool:
    """Made from the same inputs, the file is there as recorded, and not an offline stand-in
    that a rerun should replace (a transient failure, or a paid job waiting to be collected)."""
    if entry is None or entry.status != "done" or entry.input_hash != input_hash:
        return False
    if entry.fallback and provider.remote and (
            entry.fallback_kind == "transient" or entry.pending_request_id):
        return False
    try:
        stat = out.stat()
    except OSError:
        return False
    return out.is_file() and stat.st_size > 0 and entry.size in (None, stat.st_size)


def placed_by_hand(entry: Artifact | None, input_hash: str, out: Path) -> bool:
    """A file with no record, or a recorded one whose size changed while its inputs did not."""
    try:
        if not out.is_file() or out.stat().st_size == 0:
            return False
        size = out.stat().st_size
    except OSError:
        return False
    if entry is None:
        return True
    return (entry.status == "done" and entry.input_hash == input_hash
            and entry.size is not None and entry.size != size)


def resumable(entry: Artifact | None, input_hash: str, provider: MediaProvider) -> str | None:
    """A remote job for these very inputs that was paid for but never collected."""
    if entry is None or entry.input_hash != input_hash or not provider.remote:
        return None
    if entry.status == "submitted":
        return entry.request_id
    if entry.fallback and entry.fallback_for == provider.name:
        return entry.pending_request_id
    return None
