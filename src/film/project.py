"""A project folder: its paths, its manifest (what was made from what) and its run lock.

    DIR/shots.json  images/<id>.png  clips/<id>.mp4  audio/<id>.wav
    DIR/subtitles.srt  final.mp4  manifest.json  .film/ (lock, segment cache)
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from film.errors import InputError, ProjectLocked
from film.fsutil import atomic_write_json

Stage = Literal["images", "video", "speech", "compose"]
STAGES: tuple[str, ...] = ("images", "video", "speech", "compose")
Status = Literal["done", "submitted", "failed"]


class Artifact(BaseModel):
    """A manifest entry: one file a stage made, and everything that made it."""

    stage: str
    path: str
    shot_id: str | None = None
    status: Status = "done"
    input_hash: str
    provider: str
    model: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    cost_usd: float = 0.0
    seconds: float = 0.0
    request_id: str | None = None
    fallback: bool = False
    error: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    updated_at: float = Field(default_factory=time.time)


class Manifest(BaseModel):
    """`manifest.json`: artifacts by relative path, the spend ledger, metrics of the last run."""

    version: int = 1
    artifacts: dict[str, Artifact] = Field(default_factory=dict)
    ledger: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    #: the last scenario generation: model, calls, cache hit, latency, tokens, cost
    llm: dict[str, Any] = Field(default_factory=dict)
    #: choices the project keeps between commands (e.g. an explicit --resolution)
    settings: dict[str, Any] = Field(default_factory=dict)

    @property
    def total_cost(self) -> float:
        return round(sum(item.get("cost_usd", 0.0) for item in self.ledger), 6)


@dataclass(frozen=True)
class Project:
    """Paths inside one project folder, and loading/saving its manifest atomically."""

    root: Path

    @classmethod
    def at(cls, root: str | Path) -> Project:
        return cls(Path(root).expanduser())

    @property
    def shots_path(self) -> Path:
        return self.root / "shots.json"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def final_path(self) -> Path:
        return self.root / "final.mp4"

    @property
    def subtitles_path(self) -> Path:
        return self.root / "subtitles.srt"

    @property
    def work_dir(self) -> Path:
        return self.root / ".film"

    def image_path(self, shot_id: str) -> Path:
        return self.root / "images" / f"{shot_id}.png"

    def clip_path(self, shot_id: str) -> Path:
        return self.root / "clips" / f"{shot_id}.mp4"

    def audio_path(self, shot_id: str) -> Path:
        return self.root / "audio" / f"{shot_id}.wav"

    def artifact_path(self, stage: str, shot_id: str) -> Path:
        return {"images": self.image_path, "video": self.clip_path, "speech": self.audio_path}[
            stage
        ](shot_id)

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def ensure(self) -> None:
        """Create the folder (and say clearly when that is impossible)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.work_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create project folder {self.root}: {exc.strerror}") from exc

    def load_manifest(self) -> Manifest:
        """The manifest, or an empty one. A corrupt manifest is set aside, not fatal."""
        path = self.manifest_path
        if not path.exists():
            return Manifest()
        try:
            return Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            backup = path.with_name(f"manifest.corrupt-{int(time.time())}.json")
            with contextlib.suppress(OSError):
                path.rename(backup)
            return Manifest()

    def save_manifest(self, manifest: Manifest) -> None:
        atomic_write_json(self.manifest_path, manifest.model_dump(mode="json"))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the project's run lock; a second concurrent run gets ProjectLocked.

        The lock is an OS file lock, so a run killed with -9 releases it: the next run takes
        it over without any manual clean-up.
        """
        self.ensure()
        lock_path = self.work_dir / "lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not _try_lock(fd):
                holder = _read_holder(lock_path)
                raise ProjectLocked(
                    f"another film run ({holder}) is working on {self.root}",
                    hint="Wait for it to finish, or stop it; a killed run frees the lock.",
                )
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode())
            yield
        finally:
            os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: best effort, no lock
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _read_holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text().strip() or "unknown process"
    except OSError:
        return "unknown process"
