"""`film scenario` and `film schema`."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from film.cli_commands.common import ASPECTS, FiniteFloat, PathArg, make_sink, mark_json, settings

STYLE_HELP = "Visual style: noir, cyberpunk, documentary, fantasy, horror, romance, anime, " \
             "vintage, or your own words."


def description_options(func):  # type: ignore[no-untyped-def]
    """-d/--description, --description-file, -n, --model, --style, --mood, --language,
    --aspect-ratio, --shot-duration, --stream, --no-cache."""
    for option in reversed([
        click.option("-d", "--description", help="What happens, in plain words ('-' reads "
                     "stdin)."),
        click.option("--description-file", type=PathArg(dir_okay=False, allow_dash=True),
                     help="Read the description from a UTF-8 file ('-' for stdin)."),
        click.option("-n", "--num-shots", type=click.IntRange(1, 30), default=5,
                     show_default=True, help="How many shots (1-30)."),
        click.option("--model", "-m", default=None, help="offline, a preset (see `film models`),"
                     " an OpenRouter id like anthropic/claude-sonnet-4.6, or ollama:<model>."),
        click.option("--style", default=None, help=STYLE_HELP),
        click.option("--mood", default=None, help="Overall mood, e.g. tense, joyful, eerie."),
        click.option("--language", default=None, callback=_language, metavar="CODE",
                     help="The language of the dialogue, narration and captions (zh, ja, es, "
                     "fr, de, ar, ...; default: the description's)."),
        click.option("--aspect-ratio", type=click.Choice(ASPECTS), default="16:9",
                     show_default=True),
        click.option("--shot-duration", type=FiniteFloat(0.5, 30), default=5.0,
                     show_default=True, help="Seconds per shot the planner aims for."),
        click.option("--stream", is_flag=True, help="Stream the LLM reply with live progress."),
        click.option("--no-cache", is_flag=True, help="Ask the LLM again even if an identical "
                     "request was answered before."),
    ]):
        func = option(func)
    return func


def _language(ctx: Any, param: Any, value: str | None) -> str | None:
    from film.lang import check_language

    try:
        return check_language(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def pick_model(model: str | None, quiet: bool = False, project: Any = None) -> str:
    """The --model value, else the one the project used last, else the default; says in one
    line when that is offline."""
    from film.build.runner import provider_default, remembered_options

    if model:
        return model
    remembered = remembered_options(project).get("model") if project is not None else None
    if remembered:
        return str(remembered)
    chosen = provider_default("scenario", settings())
    if chosen == "offline" and not quiet:
        click.echo("note: OPENROUTER_API_KEY is not set, so the offline planner writes the shot "
                   "list (set a key or pass --model for an LLM).", err=True)
    return chosen


def build_request(description: str | None, description_file: str | None, num_shots: int,
                  style: str | None, mood: str | None, aspect_ratio: str,
                  shot_duration: float, language: str | None = None) -> Any:
    """The ScenarioRequest from the command's options (reads the description)."""
    from film.scenario.contract import ScenarioRequest
    from film.stages.scenario import read_description

    return ScenarioRequest(description=read_description(description, description_file),
                           num_shots=num_shots, style=style, mood=mood,
                           aspect_ratio=aspect_ratio, shot_duration=shot_duration,
                           language=language)


def scenario_options(model: str, stream: bool, no_cache: bool) -> dict[str, Any]:
    """The LLM stages' model and the options of their providers, as build_options takes
    them (every stage chosen by --model shares them)."""
    from film.stages.table import STAGES

    provider: dict[str, Any] = {"stream": stream, "use_cache": not no_cache}
    if stream:
        provider["on_progress"] = _stream_progress
    return {"model": model, "provider_options": {
        st.name: provider for st in STAGES if st.dest == "model"}}


def _stream_progress(elapsed: float, tokens: int) -> None:
    sys.stderr.write(f"\r  streaming… {elapsed:5.1f}s  {tokens} tokens")
    sys.stderr.flush()


@click.command("scenario")
@description_options
@click.option("-o", "--output", type=PathArg(dir_okay=True, path_type=Path), default=None,
              help="Where to write the shot list [default: shots.json, or DIR/shots.json with "
              "-p].")
@click.option("-p", "--project", "project_dir", type=PathArg(file_okay=False, path_type=Path),
              help="Write DIR/shots.json (the film stages' input).")
@click.option("--list-models", is_flag=True, help="List the models and prices, then exit.")
@click.option("--estimate-only", is_flag=True, help="Print the expected tokens and cost, "
              "make nothing.")
@click.option("--max-cost", type=FiniteFloat(0.0), default=None, metavar="USD",
              help="Refuse the LLM call if it would take the project's spend past USD.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--overwrite", is_flag=True, help="Replace a shot list that was edited by hand "
              "(in a project the old one is kept in .film/history/), or an existing -o file.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the path of the shot list.")
def scenario_command(description, description_file, num_shots, model, style, mood, language,
                     aspect_ratio, shot_duration, stream, no_cache, output, project_dir,
                     list_models, estimate_only, max_cost, as_json, overwrite, quiet):  # type: ignore[no-untyped-def]
    """Turn a description into a validated shot list (shots.json).

    \b
    Examples:
      film scenario -d "A detective enters his dimly lit office on a rainy night." -n 5
      film scenario --description-file idea.txt --model claude-sonnet-4.6 --style noir -p noir
      echo "A fox crosses a frozen lake at dawn." | film scenario -d - -o fox.json
    """
    mark_json(as_json)
    if list_models:
        from film.cli_commands.models_commands import print_models

        return print_models(as_json)
    from film.build.runner import build_options, run_project
    from film.project import Project
    from film.schema import load_shot_list

    started = time.monotonic()
    request = build_request(description, description_file, num_shots, style, mood,
                            aspect_ratio, shot_duration, language)
    model = pick_model(model, quiet=quiet)
    if estimate_only:
        return _print_estimate(request, model, as_json)
    target = _target(output, project_dir)
    is_project = target.name == "shots.json" and (
        project_dir is not None or (target.parent / "manifest.json").exists())
    project = Project.at(target.parent, record=is_project)
    s = settings()
    options = build_options(
        s, project, stages=("scenario",), scenario=request, max_cost=max_cost,
        force=frozenset({("film", "scenario")}) if overwrite else frozenset(),
        refresh=frozenset({"scenario"}) if no_cache else frozenset(),
        outputs={} if is_project else {"scenario": target},
        **scenario_options(model, stream, no_cache))
    sink = make_sink(False, True) if quiet or as_json else _message_sink()
    with project.lock():
        summary = run_project(project, None, options, s, sink)
    if stream and summary.llm.get("completion_tokens"):
        sys.stderr.write("\n")  # end the live progress line
    if quiet and not as_json:
        click.echo(str(target))
        return
    _print_result(load_shot_list(target), summary.llm, target, time.monotonic() - started,
                  as_json)


def _target(output: Path | None, project_dir: Path | None) -> Path:
    from film.errors import InputError

    if output is not None and not str(output).strip():
        raise InputError("-o names an empty path")
    target = output or ((project_dir / "shots.json") if project_dir else Path("shots.json"))
    return target / "shots.json" if target.is_dir() else target


def _message_sink() -> Any:
    from film.events import MessageSink

    return MessageSink()


def _print_estimate(request: Any, model: str, as_json: bool) -> None:
    from film.scenario.catalogue import estimate_scenario_cost, resolve_model

    resolved = resolve_model(model, settings().user_dir())
    estimate = {"model": resolved.label, "model_id": resolved.model_id,
                **estimate_scenario_cost(resolved, request.description, request.num_shots)}
    if as_json:
        click.echo(json.dumps(estimate, indent=2))
        return
    if estimate["model"] == "offline":
        click.echo("model offline: the offline planner is free and uses no tokens")
        return
    click.echo(f"model {estimate['model']} ({estimate['model_id']}): about "
               f"{estimate['input_tokens']:,} input + {estimate['output_tokens']:,} output "
               f"tokens ≈ ${estimate['cost_usd']:.4f}")


def _print_result(shot_list: Any, llm: dict[str, Any], path: Path, seconds: float,
                  as_json: bool) -> None:
    cost = llm.get("cost_usd", 0.0) or 0.0
    if as_json:
        click.echo(json.dumps({
            "output": str(path), "model": llm.get("model", shot_list.model),
            "seconds": round(seconds, 3), "cost_usd": cost,
            "cached": bool(llm.get("cache_hit")), "repaired": bool(llm.get("repaired")),
            "notes": llm.get("notes", []), "usage": shot_list.usage.model_dump(),
            "shot_list": shot_list.model_dump(mode="json"),
        }, indent=2))
        return
    from rich.markup import escape

    from film.cli_commands.render import err, out, shots_table
    from film.fsutil import shell_path

    out.print(shots_table(shot_list))
    for note in llm.get("notes", []):
        err.print(f"note: {escape(note)}")
    price = f"${cost:.4f}" if cost else "free"
    cached = " (from cache)" if llm.get("cache_hit") else ""
    err.print(f"{escape(str(llm.get('model', shot_list.model)))}: "
              f"{llm.get('prompt_tokens', 0):,} in / {llm.get('completion_tokens', 0):,} out "
              f"tokens, {price}{cached}, {seconds:.1f}s → {escape(str(path))}")
    project = path.parent if path.name == "shots.json" else None
    film_dir = Path(path.stem + "-film")
    next_cmd = (f"film run -p {shell_path(project)}" if project and str(project) != "."
                else f"film run --shots {shell_path(path)} -p {shell_path(film_dir)}")
    err.print(f"next: {escape(next_cmd)}")


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of shots.json."""
    from film.schema import shot_list_json_schema

    click.echo(json.dumps(shot_list_json_schema(), indent=2))


COMMANDS = [scenario_command, schema_command]
