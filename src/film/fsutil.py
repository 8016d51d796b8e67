"""Small file-system helpers: atomic writes and cached content digests."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from film.errors import InputError


def temp_path_for(path: Path) -> Path:
    """A hidden temporary name beside `path` that keeps its suffix (ffmpeg infers formats)."""
    return path.with_name(f".{path.stem}.tmp-{os.getpid()}-{secrets.token_hex(3)}{path.suffix}")


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it onto `path`, on failure delete it.

    A crash at any point leaves either the old file or the new one, never half a file.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create folder {path.parent}: {exc.strerror}") from exc
    tmp = temp_path_for(path)
    try:
        yield tmp
        if not tmp.exists():
            raise FileNotFoundError(f"nothing was written to {tmp}")
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write_bytes(path: str | Path, data: bytes, *, sync: bool = True) -> None:
    """Write `data` to `path` atomically (temp file, fsync unless `sync` is False, rename)."""
    path = Path(path)
    try:
        with atomic_output(path) as tmp, open(tmp, "wb") as fh:
            fh.write(data)
            if sync:
                fh.flush()
                os.fsync(fh.fileno())
    except PermissionError as exc:
        raise InputError(f"cannot write {path}: permission denied") from exc
    except IsADirectoryError as exc:
        raise InputError(f"cannot write {path}: it is a directory") from exc
    except OSError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from exc


def atomic_write_text(path: str | Path, text: str, *, sync: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), sync=sync)


def atomic_write_json(path: str | Path, data: Any, *, sync: bool = True) -> None:
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n", sync=sync)


def canonical_hash(data: Any) -> str:
    """A short stable hash of JSON-able data (sorted keys), used for input fingerprints."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


_digest_cache: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | Path) -> str:
    """sha256 of a file's content, memoised on (path, size, mtime) so reruns hash nothing twice."""
    path = Path(path)
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    cached = _digest_cache.get(key)
    if cached:
        return cached
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    value = digest.hexdigest()[:32]
    _digest_cache[key] = value
    return value


def shell_path(path: str | Path) -> str:
    """A path as one shell word no program reads as an option (for the commands a hint
    prints): quoted, and `./` before a name that begins with '-'."""
    import shlex

    text = str(path)
    return shlex.quote(f"./{text}" if text.startswith("-") else text)


def try_lock(fd: int) -> bool:
    """Take an exclusive OS lock on the open file `fd` without waiting (True: taken). A lock
    dies with its process, so a killed holder never blocks anyone. Where there is no `fcntl`
    (Windows) it says taken: at worst some work is done twice."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def wait_lock(fd: int) -> None:
    """Take an exclusive OS lock on `fd`, waiting for the holder (nothing where no `fcntl`)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    fcntl.flock(fd, fcntl.LOCK_EX)


def unlock(fd: int) -> None:
    """Release the OS lock on `fd` (closing the file releases it too)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)
