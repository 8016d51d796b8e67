"""Takes: several candidates of one artifact (a shot's still or clip, a reference), one chosen.

Each take is made like any artifact (film.build.produce) at `takes/<stage>/<key>/<n>.<ext>`,
and the chosen one is linked (or copied) to the stage's own path, which is what the stages
after it read. The manifest's take sets say which variant (seed offset) each take is, which
one is chosen and by whom, and which were set aside.

- A run makes the chosen variant (with `--takes N`: variants 0..N-1) for the shot as it is
  now, reusing any take already made from the same inputs; the first one made is chosen.
- When the shot changed, its new take gets a new number and the old one is set aside (kept
  until `film prune`), so changing the shot back costs nothing.
- `film regen` adds a take with the next variant and chooses it.
- `film choose` picks any take, even one made for an earlier version of the shot; the choice
  holds until the shot changes again.
- A file a person put at the stage's path becomes a take of its own, chosen, and stands
  until `film regen` or `film choose`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from film.aio import gather_or_cancel
from film.build.freshness import (
    as_recorded,
    input_hash_of,
    is_current,
    placed_by_hand,
    resumable,
    settled,
)
from film.build.produce import Producer
from film.errors import InputError
from film.fsutil import file_digest, temp_path_for
from film.project import Artifact, Take, TakeSet
from film.stages.table import Stage, key_of


def take_label(stage_name: str, key: str) -> str:
    """The key of an artifact's take set in the manifest: "images/shot_001"."""
    return f"{stage_name}/{key}"


@dataclass
class _Want:
    """One take the run needs: its variant, its request and where it comes from."""

    variant: int
    request: Any
    inputs: dict[str, Any]
    #: the take it is (None: a new one, numbered when the run makes it)
    number: int | None
    #: already made from these inputs: nothing to do
    ready: bool
    #: a paid job for it is waiting to be collected (costs nothing more)
    paid: bool = False


class TakeMaker(Producer):
    """Making an artifact of a stage with takes. Mixed into the Engine."""

    def takes_of(self, st: Stage, key: str) -> TakeSet:
        """The artifact's take set (an empty one, not yet recorded, when it has none)."""
        return self.manifest.takes.get(take_label(st.name, key)) or TakeSet()

    def take(self, key: str, stage_name: str) -> int:
        """The variant (seed offset) of the chosen take of this artifact (0: the first)."""
        found = self.manifest.takes.get(take_label(stage_name, key))
        return found.variant() if found is not None else 0

    async def make_takes(self, st: Stage, item: Any) -> Path | None:
        """Make the takes the run needs of `item`'s artifact, choose one, and put it at the
        stage's path. Returns that path, or None when every take failed (--on-error skip)."""
        key = key_of(st.scope, item)
        label = take_label(st.name, key)
        takes = self.manifest.takes.setdefault(label, TakeSet())
        out = self.output_of(st, key)
        provider = self.provider(st)
        forced = (key, st.name) in self.options.force
        self._keep_own_file(st, key, takes, out)
        holds = not forced and self._choice_holds(st, item, takes, provider)
        wants = self._wants(st, item, key, takes, provider, holds, forced)
        for want in wants:
            if want.number is None:
                want.number = takes.next_number()
                takes.takes[want.number] = Take(variant=want.variant)
        made = await gather_or_cancel([self._make_take(st, key, provider, w) for w in wants])
        done = [w for w, entry in zip(wants, made, strict=True) if entry is not None]
        if done:
            self.summary.skipped.discard(key)  # one failed take does not leave the shot out
        self._set_aside_old(st, item, key, takes, provider, done)
        if not holds:
            chosen = self._pick(takes, done, forced)
            if chosen is None:
                return None
            takes.chosen, takes.by, takes.under = chosen, "default", None
        self.save()
        return self._place_chosen(st, key, takes, out)

    # ---- which takes ------------------------------------------------------------------------

    def _keep_own_file(self, st: Stage, key: str, takes: TakeSet, out: Path) -> None:
        """The file at the stage's path becomes a take when it is none of the takes: one film
        made before takes existed (same variant as recorded), or one a person put there
        (chosen by them)."""
        rel = self.project.rel(out)
        entry = settled(self.manifest.artifacts.get(rel), out)
        if not out.is_file() or (entry is not None and entry.status != "done"):
            return
        by_hand = entry is None or placed_by_hand(entry, out)
        if not by_hand and entry.meta.get("take") in takes.takes:  # type: ignore[union-attr]
            return  # one of the takes (the chosen one, or one a new choice replaces)
        if by_hand or entry.provider == "manual":  # type: ignore[union-attr]
            number = takes.next_number()
            takes.takes[number] = Take(variant=None)
            takes.by, takes.under = "user", None
            entry = Artifact(stage=st.name, path=rel, shot_id=key, input_hash="manual",
                             provider="manual", size=out.stat().st_size, meta={"adopted": True})
            self.sink.emit("message", text=f"{rel} was put there by hand: kept as take "
                           f"{number} and used (`film regen` makes a new one)")
        else:
            number = takes.chosen if takes.chosen in takes.takes else takes.next_number()
            takes.takes.setdefault(number, Take(variant=takes.variant()))
        takes.chosen = number
        self._record_take(st, key, number, out, entry)  # type: ignore[arg-type]
        self.manifest.artifacts[rel] = entry.model_copy(  # type: ignore[union-attr]
            update={"meta": {**entry.meta, "take": number}})  # type: ignore[union-attr]

    def _holds_file(self, st: Stage, key: str, number: int, out: Path) -> bool:
        """Whether the file at the stage's path is take `number` as it is now (not an earlier
        version of it, not a file a person put there)."""
        path = st.take_path(self.project.root, key, number)
        entry = settled(self.manifest.artifacts.get(self.project.rel(out)), out)
        take = self.manifest.artifacts.get(self.project.rel(path))
        if entry is None or take is None or entry.meta.get("take") != number:
            return False
        if (entry.input_hash, entry.updated_at) != (take.input_hash, take.updated_at):
            return False
        with contextlib.suppress(OSError):
            if path.samefile(out):
                return True
        return as_recorded(out, entry)

    def _record_take(self, st: Stage, key: str, number: int, source: Path,
                     entry: Artifact) -> None:
        """Link `source` in as take `number`, with `entry` (its record) as the take's."""
        path = st.take_path(self.project.root, key, number)
        path.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(source, path)
        rel = self.project.rel(path)
        self.manifest.artifacts[rel] = entry.model_copy(update={
            "path": rel, "previous": None, "status": "done", "meta": {
                k: v for k, v in entry.meta.items() if k != "take"}})

    def _choice_holds(self, st: Stage, item: Any, takes: TakeSet, provider: Any) -> bool:
        """A person's file, or their choice while the shot is as it was when they chose; a
        choice the shot has moved on from lapses here."""
        if self.choice_stands(st, item, takes, provider):
            return True
        if takes.by == "user":
            takes.by, takes.under = "default", None
        return False

    def choice_stands(self, st: Stage, item: Any, takes: TakeSet, provider: Any) -> bool:
        """Whether a person's choice (a take they chose, a file they put there) stands."""
        if takes.by != "user" or takes.chosen not in takes.takes:
            return False
        take = takes.takes[takes.chosen]
        if take.variant is None:
            return True
        _request, inputs = st.plan(self, item, provider, take=take.variant)
        return takes.under == input_hash_of(st.name, provider, inputs)

    def _wants(self, st: Stage, item: Any, key: str, takes: TakeSet, provider: Any,
               holds: bool, forced: bool) -> list[_Want]:
        """The takes this run needs, each matched to a take made from the same inputs (number
        None: a new take)."""
        variants: list[int] = [] if holds or forced else [
            takes.variant() if takes.chosen else 0]
        variants += range(self.options.takes.get(st.name, 0))
        if forced:
            variants.append(max((t.variant for t in takes.takes.values()
                                 if t.variant is not None), default=-1) + 1)
        wants = []
        for variant in dict.fromkeys(variants):
            request, inputs = st.plan(self, item, provider, take=variant)
            number, ready, paid = self._match(st, key, takes, variant, provider, inputs)
            wants.append(_Want(variant, request, inputs, number, ready, paid))
        return wants

    def _match(self, st: Stage, key: str, takes: TakeSet, variant: int, provider: Any,
               inputs: dict[str, Any]) -> tuple[int | None, bool, bool]:
        """The take of `variant` made from these inputs (ready, or to finish: a paid job to
        collect, a stand-in to replace), else None; whether it is ready; whether a paid job
        for it waits to be collected."""
        input_hash = input_hash_of(st.name, provider, inputs)
        for number, take in takes.takes.items():
            if take.variant != variant:
                continue
            path = st.take_path(self.project.root, key, number)
            entry = settled(self.manifest.artifacts.get(self.project.rel(path)), path)
            if entry is not None and entry.input_hash == input_hash:
                return (number, is_current(entry, input_hash, path, provider),
                        resumable(entry, input_hash, provider) is not None)
        return None, False, False

    def takes_to_make(self, st: Stage, item: Any) -> list[Any]:
        """The requests of the takes a run of these options would make for `item` (for
        `film estimate`; nothing is recorded)."""
        key = key_of(st.scope, item)
        takes = self.takes_of(st, key)
        provider = self.provider(st)
        holds = self.choice_stands(st, item, takes, provider)
        forced = (key, st.name) in self.options.force
        return [w.request for w in self._wants(st, item, key, takes, provider, holds, forced)
                if not (w.ready or w.paid)]

    # ---- making and choosing ----------------------------------------------------------------

    async def _make_take(self, st: Stage, key: str, provider: Any,
                         want: _Want) -> Artifact | None:
        assert want.number is not None
        path = st.take_path(self.project.root, key, want.number)
        rel = self.project.rel(path)
        if want.ready:
            self.summary.stages[st.name].reused += 1
            self.sink.emit("artifact_done", stage=st.name, shot_id=key, cached=True,
                           provider=provider.name, path=rel, cost_usd=0.0)
            return self.manifest.artifacts[rel]
        return await self.produce(st, key, provider, want.request, path, want.inputs,
                                  force=False)

    def _set_aside_old(self, st: Stage, item: Any, key: str, takes: TakeSet, provider: Any,
                       done: list[_Want]) -> None:
        """Takes made from what the item was before (another prompt, another still) are set
        aside; the ones made or found now are offered again."""
        fresh = {w.number for w in done}
        current: dict[int, str] = {}
        for number, take in takes.takes.items():
            if number in fresh:
                take.discarded = False
            elif take.variant is not None and not take.discarded:
                if take.variant not in current:
                    _request, inputs = st.plan(self, item, provider, take=take.variant)
                    current[take.variant] = input_hash_of(st.name, provider, inputs)
                path = st.take_path(self.project.root, key, number)
                entry = self.manifest.artifacts.get(self.project.rel(path))
                if entry is None or entry.input_hash != current[take.variant]:
                    take.discarded = True

    @staticmethod
    def _pick(takes: TakeSet, done: list[_Want], forced: bool) -> int | None:
        """The take the film uses: a new `film regen` take, else the chosen variant's, else
        the first one made."""
        if not done:
            return None
        if forced:
            return done[-1].number
        chosen_variant = takes.variant() if takes.chosen is not None else 0
        same = [w.number for w in done if w.variant == chosen_variant]
        return same[0] if same else done[0].number

    def _place_chosen(self, st: Stage, key: str, takes: TakeSet, out: Path) -> Path:
        """Put the chosen take at the stage's path (a hard link, else a copy), recorded as
        that take's artifact; nothing to do when it is there already."""
        number = takes.chosen
        assert number is not None
        if self._holds_file(st, key, number, out):
            return out
        source = st.take_path(self.project.root, key, number)
        take_entry = self.manifest.artifacts[self.project.rel(source)]
        rel = self.project.rel(out)
        previous = self.manifest.artifacts.get(rel)
        tmp = temp_path_for(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(source, tmp)
            entry = take_entry.model_copy(update={
                "path": rel, "status": "writing", "cost_usd": 0.0, "digest": file_digest(tmp),
                "meta": {**take_entry.meta, "take": number},
                "previous": previous.model_copy(update={"previous": None}) if previous else None})
            self.manifest.artifacts[rel] = entry
            self.save()
            os.replace(tmp, out)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        entry.status, entry.previous, entry.digest = "done", None, None
        self.save()
        self.sink.emit("take_chosen", stage=st.name, shot_id=key, take=number, path=rel)
        return out

    # ---- `film choose` ----------------------------------------------------------------------

    def choose(self, st: Stage, item: Any, number: int) -> None:
        """Record a person's choice of take `number` (the others are set aside); the next run
        puts it in place and remakes what follows from it."""
        key = key_of(st.scope, item)
        takes = self.manifest.takes.get(take_label(st.name, key))
        offered = sorted(takes.takes) if takes is not None else []
        if takes is None or number not in takes.takes:
            raise InputError(f"{st.name} of {key} has no take {number}",
                             hint=f"Its takes: {', '.join(map(str, offered))}." if offered
                             else "It has no takes yet: run `film run` (or --takes N) first.")
        path = st.take_path(self.project.root, key, number)
        if not path.is_file():
            raise InputError(f"take {number} of {st.name} {key} is gone ({path} was removed)",
                             hint=f"Its takes: {', '.join(map(str, offered))}.")
        take = takes.takes[number]
        under = None
        if take.variant is not None:
            provider = self.provider(st)
            _request, inputs = st.plan(self, item, provider, take=take.variant)
            under = input_hash_of(st.name, provider, inputs)
        takes.chosen, takes.by, takes.under = number, "user", under
        for other, candidate in takes.takes.items():
            candidate.discarded = other != number
        self.save()


def _link_or_copy(source: Path, target: Path) -> None:
    """`target` becomes the same file as `source`: a hard link (no copy) where the file system
    allows, else a copy. An existing `target` is replaced."""
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
