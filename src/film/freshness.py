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
    """Whether a run can keep `out` as it is.

    Yes for a file placed by hand (kept until `film regen`), and for one made from the same
    inputs that is there as recorded, unless it is an offline stand-in that the next run
    replaces: every stand-in except one for a prompt the provider refused, and any with a
    paid job waiting to be collected."""
    if entry is None or entry.status != "done" or not _file_ok(out, entry):
        return False
    if entry.provider == "manual":
        return True
    if entry.input_hash != input_hash:
        return False
    return not (entry.fallback and provider.remote and (
        entry.fallback_kind != "refused" or entry.pending_request_id))


def _file_ok(out: Path, entry: Artifact) -> bool:
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
