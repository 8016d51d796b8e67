"""The jobs file: one film a row, JSON Lines or CSV, every row checked before anything runs.

A row names what the film starts from (a `description`, a story's `log_line`, or a `shots`
file) and any per-film options. Rows are validated with pydantic; a bad row is reported with
its line number and what is wrong, all of them at once.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from film.errors import InputError
from film.text import slug

#: what a row may start from (exactly one per row)
SOURCES = ("description", "log_line", "shots")
_SIDE = range(64, 4097)


class FilmJob(BaseModel):
    """One row of the jobs file: what the film starts from, and its own options."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    #: the film's folder under --out (default: from its first words)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, min_length=1, max_length=20_000)
    log_line: str | None = Field(default=None, min_length=1, max_length=2000)
    #: a shots.json a person wrote (relative to the jobs file's folder)
    shots: str | None = Field(default=None, min_length=1)
    num_shots: int | None = Field(default=None, ge=1, le=30)
    shot_duration: float | None = Field(default=None, ge=0.5, le=30, allow_inf_nan=False)
    style: str | None = Field(default=None, max_length=200)
    mood: str | None = Field(default=None, max_length=200)
    aspect_ratio: Literal["16:9", "9:16", "1:1"] | None = None
    scope: Literal["scene", "multi", "full"] | None = None
    scenes: int | None = Field(default=None, ge=1, le=40)
    characters: int | None = Field(default=None, ge=1, le=12)
    shots_per_scene: int | None = Field(default=None, ge=1, le=30)
    language: str | None = Field(default=None, max_length=60)
    model: str | None = None
    image_provider: str | None = None
    video_provider: str | None = None
    tts_provider: str | None = None
    reference_provider: str | None = None
    resolution: str | None = None
    #: the film's workflow: film, animatic, storyboard, audio-first, or a .toml file (relative
    #: to the jobs file's folder)
    workflow: str | None = Field(default=None, min_length=1, max_length=1000)
    #: candidate stills per shot
    takes: int | None = Field(default=None, ge=1, le=8)

    @model_validator(mode="after")
    def _one_source(self) -> FilmJob:
        given = [name for name in SOURCES if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of description, log_line or shots"
                             + (f" (this row has {' and '.join(given)})" if given else ""))
        only = {"num_shots": "description", "mood": "description",
                "scope": "log_line", "scenes": "log_line", "characters": "log_line",
                "shots_per_scene": "log_line", "language": "log_line"}
        for option, source in only.items():
            if getattr(self, option) is not None and getattr(self, source) is None:
                raise ValueError(f"{option} applies to a {source} row only")
        if self.shots is not None and any(getattr(self, o) is not None for o in (
                "style", "aspect_ratio", "shot_duration", "model")):
            raise ValueError("a shots row takes its style, aspect ratio and durations from "
                             "the shots file")
        if self.name is not None:
            _check_name(self.name)
        if self.resolution is not None:
            parse_size(self.resolution)
        return self

    @property
    def source(self) -> str:
        return next(name for name in SOURCES if getattr(self, name) is not None)


def _check_name(name: str) -> None:
    """A film's folder name: one plain name (no path, not hidden, no control characters)."""
    if name.startswith(".") or "/" in name or "\\" in name \
            or any(ord(c) < 32 for c in name):
        raise ValueError(f"name must be a plain folder name, not {name!r}")


def parse_size(value: str) -> tuple[int, int]:
    """"640x360" → (640, 360); "auto" → (0, 0); ValueError otherwise."""
    if value.strip().lower() == "auto":
        return (0, 0)
    match = re.fullmatch(r"\s*(\d{2,4})\s*[xX]\s*(\d{2,4})\s*", value)
    if not match:
        raise ValueError(f"resolution must look like 640x360, not {value!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if width not in _SIDE or height not in _SIDE or width % 2 or height % 2:
        raise ValueError("resolution needs even numbers between 64 and 4096")
    return width, height


@dataclass(frozen=True)
class Row:
    """A valid row: where it is in the file, the film's folder name, its job, and the text of
    its shots file (read now, so a worker elsewhere needs no access to it)."""

    line: int
    name: str
    job: FilmJob
    shots_text: str | None = None


@dataclass(frozen=True)
class BadRow:
    """A row that cannot run, and why (one line)."""

    line: int
    error: str
    name: str | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.error}"


def read_jobs(source: str) -> tuple[list[Row], list[BadRow]]:
    """Every row of the jobs file `source` ("-": stdin): the valid ones and the bad ones."""
    text, base = _read_text(source)
    records = _records(text, source)
    if not records:
        raise InputError(f"no films in {'standard input' if source == '-' else source}",
                         hint="Give one film per line (JSON Lines), or a CSV file with a "
                         "header row.")
    rows: list[Row] = []
    bad: list[BadRow] = []
    for line, record in records:
        if isinstance(record, BadRow):
            bad.append(record)
            continue
        try:
            rows.append(_row(line, record, base))
        except (ValidationError, ValueError, InputError) as exc:
            name = record.get("name")
            bad.append(BadRow(line, explain(exc), name if isinstance(name, str) else None))
    return _unique(rows, bad)


def _read_text(source: str) -> tuple[str, Path]:
    """The jobs file's text, and the folder its relative paths start from."""
    where = "standard input" if source == "-" else source
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode()
            base = Path.cwd()
        else:
            data = Path(source).read_bytes()
            base = Path(source).resolve().parent
        return data.decode("utf-8-sig"), base
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read the jobs from {where}: it is not UTF-8 text "
                         f"(byte {exc.start})", hint="Save it as UTF-8.") from exc
    except OSError as exc:
        raise InputError(f"cannot read the jobs from {where}: {exc.strerror or exc}") from exc


def is_csv(text: str, source: str) -> bool:
    """CSV by its suffix (.csv, .tsv); JSON Lines by its (.jsonl, .ndjson, .json); otherwise
    (stdin) CSV unless the first thing in it is a JSON object."""
    suffix = Path(source).suffix.lower() if source != "-" else ""
    if suffix in (".csv", ".tsv"):
        return True
    if suffix in (".jsonl", ".ndjson", ".json"):
        return False
    return not text.lstrip().startswith("{")


def _records(text: str, source: str) -> list[tuple[int, dict[str, Any] | BadRow]]:
    if is_csv(text, source):
        return _csv_records(text, "\t" if source.lower().endswith(".tsv") else ",")
    found: list[tuple[int, dict[str, Any] | BadRow]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            found.append((number, BadRow(number, f"not JSON ({_json_error(exc)})")))
            continue
        if not isinstance(record, dict):
            found.append((number, BadRow(number, "a row must be a JSON object {...}")))
            continue
        found.append((number, record))
    return found


def _json_error(exc: ValueError) -> str:
    message = str(exc)
    return re.sub(r": line \d+ column", " at column", message).split(" (char")[0]


def _csv_records(text: str, delimiter: str) -> list[tuple[int, dict[str, Any] | BadRow]]:
    """CSV rows by the line each starts on; empty cells are left out (the defaults apply)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    found: list[tuple[int, dict[str, Any] | BadRow]] = []
    header: list[str] | None = None
    start = 1
    try:
        for cells in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = [cell.strip() for cell in cells]
                continue
            if len(cells) > len(header):
                found.append((line, BadRow(line, f"{len(cells)} cells for {len(header)} "
                                                 "columns in the header")))
                continue
            found.append((line, {key: cell for key, cell in zip(header, cells, strict=False)
                                 if key and cell.strip()}))
    except csv.Error as exc:
        found.append((start, BadRow(start, f"not valid CSV ({exc})")))
    return found


def _row(line: int, record: dict[str, Any], base: Path) -> Row:
    job = FilmJob.model_validate(record)
    shots_text = None
    if job.shots is not None:
        shots_text = _read_shots(base / Path(job.shots).expanduser())
    if job.workflow is not None:
        job = job.model_copy(update={"workflow": _workflow(job.workflow, base)})
    return Row(line=line, name=job.name or default_name(job), job=job, shots_text=shots_text)


def _workflow(spec: str, base: Path) -> str:
    """A built-in workflow's name, or the absolute path of a workflow file (checked)."""
    from film.build.workflows import BUILTINS, load_workflow

    if spec in BUILTINS:
        return spec
    path = Path(spec).expanduser()
    if not path.is_absolute():
        path = base / path
    if not path.is_file():
        load_workflow(spec)  # InputError: no workflow called SPEC, the built-ins
    load_workflow(str(path))  # InputError naming what is wrong in the file
    return str(path.resolve())


def _read_shots(path: Path) -> str:
    """A shots file's text, checked to be a valid shot list."""
    from film.schema import load_shot_list

    load_shot_list(path)  # InputError naming the problem
    return path.read_text(encoding="utf-8")


def default_name(job: FilmJob) -> str:
    """A film's folder when the row names none: the first words and a short digest of what it
    starts from. It stays the same when rows move or the row's options change (the film is
    then updated in place); two rows starting from the same text need names of their own."""
    text = str(getattr(job, job.source))
    words = " ".join(re.findall(r"\w+", Path(text).stem if job.shots else text)[:5])
    digest = hashlib.sha256(f"{job.source}:{text}".encode()).hexdigest()[:6]
    return f"{slug(words, 'film')}-{digest}"


def _unique(rows: list[Row], bad: list[BadRow]) -> tuple[list[Row], list[BadRow]]:
    """Two rows may not make the same folder."""
    first: dict[str, int] = {}
    kept = []
    for row in rows:
        key = row.name.lower()
        if key in first:
            bad.append(BadRow(row.line, f"the film folder {row.name!r} is also line "
                                        f"{first[key]}'s (give one of them another name)",
                              row.name))
            continue
        first[key] = row.line
        kept.append(row)
    return kept, sorted(bad, key=lambda b: b.line)


def explain(exc: Exception) -> str:
    """A pydantic error (or another) as one line: the field and what is wrong with it."""
    if not isinstance(exc, ValidationError):
        text = str(getattr(exc, "message", None) or exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__
    parts = []
    for error in exc.errors():
        field = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(field, FilmJob.model_fields, n=1)
            tip = f" (did you mean {close[0]!r}?)" if close else ""
            parts.append(f"unknown option {field!r}{tip}")
        elif field:
            parts.append(f"{field}: {_message(error)}")
        else:
            parts.append(_message(error))
    return "; ".join(parts)


def _message(error: Any) -> str:
    text = str(error["msg"]).removeprefix("Value error, ")[:200]
    return text[:1].lower() + text[1:]
