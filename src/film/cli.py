"""The `film` command: thin click commands that parse options, call a stage, render results.

Heavy modules (pydantic models, httpx, Pillow, providers) are imported inside commands so
`film --help` stays instant. Only this module turns a FilmError into a message and exit code.
"""

from __future__ import annotations

import asyncio
import os
import sys
from typing import Any

import click

from film import __version__


class FilmErrorsMixin:
    """Reports FilmErrors (and file-system errors) as one clear message and exit code; the
    traceback only with --debug (or FILM_DEBUG=1)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)  # type: ignore[misc]
        except KeyboardInterrupt:
            click.echo("\ninterrupted: everything finished so far is kept; run again to resume.",
                       err=True)
            ctx.exit(130)
        except Exception as exc:
            from film.errors import FilmError

            debug = ctx.find_root().meta.get("film.debug") or os.environ.get("FILM_DEBUG")
            if debug or not isinstance(exc, (FilmError, OSError)):
                raise
            if isinstance(exc, OSError):  # a full disk, a folder where a file should be, ...
                where = f": {exc.filename}" if exc.filename else ""
                click.secho(f"error: {exc.strerror or exc}{where}", fg="red", err=True)
                click.echo("hint: add --debug (film --debug ...) for the details.", err=True)
                ctx.exit(1)
            _report_error(exc)
            ctx.exit(exc.exit_code)


class FilmGroup(FilmErrorsMixin, click.Group):
    """The `film` group."""


class FilmCommand(FilmErrorsMixin, click.Command):
    """A command run on its own (the `python -m pipelines.X` entry points)."""


def _report_error(exc: Any) -> None:
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


def run_async(coro: Any) -> Any:
    return asyncio.run(coro)


def settings() -> Any:
    from film.config import get_settings

    return get_settings()


@click.group(cls=FilmGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="film")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Turn a few sentences into a short film, one stage at a time or end to end.

    \b
    Quick start (no keys needed, makes an MP4 storyboard animatic):
      film run -d "A detective enters his dimly lit office on a rainy night." -p noir
    \b
    Stages (each reads and writes files in a project folder, -p DIR):
      film scenario   description  -> shots.json        (LLM via OpenRouter, Ollama, offline)
      film images     shots.json   -> images/*.png      (fal FLUX, Replicate, offline)
      film video      images       -> clips/*.mp4       (fal MiniMax/Kling, Replicate, offline)
      film speech     shots.json   -> audio/*.wav       (OpenAI TTS, offline eSpeak NG)
      film compose    clips, audio -> final.mp4 + subtitles.srt   (ffmpeg)
    \b
    Keys come from the environment or .env (see .env_template); without them every stage
    uses its offline provider.
    """
    ctx.meta["film.debug"] = debug


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="film")


def register() -> None:
    """Attach the subcommands (kept in their own modules to keep this one short)."""
    from film.cli_commands import media_commands, project_commands, scenario_commands

    for module in (scenario_commands, media_commands, project_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
