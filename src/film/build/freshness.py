"""Whether an artifact is current, placed by hand, or a paid job waiting to be collected.

An entry records the file's size (and, for a document such as shots.json, its content
digest) when film wrote it. A file that no longer matches its record was changed by hand.
Before film renames a new file into place it records it as "writing" with the new size, so a
run killed between the rename and the final save is recognised as film's own work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.fsutil import canonical_hash, file_digest
from film.project import Artifact


def input_hash_of(stage: str, provider: Any, inputs: dict[str, Any]) -> str:
    """The hash that decides whether an artifact is current: stage, provider, its inputs."""
    return canonical_hash({"stage": stage, "provider": provider.fingerprint(), "inputs": inputs})


def as_recorded(out: Path, entry: Artifact) -> bool:
    """Whether `out` is the very file the entry describes (same size; same content when the
    entry has a digest: a document, or a file being written)."""
    try:
        stat = out.stat()
    except OSError:
        return False
    if not out.is_file() or stat.st_size == 0:
        return False
    if entry.size is not None and entry.size != stat.st_size:
        return False
    digest = entry.digest or entry.meta.get("digest")  # meta: manifests of film 0.1
    return digest is None or digest == file_digest(out)


def settled(entry: Artifact | None, out: Path) -> Artifact | None:
    """The entry with a "writing" record resolved: done when the file there is the one being
    written (the run was killed after the rename), else the entry it was replacing (the
    rename never happened: an old file, a paid job to collect, or nothing)."""
    if entry is None or entry.status != "writing":
        return entry
    if as_recorded(out, entry):
        return entry.model_copy(update={"status": "done", "previous": None,
                                        "digest": entry.digest if entry.document else None})
    return entry.previous


def is_current(entry: Artifact | None, input_hash: str, out: Path, provider: Any,
               extra: tuple[Path, ...] = ()) -> bool:
    """Whether a run can keep `out` as it is.

    Yes for a file placed by hand (kept until `film regen`), and for one made from the same
    inputs that is there as recorded, unless it is an offline stand-in that the next run
    replaces: every stand-in except one for a prompt the provider refused, and any with a
    paid job waiting to be collected."""
    if entry is None or entry.status != "done" or not _present(out, entry):
        return False
    if not all(path.is_file() for path in extra):
        return False
    if entry.provider == "manual":
        return True
    if entry.input_hash != input_hash or not as_recorded(out, entry):
        return False
    return not (entry.fallback and provider.remote and (
        entry.fallback_kind != "refused" or entry.pending_request_id))


def _present(out: Path, entry: Artifact) -> bool:
    if entry.provider == "manual":  # kept as the person left it
        try:
            return out.is_file() and out.stat().st_size > 0
        except OSError:
            return False
    return as_recorded(out, entry)


def placed_by_hand(entry: Artifact | None, out: Path) -> bool:
    """A file with no record, or a recorded one changed since film wrote it: someone's work,
    kept (until `film regen`) whatever its inputs do."""
    try:
        if not out.is_file() or out.stat().st_size == 0:
            return False
    except OSError:
        return False
    if entry is None:
        return True
    return entry.status == "done" and entry.provider != "manual" and not as_recorded(out, entry)


#: providers of documents a person supplied: a file placed by hand, a file copied in
PERSONAL = frozenset({"manual", "file"})


def edited_by_hand(entry: Artifact | None, out: Path) -> bool:
    """Whether `out` is there and is a person's: not what film made, or changed since."""
    try:
        if not out.is_file():
            return False
    except OSError:
        return False
    return entry is None or entry.provider in PERSONAL or not as_recorded(out, entry)


def resumable(entry: Artifact | None, input_hash: str, provider: Any) -> str | None:
    """A remote job for these very inputs that was paid for but never collected."""
    if entry is None or entry.input_hash != input_hash or not provider.remote:
        return None
    if entry.status == "submitted":
        return entry.request_id
    if entry.fallback and entry.fallback_for == provider.name:
        return entry.pending_request_id
    return None
