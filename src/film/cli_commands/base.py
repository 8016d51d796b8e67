"""How every film command ends: errors as one line and an exit code, signals like Ctrl-C.

Only here does a FilmError become a message. `--debug` (or FILM_DEBUG=1) shows the traceback
instead. SIGTERM (CI time-outs, `docker stop`) and SIGHUP (a closed terminal) stop a run as
Ctrl-C does: the work under way is cancelled (ffmpeg children killed, temporary files
removed), what is finished is kept, and the exit code is 128 + the signal's number.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from typing import Any

import click

#: ctx.meta key holding the JsonSink of a command whose output is JSON: its errors are JSON
#: events too
JSON_META = "film.json"


class FilmErrorsMixin:
    """Reports FilmErrors (and file-system errors) as one clear message and exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        from film.interrupt import install_handlers

        install_handlers()
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            name = signal.Signals(signum).name
            _json_error(ctx, f"interrupted by {name}", 128 + signum)
            click.echo(f"\ninterrupted ({name}): everything finished so far is kept; run the "
                       "same command again to resume.", err=True)
            ctx.exit(128 + signum)
        except click.UsageError as exc:
            if _wants_json(ctx):
                _json_error(ctx, exc.format_message(), exc.exit_code, force=True)
            raise
        except Exception as exc:
            from film.errors import FilmError

            debug = ctx.find_root().meta.get("film.debug") or os.environ.get("FILM_DEBUG")
            if debug or not isinstance(exc, (FilmError, OSError)):
                raise
            if isinstance(exc, OSError):  # a full disk, a folder where a file should be, ...
                where = f": {exc.filename}" if exc.filename else ""
                _json_error(ctx, f"{exc.strerror or exc}{where}", 1)
                click.secho(f"error: {exc.strerror or exc}{where}", fg="red", err=True)
                click.echo("hint: add --debug (film --debug ...) for the details.", err=True)
                ctx.exit(1)
            _json_error(ctx, exc.message.splitlines()[0], exc.exit_code, exc.hint)
            report_error(exc)
            ctx.exit(exc.exit_code)


class FilmGroup(FilmErrorsMixin, click.Group):
    """The `film` group."""


class FilmCommand(FilmErrorsMixin, click.Command):
    """A command run on its own (the `python -m pipelines.X` entry points)."""


def _wants_json(ctx: click.Context) -> bool:
    """Whether the command line asked for --json (for errors met before the command ran)."""
    import warnings

    with warnings.catch_warnings():  # click 8.2+: deprecated, still where the tokens are
        warnings.simplefilter("ignore", DeprecationWarning)
        args = [*getattr(ctx, "protected_args", []), *ctx.args]
    return "--json" in args


def _json_error(ctx: click.Context, message: str, code: int, hint: str | None = None, *,
                force: bool = False) -> None:
    """With --json, an error is an event on stdout too, so a machine reading it knows (unless
    the engine already reported it before its `run_finished`)."""
    sink = ctx.meta.get(JSON_META)
    if not force and (not sink or getattr(sink, "finished", False)):
        return
    record = {"event": "error", "message": message, "exit_code": code, "hint": hint}
    sys.stdout.write(json.dumps(record) + "\n")
    sys.stdout.flush()


def report_error(exc: Any) -> None:
    """A FilmError as `error: ...`, its hint, and for ffmpeg the last lines it printed."""
    from film.errors import MediaError

    if isinstance(exc, MediaError):  # the message, then only the last lines of ffmpeg's
        head = exc.message.split("\n--- ffmpeg stderr")[0]
        tail = exc.stderr_tail.strip().splitlines()[-3:]
        click.secho(f"error: {head}", fg="red", err=True)
        for line in tail:
            click.echo(f"  ffmpeg: {line}", err=True)
        if exc.hint:
            click.echo(f"hint: {exc.hint}", err=True)
        click.echo("(film --debug ... shows the full ffmpeg command and output)", err=True)
        return
    click.secho(f"error: {exc.message}", fg="red", err=True)
    if getattr(exc, "cost_usd", 0):
        click.echo(f"(the failed attempt still cost ${exc.cost_usd:.4f})", err=True)
    if exc.hint:
        click.echo(f"hint: {exc.hint}", err=True)
