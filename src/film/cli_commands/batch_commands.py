"""`film batch`: many films from a jobs file, here or on a Dask cluster."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import click

from film.cli_commands.common import (
    FiniteFloat,
    PathArg,
    mark_json,
    parse_resolution,
    provider_options,
    settings,
)
from film.stages.options import ON_ERROR

_ADDRESS = re.compile(r"(tcp|tls)://\S+")


@click.command("batch")
@click.argument("jobs_file", metavar="JOBS", type=PathArg(dir_okay=False, allow_dash=True))
@click.option("-o", "--out", "out", type=PathArg(file_okay=False, path_type=Path),
              default=Path("films"), show_default=True,
              help="Folder of the films: one project folder per row (OUT/<name>).")
@click.option("-j", "--jobs", "jobs", type=click.IntRange(1, 256), default=4,
              show_default=True, help="Films made at once in this process (on a cluster: one "
              "per worker thread).")
@click.option("--cluster", default=None, metavar="ADDRESS",
              help="Run each film as a task on a Dask cluster: tcp://HOST:8786 (a running "
              "scheduler), or local (start one here). Needs film[cluster].")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Worker processes of --cluster local [default: the CPU count].")
@click.option("--max-cost", type=FiniteFloat(0.0), default=None, metavar="USD",
              help="Refuse any paid call that would take the spend of the whole batch (its "
              "films' earlier runs included) past USD.")
@click.option("--on-error", type=click.Choice(ON_ERROR), default=None,
              help="When a remote call fails after retries: use the offline result "
              "(fallback, default), leave the shot out (skip) or stop the film (fail).")
@click.option("--concurrency", type=click.IntRange(1, 64), default=None,
              help="Parallel calls per remote provider, for all the films at once (default 4).")
@click.option("--resolution", metavar="WxH", default=None,
              help="Frame size of every film (a row's own `resolution` wins).")
@click.option("--model", "-m", default=None,
              help="Scenario / story model of every film (a row's own `model` wins).")
@provider_options
@click.option("--no-shared-cache", is_flag=True,
              help="Neither reuse nor keep artifacts in the shared media cache.")
@click.option("--skip-invalid", is_flag=True,
              help="Make the films of the good rows even when some rows are bad.")
@click.option("--json", "as_json", is_flag=True,
              help="Newline-delimited JSON events on stdout (for CI).")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.pass_context
def batch_command(ctx, jobs_file, out, jobs, cluster, workers, max_cost, on_error,
                  concurrency, resolution, model, no_shared_cache, skip_invalid, as_json,
                  quiet, **providers):  # type: ignore[no-untyped-def]
    """Make one film per row of JOBS (JSON Lines or CSV; '-' reads stdin).

    \b
    A row gives one of: description, log_line (a story), shots (a shots.json file); and
    any of: name (its folder under OUT), style, mood, aspect_ratio, num_shots,
    shot_duration, scope, scenes, characters, shots_per_scene, language, model,
    image_provider, video_provider, tts_provider, reference_provider, resolution.
    \b
    Examples:
      film batch examples/batch/jobs.jsonl --out films --max-cost 5
      film batch products.csv --out catalogue --jobs 8 --image-provider fal --json
      film batch jobs.jsonl --out /shared/films --cluster tcp://scheduler:8786
    Every row is checked before anything is made or paid. A film that fails never stops
    the others; running the same command again skips the finished films and resumes the
    others. Exit code 0 when every film is made.
    """
    mark_json(as_json)
    from film.batch.jobs import read_jobs
    from film.batch.run import check, run_batch, specs_of
    from film.batch.spec import BatchOptions

    address = _address(cluster)
    s = settings()
    choices = {**providers, "model": model}
    options = BatchOptions(
        out=out, jobs=jobs, max_cost=max_cost if max_cost is not None else s.film_max_cost,
        on_error=on_error, concurrency=concurrency, resolution=parse_resolution(resolution),
        providers={k: v for k, v in choices.items() if v}, shared_cache=not no_shared_cache)
    rows, bad = read_jobs(jobs_file)
    specs, refused = check(specs_of(rows, options), s, keys=address is None)
    bad = sorted([*bad, *refused], key=lambda b: b.line)
    if bad and (not skip_invalid or not specs):
        _refuse(bad, jobs_file, as_json, skip_invalid)
    sink = _sink(as_json, quiet, len(specs) + len(bad))
    try:
        report = run_batch(specs, s, options, sink, cluster=address, invalid=bad,
                           workers=workers or os.cpu_count() or 2,
                           debug=bool(ctx.find_root().meta.get("film.debug")))
    finally:
        sink.close()
    _report(report, as_json)
    ctx.exit(report.exit_code)


def _address(cluster: str | None) -> str | None:
    if cluster is None:
        return None
    cluster = cluster.strip()
    if cluster == "local" or _ADDRESS.fullmatch(cluster):
        return cluster
    raise click.BadParameter("give a scheduler's address, tcp://HOST:8786, or local",
                             param_hint="--cluster")


def _refuse(bad: list[Any], jobs_file: str, as_json: bool, skipping: bool) -> None:
    """Stop before anything is made: every bad row by its line number (rows with the same
    problem on one line)."""
    from film.errors import InputError

    if as_json:
        for row in bad:
            click.echo(json.dumps({"event": "invalid_row", "line": row.line,
                                   "error": row.error}))
    by_error: dict[str, list[int]] = {}
    for row in bad:
        by_error.setdefault(row.error, []).append(row.line)
    where = "standard input" if jobs_file == "-" else jobs_file
    lines = [f"  line{'s' if len(n) > 1 else ''} {_spans(n)}: {error}"
             for error, n in by_error.items()]
    what = "no row can run" if skipping else "nothing was made"
    raise InputError(f"{len(bad)} bad row{'s' if len(bad) > 1 else ''} in {where}; {what}\n"
                     + "\n".join(lines),
                     hint="Fix them and run again"
                     + ("." if skipping else ", or add --skip-invalid to make the other films."))


def _spans(numbers: list[int]) -> str:
    """[1, 2, 3, 7] → "1-3, 7"."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if b > a else str(a) for a, b in spans)


def _sink(as_json: bool, quiet: bool, total: int) -> Any:
    from film.cli_commands.common import make_sink

    if as_json or quiet:
        return make_sink(as_json, quiet)
    from film.batch.progress import BatchProgress

    return BatchProgress(total)


def _report(report: Any, as_json: bool) -> None:
    """The end table on stdout (or the `batch_finished` event), a summary line on stderr."""
    data = report.as_dict()
    if as_json:
        click.echo(json.dumps({"event": "batch_finished", **data}, default=str))
        return
    from film.cli_commands.render import batch_table, err, out

    out.print(batch_table(data["outcomes"]))
    counts = ", ".join(f"{n} {status}" for status, n in data["counts"].items())
    err.print(f"{data['films']} films: {counts}; spent ${data['cost_usd']:.4f} in "
              f"{data['seconds']:.1f}s", markup=False, highlight=False)


COMMANDS = [batch_command]
