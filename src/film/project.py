"""A project folder: its paths, its manifest (what was made from what) and its run lock.

    DIR/manifest.json  and each stage's files (where: film.stages.table)
    DIR/.film/  the run lock, the manifest's backup, replaced shot lists, the segment cache
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from film.errors import InputError, ProjectLocked
from film.fsutil import atomic_write_json, shell_path, try_lock

#: done; submitted (a remote job is under way or waiting to be collected); failed; writing
#: (the file is being renamed into place: done if it is there with the recorded size)
Status = Literal["done", "submitted", "failed", "writing"]


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
    #: the file's size when recorded: a file of another size was replaced by hand
    size: int | None = None
    #: the content digest of a document (shots.json), or of a file being written
    digest: str | None = None
    #: a text file a person edits (judged by its content)
    document: bool = False
    #: while "writing": the entry this one replaces, which stands if the rename never happened
    previous: Artifact | None = None
    #: an offline stand-in made because `fallback_for` (a remote provider) failed
    fallback: bool = False
    fallback_for: str | None = None
    #: "transient" (retried on the next run) or "refused"/"error" (kept until inputs change)
    fallback_kind: str | None = None
    #: a remote job that was submitted (and paid for) but not collected: the next run
    #: collects it instead of submitting again
    pending_request_id: str | None = None
    error: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    updated_at: float = Field(default_factory=time.time)


_Finite = Annotated[float, Field(allow_inf_nan=False)]
_Side = Annotated[int, Field(ge=64, le=4096, multiple_of=2)]


class _LedgerLine(BaseModel):
    """One paid call: what it was for, and what it cost."""

    model_config = ConfigDict(extra="allow")
    stage: str
    cost_usd: Annotated[float, Field(ge=0, allow_inf_nan=False)] = 0.0


class _Remembered(BaseModel):
    """The options a project keeps (checked, so a hand-edited value cannot reach a run)."""

    model_config = ConfigDict(extra="allow")
    transition: Literal["crossfade", "fade", "cut"] | None = None
    transition_duration: Annotated[float, Field(ge=0, le=3, allow_inf_nan=False)] | None = None
    music: str | None = None
    music_volume: Annotated[float, Field(ge=0, le=2, allow_inf_nan=False)] | None = None
    burn_subtitles: bool | None = None


class _Settings(BaseModel):
    """What `Manifest.settings` may hold."""

    model_config = ConfigDict(extra="allow")
    resolution: dict[Literal["16:9", "9:16", "1:1"], tuple[_Side, _Side]] = Field(
        default_factory=dict)
    roles: list[str] = Field(default_factory=list)
    options: _Remembered = Field(default_factory=_Remembered)
    story: dict[str, Any] | None = None


class Take(BaseModel):
    """One candidate of an artifact: `takes/<stage>/<key>/<number>.<ext>`.

    Its file's entry in `Manifest.artifacts` says how it was made; here is which variant (the
    seed offset) it is, and whether it was set aside."""

    #: the seed offset it was made with (None: a file a person put there)
    variant: int | None = Field(default=0, ge=0, le=10_000)
    #: set aside: another take was chosen by `film choose`, or its shot changed since
    discarded: bool = False


class TakeSet(BaseModel):
    """The takes of one artifact (a shot's still or clip), and which one the film uses."""

    takes: dict[int, Take] = Field(default_factory=dict)
    #: the number of the take at the stage's own path (images/<shot>.png)
    chosen: int | None = None
    #: "default" (the first ready one, or a new `film regen`) or "user" (`film choose`)
    by: Literal["default", "user"] = "default"
    #: a person's choice holds while the shot's inputs hash to this (they changed: it lapses)
    under: str | None = None

    def next_number(self) -> int:
        return max(self.takes, default=0) + 1

    def variant(self) -> int:
        """The seed offset of the chosen take (0 before any)."""
        take = self.takes.get(self.chosen) if self.chosen is not None else None
        return take.variant or 0 if take is not None else 0


class Manifest(BaseModel):
    """`manifest.json`: artifacts by relative path, the spend ledger, metrics of the last run."""

    version: int = 1
    artifacts: dict[str, Artifact] = Field(default_factory=dict)
    #: the takes of each artifact that has more than one way to be made, by "<stage>/<key>"
    takes: dict[str, TakeSet] = Field(default_factory=dict)
    ledger: list[dict[str, Any]] = Field(default_factory=list)
    metrics: dict[str, Any] = Field(default_factory=dict)
    #: the last scenario generation: model, calls, cache hit, latency, tokens, cost
    llm: dict[str, Any] = Field(default_factory=dict)
    #: choices the project keeps between commands (e.g. an explicit --resolution)
    settings: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _older(cls, data: Any) -> Any:
        """Manifests of film 0.2 counted `film regen`s per artifact in settings.takes
        ("shot_001:images": 2): each is now a take set whose chosen take has that variant
        (the earlier ones were overwritten)."""
        if not isinstance(data, dict):
            return data
        settings = data.get("settings")
        counts = settings.get("takes") if isinstance(settings, dict) else None
        if not isinstance(counts, dict) or not counts:
            return data
        sets = dict(data.get("takes") or {})
        for label, count in counts.items():
            key, _, stage = str(label).rpartition(":")
            if key and isinstance(count, int) and 0 <= count <= 10_000:
                sets.setdefault(f"{stage}/{key}", {"takes": {1: {"variant": count}},
                                                   "chosen": 1})
        settings = {k: v for k, v in settings.items() if k != "takes"}
        return {**data, "takes": sets, "settings": settings}

    @model_validator(mode="after")
    def _checked(self) -> Manifest:
        """The ledger and the remembered settings are checked as they are read, so a damaged
        value is reported as a damaged manifest, never met halfway through a run."""
        for line in self.ledger:
            _LedgerLine.model_validate(line)
        _Settings.model_validate(self.settings)
        return self

    @property
    def total_cost(self) -> float:
        return round(sum(float(item.get("cost_usd", 0.0)) for item in self.ledger), 6)


#: manifest.json path -> (content digest, file signature) as this process last wrote it
_SAVED: dict[str, tuple[str, tuple[int, int, int] | None]] = {}


def _signature(path: Path) -> tuple[int, int, int] | None:
    """A file's inode, size and modification time (None: no file), to see it was not
    replaced since (every atomic write makes a new inode)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class Project:
    """Paths inside one project folder, and loading/saving its manifest atomically.

    A project with `record=False` is a loose output (`film scenario -o FILE`): nothing is
    recorded and no lock is taken."""

    root: Path
    record: bool = True

    @classmethod
    def at(cls, root: str | Path, *, record: bool = True) -> Project:
        """The project in folder `root`; an empty path is refused (it would mean here)."""
        text = str(root)
        if not text.strip():
            raise InputError("the project folder is an empty path",
                             hint="Name a folder, e.g. -p myfilm (or -p . for this one).")
        if "\x00" in text:
            raise InputError("the project folder's name contains a NUL byte")
        return cls(Path(text).expanduser(), record)

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    @property
    def backup_path(self) -> Path:
        """The last manifest saved, kept apart so a damaged manifest.json can be restored."""
        return self.work_dir / "manifest.backup.json"

    @property
    def work_dir(self) -> Path:
        return self.root / ".film"

    def rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def keep_in_history(self, path: Path) -> Path:
        """Copy `path` (about to be replaced) into .film/history/ under a dated name."""
        history = self.work_dir / "history"
        history.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        kept = history / f"{path.stem}-{stamp}-{secrets.token_hex(2)}{path.suffix}"
        shutil.copy2(path, kept)
        return kept

    def ensure(self) -> None:
        """Create the folder (and say clearly when that is impossible)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self.work_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create project folder {self.root}: {exc.strerror}") from exc

    def load_manifest(self) -> Manifest:
        """The manifest, or an empty one for a new project; a damaged one is an InputError."""
        path = self.manifest_path
        if not self.record or not path.exists():
            return Manifest()
        try:
            return Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, OSError) as exc:
            raise InputError(f"{path} is damaged ({_first_problem(exc)})",
                             hint=self._restore_hint()) from exc

    def _restore_hint(self) -> str:
        backup = self.backup_path
        try:
            Manifest.model_validate(json.loads(backup.read_text(encoding="utf-8")))
        except (ValueError, OSError):
            return (f"Move it aside (mv {shell_path(self.manifest_path)} "
                    f"{shell_path(str(self.manifest_path) + '.bad')}) to start the bookkeeping "
                    "afresh: files already made are kept, but the spend ledger starts from "
                    "zero and remembered options (providers, --resolution) must be given again.")
        return (f"Restore the copy film keeps: cp {shell_path(backup)} "
                f"{shell_path(self.manifest_path)}")

    def save_manifest(self, manifest: Manifest) -> None:
        """Write manifest.json atomically, and the same content as its backup; nothing when
        the file is still what this process last wrote and the content has not changed (a
        run saves after every artifact, most of them reused on a rerun)."""
        if not self.record:
            return
        data = manifest.model_dump(mode="json")
        content = hashlib.sha256(json.dumps(data, ensure_ascii=False, separators=(",", ":"))
                                 .encode()).hexdigest()
        key = str(self.manifest_path.resolve())
        if _SAVED.get(key) == (content, _signature(self.manifest_path)):
            return
        atomic_write_json(self.manifest_path, data)
        atomic_write_json(self.backup_path, data, sync=False)
        _SAVED[key] = (content, _signature(self.manifest_path))

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the project's run lock; a second concurrent run gets ProjectLocked.

        Re-entrant within a process (a command holds it around the engine, which takes it
        too). It is an OS file lock, so a run killed with -9 releases it, and the next run
        takes over and removes the temporary files the killed run left.
        """
        key = str(self.root.resolve())
        if not self.record or key in _MINE.get():  # this task (or the one that started it) holds it
            yield
            return
        if key in _HELD:  # another task or thread of this process holds it
            raise ProjectLocked(f"another film run in this process is working on {self.root}")
        self.ensure()
        lock_path = self.work_dir / "lock"
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if not try_lock(fd):
                holder = _read_holder(lock_path) or "unknown process"
                raise ProjectLocked(
                    f"another film run ({holder}) is working on {self.root}",
                    hint="Wait for it to finish, or stop it; a killed run frees the lock.",
                )
            os.ftruncate(fd, 0)
            os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode())
            self._remove_stale_temp_files()
            _HELD.add(key)
            token = _MINE.set(_MINE.get() | {key})
            try:
                yield
            finally:
                _MINE.reset(token)
                _HELD.discard(key)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)  # no holder any more
        finally:
            os.close(fd)

    def is_locked(self) -> bool:
        """Whether a film process is working on this project right now. It reads who holds
        the lock rather than trying to take it, so asking never gets in a run's way."""
        if str(self.root.resolve()) in _HELD:
            return True
        match = re.fullmatch(r"pid (\d+) on (.+)", _read_holder(self.work_dir / "lock"))
        if match is None:
            return False
        pid, host = int(match.group(1)), match.group(2)
        return host != socket.gethostname() or _pid_alive(pid)

    def _remove_stale_temp_files(self) -> None:
        """Delete `.name.tmp-<pid>-xxxx` files left by processes that no longer run."""
        for path in self.root.rglob(".*.tmp-*"):
            if path.is_file():
                match = re.search(r"\.tmp-(\d+)-", path.name)
                if match and not _pid_alive(int(match.group(1))):
                    with contextlib.suppress(OSError):
                        path.unlink()


def _first_problem(exc: Exception) -> str:
    """The first line worth showing of a parse or validation error."""
    from pydantic import ValidationError

    if isinstance(exc, ValidationError) and exc.errors():
        item = exc.errors()[0]
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        return f"{where}: {item['msg']}"[:160]
    return str(exc).splitlines()[0][:160]


#: projects whose lock this process holds, and those the current task may re-enter
_HELD: set[str] = set()
_MINE: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar(
    "film_project_locks", default=frozenset())


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_holder(lock_path: Path) -> str:
    try:
        return lock_path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return ""
