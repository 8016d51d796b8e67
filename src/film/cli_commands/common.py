"""What the commands share: the settings, an event loop, and option groups built from the
stage table (providers), the compose options, the spend and output options."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from film.cli_commands.base import JSON_META
from film.stages.options import ON_ERROR, TRANSITIONS
from film.stages.table import PROVIDER_STAGES

ASPECTS = ["16:9", "9:16", "1:1"]

Decorator = Callable[[Any], Any]


def settings() -> Any:
    """The process-wide settings (a bad value in the environment or .env is a ConfigError)."""
    from film.config import get_settings

    return get_settings()


def run_async(coro: Any) -> Any:
    """Run a coroutine to completion from a command (a signal cancels it cleanly)."""
    from film.interrupt import run

    return run(coro)


class FiniteFloat(click.FloatRange):
    """A float in a range that is a real number: NaN and infinity are refused."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if number is not None and not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class PathArg(click.Path):
    """A file or folder path; an empty one is refused (it would silently mean "here")."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("an empty path names no file or folder.", param, ctx)
        if isinstance(value, str) and "\x00" in value:
            self.fail("a path cannot contain a NUL byte.", param, ctx)
        return super().convert(value, param, ctx)


def _apply(func: Any, options: list[Decorator]) -> Any:
    for option in reversed(options):
        func = option(func)
    return func


def compose_options(func: Any) -> Any:
    """--transition, --transition-duration, --music, --no-music, --music-volume,
    --burn-subtitles. Defaults are None so that what a project remembers wins."""
    return _apply(func, [
        click.option("--transition", type=click.Choice(TRANSITIONS), default=None,
                     help="How shots join [default: crossfade, or what the project used]."),
        click.option("--transition-duration", type=FiniteFloat(0.0, 3.0), default=None,
                     help="Seconds of each crossfade/fade [default: 0.5]."),
        click.option("--music", type=PathArg(exists=True, dir_okay=False, path_type=Path),
                     help="Background music (looped/trimmed, ducked under speech); the "
                     "project keeps using it."),
        click.option("--no-music", is_flag=True, default=None,
                     help="No background music (forgets the project's)."),
        click.option("--music-volume", type=FiniteFloat(0.0, 2.0), default=None,
                     help="Music level before ducking [default: 0.25]."),
        click.option("--burn-subtitles/--no-burn-subtitles", default=None,
                     help="Draw the subtitles into the picture (subtitles.srt is always "
                     "made) [default: no]."),
    ])


def provider_options(func: Any) -> Any:
    """--image-provider, --video-provider, --tts-provider: one per stage with a choice."""
    return _apply(func, [
        click.option(f"--{st.option}", st.dest, metavar="NAME", default=None,
                     help=f"{st.provider_help}.")
        for st in PROVIDER_STAGES
    ])


def spend_options(func: Any) -> Any:
    """Options of commands that may call paid providers: cap, error policy, concurrency."""
    return _apply(func, [
        click.option("--max-cost", type=FiniteFloat(0.0), default=None, metavar="USD",
                     help="Refuse any paid call that would take the project's spend past USD."),
        click.option("--on-error", type=click.Choice(ON_ERROR), default=None,
                     help="When a remote call fails after retries: use the offline result "
                     "(fallback, default), leave the shot out (skip) or stop (fail)."),
        click.option("--concurrency", type=click.IntRange(1, 64), default=None,
                     help="Parallel calls per remote provider (default 4)."),
    ])


def output_options(func: Any) -> Any:
    """--resolution, --json, --quiet."""
    return _apply(func, [
        click.option("--resolution", metavar="WxH", default=None,
                     help="Frame size, e.g. 640x360; the project remembers it ('auto': the "
                     "aspect ratio's default, 1280x720 for 16:9)."),
        click.option("--json", "as_json", is_flag=True,
                     help="Newline-delimited JSON events on stdout (for CI)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress output."),
    ])


def run_options(func: Any) -> Any:
    """Options of every command that makes media with providers."""
    return spend_options(output_options(func))


def project_option(required: bool = True, default: str | None = None) -> Decorator:
    """-p/--project DIR (any folder name works, including one that begins with '-')."""
    return click.option(
        "-p", "--project", "project_dir", type=PathArg(file_okay=False, path_type=Path),
        required=required and default is None, default=default, show_default=bool(default),
        help="Project folder: shots.json, images/, clips/, audio/, final.mp4, manifest.json.",
    )


def parse_resolution(value: str | None) -> tuple[int, int] | None:
    """"640x360" → (640, 360); "auto" → (0, 0) (the aspect ratio's default); InputError."""
    from film.errors import InputError

    if not value:
        return None
    if value.strip().lower() == "auto":
        return (0, 0)
    try:
        width, height = (int(v) for v in value.lower().split("x"))
    except ValueError:
        raise InputError(f"--resolution must look like 1280x720, not {value!r}") from None
    if not (64 <= width <= 4096 and 64 <= height <= 4096) or width % 2 or height % 2:
        raise InputError("--resolution needs even numbers between 64 and 4096")
    return width, height


def mark_json(as_json: bool) -> None:
    """Tell the error handler this command's output is JSON (its errors become events)."""
    if not as_json:
        return
    from film.events import JsonSink

    ctx = click.get_current_context(silent=True)
    if ctx is not None and JSON_META not in ctx.meta:
        ctx.meta[JSON_META] = JsonSink()


def make_sink(as_json: bool, quiet: bool) -> Any:
    """The event sink a command's flags ask for (JSON lines, nothing, or progress)."""
    from film.events import JsonSink, QuietSink, RichSink

    if as_json:
        sink = JsonSink()
        ctx = click.get_current_context(silent=True)
        if ctx is not None:
            ctx.meta[JSON_META] = sink
        return sink
    if quiet:
        return QuietSink()
    return RichSink()
