"""The shared body of every command that runs stages: options, the engine, the report."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from film.cli_commands.common import make_sink, mark_json, parse_resolution, settings
from film.stages.options import COMPOSE_FIELDS
from film.stages.table import MEDIA_STAGES, STAGES

#: the CLI keyword arguments that are RunOptions (or build_options) values
RUN_KEYS: tuple[str, ...] = (
    *(st.dest for st in STAGES if st.dest), *COMPOSE_FIELDS, "no_music", "max_cost",
    "on_error", "force", "refresh", "only", "concurrency", "resolution", "as_json", "quiet",
    "takes",
)


def media_options(kw: dict[str, Any]) -> dict[str, Any]:
    """The run options among a command's keyword arguments."""
    return {k: kw[k] for k in RUN_KEYS if k in kw}


def with_workflow(project_dir: Path, spec: str | None, stages: tuple[str, ...],
                  opts: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The stages and options of a run that follows a workflow: `spec`, else the one the
    project remembers (none: the stages as given). The film chain's stages become the
    workflow's; the scenario stage before them stays."""
    from film.build.runner import remembered_options
    from film.build.workflows import load_workflow, remembered_spec, workflow_options
    from film.project import Project

    project = Project.at(project_dir)
    spec = spec or remembered_options(project).get("workflow")
    if not spec:
        return stages, opts
    workflow = load_workflow(spec, project.root)
    opts = workflow_options(workflow, remembered_spec(spec, project.root), opts, review_step)
    kept = tuple(s for s in stages if s not in MEDIA_STAGES)
    return (*kept, *workflow.stages), opts


def with_timing(project_dir: Path, opts: dict[str, Any]) -> dict[str, Any]:
    """The options of one stage run alone, keeping the film's timing: when the project's
    workflow fits each shot to its line (audio-first), so does the stage; otherwise `film
    compose` would undo the fitted film and the next `film run` redo it."""
    from film.errors import FilmError

    try:
        _stages, flow = with_workflow(project_dir, None, (), {})
    except FilmError:  # a workflow that cannot be read: `film run` says so
        return opts
    if not flow.get("fit_to_speech"):
        return opts
    return {**opts, "fit_to_speech": True, "after": flow.get("after", {})}


@contextlib.contextmanager
def project_engine(project_dir: Path) -> Iterator[Any]:
    """The project's engine, planned as its next `film run` would be (its workflow applied),
    with the project locked: for commands that look at or change its records."""
    from film.build.engine import Engine
    from film.build.runner import project_options, project_shots
    from film.project import Project

    project = Project.at(project_dir)
    shot_list = project_shots(project)
    s = settings()
    with project.lock():
        yield Engine(project, shot_list, project_options(s, project, check_music=False), s)


def review_step(run: Any) -> None:
    """A workflow's `review` step: review.html and contact.png in the project folder."""
    from film.build.review import write_review

    page, _contact = write_review(run.project, run.settings)
    run.sink.emit("message", text=f"review page: {page}")


def run_stages(project_dir: Path, shots: Path | None, stages: tuple[str, ...],
               opts: dict[str, Any], *, overwrite: bool = False) -> dict[str, Any]:
    """Run `stages` over the project (copying SHOTS in first when given); print the report.

    The project's lock is held for the whole command, so two commands never interleave.
    Returns the run summary (as a dict)."""
    from film.build.engine import Engine
    from film.build.runner import build_options, project_shots, run_project, with_shots_file
    from film.project import Project

    stages, opts = with_shots_file(stages, dict(opts), shots, overwrite)
    as_json, quiet = opts.pop("as_json", False), opts.pop("quiet", False)
    mark_json(as_json)
    s = settings()
    project = Project.at(project_dir)
    opts["resolution"] = parse_resolution(opts.get("resolution"))
    with new_folder_removed_on_error(project.root):
        options = build_options(s, project, stages=stages, **opts)
        Engine(project, None, options, s).preflight()  # before anything is written
        sink = make_sink(as_json, quiet)  # progress starts once the options are good
        with project.lock():
            shot_list = project_shots(project) if stages[0] in MEDIA_STAGES else None
            summary = run_project(project, shot_list, options, s, sink).as_dict()
    if not as_json:
        report(summary, quiet)
    return summary


@contextlib.contextmanager
def new_folder_removed_on_error(root: Path) -> Iterator[None]:
    """A project folder this command created is removed again if the command fails before
    anything but film's bookkeeping is in it (a bad option, a missing key, ...)."""
    existed = root.exists()
    try:
        yield
    except BaseException:
        if not existed and root.is_dir() and {p.name for p in root.iterdir()} <= {
                ".film", "manifest.json"} and _nothing_recorded(root):
            with contextlib.suppress(OSError):
                shutil.rmtree(root)
        raise


def _nothing_recorded(root: Path) -> bool:
    """Whether a project folder's manifest records no artifact and no spend."""
    from film.errors import FilmError
    from film.project import Project

    try:
        manifest = Project.at(root).load_manifest()
    except FilmError:
        return False
    return not manifest.artifacts and not manifest.ledger


def report(summary: dict[str, Any], quiet: bool) -> None:
    """The run's table and notes on stderr, the film's path on stdout."""
    from rich.markup import escape

    from film.cli_commands.render import err, out, summary_table

    if not quiet:
        err.print(summary_table(summary))
    for line in summary["fallbacks"]:
        err.print(f"[magenta]fallback[/]: {escape(line)}")
    for line in summary["failures"]:
        err.print(f"[red]left out[/]: {escape(line)}")
    if summary["final"]:
        out.print(summary["final"], markup=False, highlight=False)
    if summary["total_cost_usd"]:
        err.print(f"spent ${summary['cost_usd']:.4f} this run, "
                  f"${summary['total_cost_usd']:.4f} on this project in all")
