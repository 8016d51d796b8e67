"""`film scenario`, `film models`, `film schema`."""

from __future__ import annotations

import contextlib
import json
import sys
import time
from pathlib import Path

import click

from film.cli import run_async, settings
from film.cli_commands.common import ASPECTS

STYLE_HELP = "Visual style: noir, cyberpunk, documentary, fantasy, horror, romance, anime, " \
             "vintage, or your own words."


def description_options(func):  # type: ignore[no-untyped-def]
    """-d/--description, --description-file, -n, --model, --style, --mood, --aspect-ratio."""
    for option in reversed([
        click.option("-d", "--description", help="What happens, in plain English ('-' reads "
                     "stdin)."),
        click.option("--description-file", type=click.Path(dir_okay=False, allow_dash=True),
                     help="Read the description from a file ('-' for stdin)."),
        click.option("-n", "--num-shots", type=click.IntRange(1, 30), default=5,
                     show_default=True, help="How many shots (1-30)."),
        click.option("--model", "-m", default=None, help="offline, a preset (see `film models`),"
                     " an OpenRouter id like anthropic/claude-3.5-sonnet, or ollama:<model>."),
        click.option("--style", default=None, help=STYLE_HELP),
        click.option("--mood", default=None, help="Overall mood, e.g. tense, joyful, eerie."),
        click.option("--aspect-ratio", type=click.Choice(ASPECTS), default="16:9",
                     show_default=True),
        click.option("--shot-duration", type=click.FloatRange(0.5, 30), default=5.0,
                     show_default=True, help="Seconds per shot the planner aims for."),
        click.option("--stream", is_flag=True, help="Stream the LLM reply with live progress."),
        click.option("--no-cache", is_flag=True, help="Ignore the LLM reply cache."),
    ]):
        func = option(func)
    return func


def pick_model(model: str | None, quiet: bool = False) -> str:
    """The --model value, else the default; says in one line when that is offline."""
    s = settings()
    if model:
        return model
    chosen = s.default_scenario_model()
    if chosen == "offline" and not quiet:
        click.echo("note: OPENROUTER_API_KEY is not set, so the offline planner writes the shot "
                   "list (set a key or pass --model for an LLM).", err=True)
    return chosen


def build_request(description: str | None, description_file: str | None, num_shots: int,
                  style: str | None, mood: str | None, aspect_ratio: str,
                  shot_duration: float):  # type: ignore[no-untyped-def]
    """The ScenarioRequest from the command's options (reads the description)."""
    from film.providers.base import ScenarioRequest
    from film.stages.scenario import read_description

    return ScenarioRequest(description=read_description(description, description_file),
                           num_shots=num_shots, style=style, mood=mood,
                           aspect_ratio=aspect_ratio, shot_duration=shot_duration)


def make_shot_list(request, model: str, stream: bool, no_cache: bool):  # type: ignore[no-untyped-def]
    """Run the scenario stage and return its result (shared by `scenario` and `run`)."""
    from film.stages.scenario import generate_scenario

    progress = _stream_progress if stream else None
    result = run_async(generate_scenario(request, model, settings(), stream=stream,
                                         use_cache=not no_cache, on_progress=progress))
    if stream and result.usage.completion_tokens:
        sys.stderr.write("\n")  # end the live progress line
    return result


def _stream_progress(elapsed: float, tokens: int) -> None:
    sys.stderr.write(f"\r  streaming… {elapsed:5.1f}s  {tokens} tokens")
    sys.stderr.flush()


@click.command("scenario")
@description_options
@click.option("-o", "--output", type=click.Path(dir_okay=True, path_type=Path), default=None,
              help="Where to write the shot list [default: shots.json, or DIR/shots.json with "
              "-p].")
@click.option("-p", "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write DIR/shots.json (the film stages' input).")
@click.option("--list-models", is_flag=True, help="List the models and prices, then exit.")
@click.option("--estimate-only", is_flag=True, help="Print the expected tokens and cost, "
              "make nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--overwrite", is_flag=True, help="Replace a project's shots.json even if it was "
              "edited by hand.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the path of the shot list.")
def scenario_command(description, description_file, num_shots, model, style, mood, aspect_ratio,
                     shot_duration, stream, no_cache, output, project_dir, list_models,
                     estimate_only, as_json, overwrite, quiet):  # type: ignore[no-untyped-def]
    """Turn a description into a validated shot list (shots.json).

    \b
    Examples:
      film scenario -d "A detective enters his dimly lit office on a rainy night." -n 5
      film scenario --description-file idea.txt --model claude-3.5-sonnet --style noir
      echo "A fox crosses a frozen lake at dawn." | film scenario -d - -o fox.json
    """
    if list_models:
        return _print_models(as_json)
    from film.costs import estimate_scenario_cost, resolve_model
    from film.stages.scenario import write_shot_list

    started = time.monotonic()
    request = build_request(description, description_file, num_shots, style, mood,
                            aspect_ratio, shot_duration)
    model = pick_model(model, quiet=quiet)
    resolved = resolve_model(model, settings().user_dir())
    if estimate_only:
        estimate = {"model": resolved.label, "model_id": resolved.model_id,
                    **estimate_scenario_cost(resolved, request.description, num_shots)}
        return _print_estimate(estimate, as_json)
    target = output or ((project_dir / "shots.json") if project_dir else Path("shots.json"))
    if Path(target).is_dir():
        target = Path(target) / "shots.json"
    from film.project import Project
    from film.stages.scenario import edited_by_hand, record_scenario

    folder = Path(target).parent
    is_project = Path(target).name == "shots.json" and (
        project_dir is not None or (folder / "manifest.json").exists())
    project = Project.at(folder) if is_project else None
    with project.lock() if project else contextlib.nullcontext():
        if project is not None and not overwrite and project.manifest_path.exists() \
                and edited_by_hand(project):
            from film.errors import InputError

            raise InputError(f"{target} was edited by hand since film wrote it",
                             hint="Add --overwrite to replace it, or write elsewhere with -o.")
        result = make_shot_list(request, model, stream, no_cache)
        path = write_shot_list(result, target)
        if project is not None:
            record_scenario(project, result, path)
    if quiet and not as_json:
        click.echo(str(path))
        return
    _print_result(result, path, time.monotonic() - started, as_json)


def _print_models(as_json: bool) -> None:
    from film.costs import PRESETS, PRICES_TAKEN
    from film.render import models_table, out

    if as_json:
        click.echo(json.dumps({"prices_taken": PRICES_TAKEN,
                               "models": [vars(p) for p in PRESETS.values()]}, indent=2))
        return
    out.print(models_table(PRESETS, PRICES_TAKEN))


def _print_estimate(estimate: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(estimate, indent=2))
        return
    if estimate["model"] == "offline":
        click.echo("model offline: the offline planner is free and uses no tokens")
        return
    click.echo(f"model {estimate['model']} ({estimate['model_id']}): about "
               f"{estimate['input_tokens']:,} input + {estimate['output_tokens']:,} output "
               f"tokens ≈ ${estimate['cost_usd']:.4f}")


def _print_result(result, path: Path, seconds: float, as_json: bool) -> None:  # type: ignore[no-untyped-def]
    if as_json:
        click.echo(json.dumps({
            "output": str(path), "model": result.model, "seconds": round(seconds, 3),
            "cost_usd": result.cost_usd, "cached": result.cached, "repaired": result.repaired,
            "notes": result.notes,
            "usage": result.usage.model_dump(), "shot_list": result.shot_list.model_dump(
                mode="json"),
        }, indent=2))
        return
    from film.render import err, out, shots_table

    out.print(shots_table(result.shot_list))
    usage = result.usage
    cost = "free" if not result.cost_usd else f"${result.cost_usd:.4f}"
    cached = " (from cache)" if result.cached else ""
    for note in result.notes:
        err.print(f"note: {note}")
    err.print(f"{result.model}: {usage.prompt_tokens:,} in / {usage.completion_tokens:,} out "
              f"tokens, {cost}{cached}, {seconds:.1f}s → {path}")
    project = path.parent if path.name == "shots.json" else None
    next_cmd = (f"film run -p {project}" if project and str(project) != "."
                else f"film run --shots {path} -p {path.stem}-film")
    err.print(f"next: {next_cmd}")


@click.command("models")
@click.option("--refresh", is_flag=True, help="Update prices from OpenRouter's /models.")
@click.option("--json", "as_json", is_flag=True)
def models_command(refresh: bool, as_json: bool) -> None:
    """List the scenario models with tier, prices and what each is best for."""
    if refresh:
        from film.costs import parse_openrouter_models, save_price_cache
        from film.providers.http import make_client, send_with_retries

        s = settings()

        async def fetch() -> dict:
            async with make_client(30) as client:
                response = await send_with_retries(
                    client, "GET", f"{s.openrouter_base_url.rstrip('/')}/models",
                    provider="openrouter")
                return response.json()

        models = parse_openrouter_models(run_async(fetch()))
        path = save_price_cache(s.user_dir(), models)
        click.echo(f"refreshed {len(models)} model prices into {path}", err=True)
    _print_models(as_json)


@click.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of shots.json."""
    from film.schema import shot_list_json_schema

    click.echo(json.dumps(shot_list_json_schema(), indent=2))


COMMANDS = [scenario_command, models_command, schema_command]
