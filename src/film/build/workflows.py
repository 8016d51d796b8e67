"""Workflows as data: which stages a film runs, with which providers and takes, where it stops
for a choice, and what it writes for a person to look at.

A workflow is a list of steps. A `stage` step runs a stage of the table (with its provider
and takes); a `choose` step stops the run until every shot with several takes of that stage
has one chosen (`film choose`); a `review` step writes review.html and contact.png. Four are
built in (`film`, `animatic`, `storyboard`, `audio-first`); a TOML file defines others:

    name = "pick-stills"
    description = "Three stills per shot; I choose; then clips and the film."

    [[steps]]
    stage = "images"
    takes = 3

    [[steps]]
    review = true

    [[steps]]
    choose = "images"

    [[steps]]
    stage = "video"
    provider = "offline"
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from film.errors import InputError, WaitingForChoice
from film.fsutil import shell_path
from film.schema import format_validation_error
from film.stages.options import TRANSITIONS
from film.stages.table import MEDIA_STAGES, STAGES, items_of, key_of, stage

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: stages a `choose` step may wait on: those with takes
CHOOSABLE: tuple[str, ...] = tuple(st.name for st in STAGES if st.takes)


class Step(BaseModel):
    """One step: run a stage, stop for a choice, or write the review page."""

    model_config = ConfigDict(extra="forbid")
    stage: Literal[MEDIA_STAGES] | None = None  # type: ignore[valid-type]
    #: the stage's provider ("offline", "fal:flux-dev", ...): used unless an option names one
    provider: str | None = Field(default=None, min_length=1, max_length=200)
    #: candidates per item (a stage with takes)
    takes: int | None = Field(default=None, ge=1, le=8)
    #: the compose step's options
    transition: Literal[TRANSITIONS] | None = None  # type: ignore[valid-type]
    burn_subtitles: bool | None = None
    #: stop here until each item of this stage has a take chosen
    choose: Literal[CHOOSABLE] | None = None  # type: ignore[valid-type]
    #: write review.html and contact.png here
    review: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k, on in (("stage", self.stage), ("choose", self.choose),
                                 ("review", self.review)) if on]
        if len(kinds) != 1:
            raise ValueError("a step is one of: stage = NAME, choose = NAME, review = true")
        if self.stage is None and (self.provider or self.takes):
            raise ValueError("provider and takes belong to a stage step")
        if self.takes and not stage(self.stage or "compose").takes:
            raise ValueError(f"the {self.stage} stage has no takes")
        if (self.transition or self.burn_subtitles is not None) and self.stage != "compose":
            raise ValueError("transition and burn_subtitles belong to the compose step")
        return self


class Workflow(BaseModel):
    """A film's chain of steps."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=80)
    description: str = ""
    #: "speech": each shot lasts as long as its line (audio-first); clips are made that long
    fit: Literal["speech"] | None = None
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="after")
    def _order(self) -> Workflow:
        seen: list[str] = []
        for step in self.steps:
            if step.stage:
                seen.append(step.stage)
            elif step.choose and step.choose not in seen:
                raise ValueError(f"the choose step waits on {step.choose}, which no stage "
                                 "step before it makes")
        if not seen:
            raise ValueError("a workflow needs at least one stage step")
        if self.fit == "speech" and not {"speech", "video"} <= set(seen):
            raise ValueError("fit = \"speech\" needs a speech step and a video step")
        return self

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages it runs, with the ones their commands bring (the references), in the
        table's order."""
        named = {s.stage for s in self.steps if s.stage}
        named |= {b for name in list(named) for b in stage(name).brings}
        return tuple(st.name for st in STAGES if st.name in named)

    def summary(self) -> str:
        """One line: its steps."""
        parts = []
        for s in self.steps:
            if s.stage:
                extra = [f"{s.provider}" if s.provider else "", f"x{s.takes}" if s.takes else ""]
                parts.append(s.stage + "".join(f" {e}" for e in extra if e))
            elif s.choose:
                parts.append(f"choose {s.choose}")
            else:
                parts.append("review")
        return " -> ".join(parts) + ("  (shots fit their lines)" if self.fit else "")


BUILTINS: dict[str, Workflow] = {w.name: w for w in (
    Workflow(name="film", description="The whole film: references, stills, clips, voices, "
             "the film.", steps=[Step(stage=n) for n in MEDIA_STAGES]),
    Workflow(name="animatic", description="Stills animated offline (no paid video), voices, "
             "the film.", steps=[Step(stage="images"), Step(stage="video", provider="offline"),
                                 Step(stage="speech"), Step(stage="compose")]),
    Workflow(name="storyboard", description="Stills only, then the contact sheet and the "
             "review page: no clips, no film.", steps=[Step(stage="images"), Step(review=True)]),
    Workflow(name="audio-first", description="Voices first; each shot then lasts as long as "
             "its line, so paid video seconds match what is said.", fit="speech",
             steps=[Step(stage="speech"), Step(stage="images"), Step(stage="video"),
                    Step(stage="compose")]),
)}


def load_workflow(spec: str, project_root: Path | None = None) -> Workflow:
    """A built-in workflow by name, or one from a TOML file (a path, or a name relative to
    the project folder); InputError naming what is wrong."""
    if spec in BUILTINS:
        return BUILTINS[spec]
    path = Path(spec).expanduser()
    if not path.is_file() and project_root is not None and (project_root / spec).is_file():
        path = project_root / spec
    if not path.is_file():
        raise InputError(f"no workflow called {spec!r}",
                         hint=f"Built in: {', '.join(BUILTINS)}; or the path of a .toml file "
                         "(see `film workflows`).")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path} is not a readable TOML file: {exc}") from exc
    data.setdefault("name", path.stem)
    try:
        return Workflow.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{path} is not a valid workflow:\n{format_validation_error(exc)}",
                         hint="See `film workflows` and examples/workflows/.") from exc


def followed(project: Any) -> tuple[Workflow, str] | None:
    """The workflow a project follows (remembered from its last run) and its spec; None for
    the plain film chain. A remembered file that is gone or broken is an InputError."""
    if not project.manifest_path.exists():
        return None
    options = project.load_manifest().settings.get("options", {})
    spec = options.get("workflow") if isinstance(options, dict) else None
    if not spec:
        return None
    return load_workflow(str(spec), project.root), str(spec)


def remembered_spec(spec: str, project_root: Path | None) -> str:
    """How a project remembers a workflow: a built-in's name, else its file's absolute path."""
    if spec in BUILTINS:
        return spec
    path = Path(spec).expanduser()
    if not path.is_file() and project_root is not None:
        path = project_root / spec
    return str(path.resolve())


def workflow_options(workflow: Workflow, spec: str, given: dict[str, Any],
                     review: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Run options for `workflow` over `given` (the command's options): the steps' providers
    and takes where the command named none, its choose and review checkpoints, audio-first's
    fit. `review(run)` is what a review step does (nothing: planning only)."""
    opts = dict(given)
    takes = dict(opts.get("takes") or {})
    compose: dict[str, Any] = {}
    checkpoints: dict[str, tuple[Any, ...]] = {}
    last: str | None = None
    for step in workflow.steps:
        if step.stage:
            last = step.stage
            dest = stage(step.stage).dest
            if step.provider and dest and opts.get(dest) is None:
                opts[dest] = step.provider
            if step.takes and step.stage not in takes:
                takes[step.stage] = step.takes
            compose.update({k: v for k, v in (("transition", step.transition),
                                              ("burn_subtitles", step.burn_subtitles))
                            if v is not None})
        elif last is not None:
            action = (review or _nothing) if step.review else _waiting_on(step.choose or "")
            checkpoints[last] = (*checkpoints.get(last, ()), action)
    for key, value in compose.items():
        if opts.get(key) is None:
            opts[key] = value
    opts.update(takes=takes, checkpoints=checkpoints, workflow=spec)
    if workflow.fit == "speech":
        opts.update(fit_to_speech=True, after={"video": ("speech",)})
    return opts


def _nothing(_run: Any) -> None:
    return None


def waiting_items(run: Any, stage_name: str) -> list[str]:
    """The keys of the items whose takes of `stage_name` wait for a person's choice: several
    takes offered and none chosen by them."""
    st = stage(stage_name)
    waiting = []
    every = run.shot_list.shots if st.scope == "shot" else items_of(st.scope, run)
    for item in every:  # every shot, also in a run that redoes only some
        key = key_of(st.scope, item)
        takes = run.takes_of(st, key)
        offered = [n for n, t in takes.takes.items() if not t.discarded
                   and st.take_path(run.project.root, key, n).is_file()]
        if len(offered) > 1 and takes.by != "user":
            waiting.append(key)
    return waiting


def _waiting_on(stage_name: str) -> Callable[[Any], None]:
    """A checkpoint that stops the run while items of `stage_name` wait for a choice."""

    def check(run: Any) -> None:
        waiting = waiting_items(run, stage_name)
        if not waiting:
            return
        root = shell_path(run.project.root)
        option = "--shot" if stage(stage_name).scope == "shot" else f"--{stage(stage_name).scope}"
        more = "" if stage_name in ("images", "sheets", "plates") else f" --stage {stage_name}"
        raise WaitingForChoice(
            f"waiting for a choice: {len(waiting)} of the {stage_name} ({', '.join(waiting[:6])}"
            f"{', ...' if len(waiting) > 6 else ''}) have several takes",
            hint=f"Look at them (film review -p {root}), then e.g. `film choose -p {root} "
            f"{option} {waiting[0]} --take 2{more}`; `film run -p {root}` goes on once each "
            "is chosen.")

    return check
