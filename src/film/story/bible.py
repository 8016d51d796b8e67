"""The bible as entries with versions: story/bible.json holds the current entries (a person
edits it by hand or through this API), story/bible.history.json keeps every version of every
entry, so an edit can be seen, compared and undone.

Entry ids: `character:<id>`, `location:<id>`, `plot`. `sync()` records a new version of each
entry that changed since the last one recorded (film calls it before and after each story
run). `appearances()` says which scenes each character and location is in.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from film.errors import InputError
from film.fsutil import atomic_write_json, canonical_hash
from film.story.models import Bible, Character, Location, Outline, Plot

TYPES = ("character", "location", "plot")


class BibleStorage:
    """Entries of one project's bible, with their versions (the seed API's names)."""

    def __init__(self, story_dir: str | Path) -> None:
        self.dir = Path(story_dir)
        self.path = self.dir / "bible.json"
        self.history_path = self.dir / "bible.history.json"
        #: entries written before there is a bible (they seed it: `--bible`, `existing_bibles`)
        self.given_path = self.dir / "given.json"

    # ---- reading and writing the two files ------------------------------------------------

    def load(self) -> Bible | None:
        if not self.path.exists():
            return None
        try:
            return Bible.model_validate(json.loads(self.path.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.path} is not a valid bible: {str(exc).splitlines()[0]}",
                             hint="Fix it by hand (see docs/ARCHITECTURE.md for its fields).",
                             ) from exc

    def _save(self, bible: Bible) -> None:
        atomic_write_json(self.path, bible.model_dump(mode="json"))

    def history(self) -> dict[str, list[dict[str, Any]]]:
        try:
            data = json.loads(self.history_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    # ---- entries --------------------------------------------------------------------------

    @staticmethod
    def entries_of(bible: Bible) -> dict[str, dict[str, Any]]:
        """Every entry of a bible by id, as plain data."""
        found = {"plot": bible.plot.model_dump(mode="json")}
        found.update({f"character:{c.id}": c.model_dump(mode="json") for c in bible.characters})
        found.update({f"location:{p.id}": p.model_dump(mode="json") for p in bible.locations})
        return found

    def sync(self) -> dict[str, int]:
        """Record a version of every entry that changed since its last recorded version;
        returns the changed entries' new version numbers."""
        bible = self.load()
        if bible is None:
            return {}
        history = self.history()
        changed: dict[str, int] = {}
        for entry_id, data in self.entries_of(bible).items():
            versions = history.setdefault(entry_id, [])
            digest = canonical_hash(data)
            if versions and versions[-1]["digest"] == digest:
                continue
            versions.append({"version": len(versions) + 1, "digest": digest, "data": data,
                             "at": time.strftime("%Y-%m-%dT%H:%M:%S")})
            changed[entry_id] = len(versions)
        if changed:
            atomic_write_json(self.history_path, history)
        return changed

    def versions(self, entry_id: str) -> list[dict[str, Any]]:
        return list(self.history().get(entry_id, []))

    def list_entries(self, entry_type: str | None = None) -> list[dict[str, Any]]:
        """Every entry (of one type): {id, type, version, data}."""
        bible = self.load()
        if bible is None:
            return []
        history = self.history()
        return [{"id": entry_id, "type": entry_id.split(":", 1)[0], "data": data,
                 "version": len(history.get(entry_id, [])) or 1}
                for entry_id, data in self.entries_of(bible).items()
                if entry_type is None or entry_id.startswith(entry_type)]

    def get_entry(self, entry_id: str) -> dict[str, Any]:
        given = [{"id": f"{k[:-1]}:{e['id']}", "type": k[:-1], "data": e, "version": 1}
                 for k in ("characters", "locations") for e in self.given().get(k, [])]
        found = next((e for e in [*self.list_entries(), *given] if e["id"] == entry_id), None)
        if found is None:
            raise InputError(f"no bible entry {entry_id!r}")
        return found

    def given(self) -> dict[str, Any]:
        """The entries written before the bible existed ({"characters": [...], ...})."""
        try:
            data = json.loads(self.given_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def given_entries(self, ids: dict[str, list[str]]) -> dict[str, Any]:
        """The given entries named by `ids` ({"character": [...], "location": [...]}), as a
        story's `given`."""
        given = self.given()
        chosen: dict[str, Any] = {}
        for kind, key in (("character", "characters"), ("location", "locations")):
            wanted = {i.split(":", 1)[-1] for i in ids.get(kind, []) + ids.get(key, [])}
            items = [e for e in given.get(key, []) if e.get("id") in wanted]
            if items:
                chosen[key] = items
        if ids.get("plot") and given.get("plot"):
            chosen["plot"] = given["plot"]
        return chosen

    def create_entry(self, entry_type: str, data: dict[str, Any]) -> str:
        """Add a character or a location; returns its id (`character:<id>`). Before there is
        a bible the entry is kept as a given one, to seed the story."""
        if entry_type == "setting":
            entry_type = "location"  # the seed's name
        if entry_type not in ("character", "location"):
            raise InputError(f"entries are characters or locations, not {entry_type!r}",
                             hint="Set the plot with update_entry('plot', {...}).")
        bible = self.load()
        item = (Character if entry_type == "character" else Location).model_validate(data)
        if bible is None:
            given = self.given()
            items = given.setdefault(f"{entry_type}s", [])
            if any(e.get("id") == item.id for e in items):
                raise InputError(f"{entry_type}:{item.id} exists already")
            items.append(item.model_dump(mode="json"))
            atomic_write_json(self.given_path, given)
            return f"{entry_type}:{item.id}"
        items = bible.characters if entry_type == "character" else bible.locations
        if any(existing.id == item.id for existing in items):
            raise InputError(f"{entry_type}:{item.id} exists already")
        items.append(item)  # type: ignore[arg-type]
        self._save(Bible.model_validate(bible.model_dump()))
        self.sync()
        return f"{entry_type}:{item.id}"

    def update_entry(self, entry_id: str, data: dict[str, Any]) -> int:
        """Change an entry's fields (the others are kept); returns its new version."""
        bible = self.load()
        if bible is None:
            raise InputError("there is no bible yet")
        kind, _, key = entry_id.partition(":")
        if kind == "plot":
            bible.plot = Plot.model_validate({**bible.plot.model_dump(), **data})
        else:
            items = {"character": bible.characters, "location": bible.locations}.get(kind)
            index = next((i for i, e in enumerate(items or []) if e.id == key), None)
            if items is None or index is None:
                raise InputError(f"no bible entry {entry_id!r}")
            model = Character if kind == "character" else Location
            items[index] = model.model_validate(  # type: ignore[call-overload]
                {**items[index].model_dump(), **data, "id": key})
        self._save(Bible.model_validate(bible.model_dump()))
        return self.sync().get(entry_id, len(self.versions(entry_id)))

    def delete_entry(self, entry_id: str) -> None:
        bible = self.load()
        kind, _, key = entry_id.partition(":")
        if bible is None or kind not in ("character", "location"):
            raise InputError(f"no bible entry {entry_id!r} to delete")
        if kind == "character":
            bible.characters = [c for c in bible.characters if c.id != key]
        else:
            bible.locations = [p for p in bible.locations if p.id != key]
        self._save(Bible.model_validate(bible.model_dump()))

    def revert_to_version(self, entry_id: str, version: int) -> int:
        """Put an entry back as it was at `version`; returns the new version number."""
        versions = self.versions(entry_id)
        old = next((v for v in versions if v["version"] == version), None)
        if old is None:
            raise InputError(f"{entry_id} has no version {version}",
                             hint=f"It has versions 1 to {len(versions)}.")
        return self.update_entry(entry_id, old["data"])

    # the seed's other names
    create_bible = create_entry
    get_bible = get_entry
    update_bible = update_entry
    delete_bible = delete_entry

    def get_all_bibles(self, bible_type: str | None = None) -> list[dict[str, Any]]:
        return self.list_entries(bible_type)


def appearances(outline: Outline) -> dict[str, list[str]]:
    """Entry id -> the scenes it appears in (`character:<id>`, `location:<id>`)."""
    found: dict[str, list[str]] = {}
    for scene in outline.scenes:
        for ref in scene.characters:
            found.setdefault(f"character:{ref}", []).append(scene.scene_id)
        found.setdefault(f"location:{scene.location}", []).append(scene.scene_id)
    return found
