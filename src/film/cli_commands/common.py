"""Options shared by several commands, and small helpers for them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

ASPECTS = ["16:9", "9:16", "1:1"]
TRANSITIONS = ["crossfade", "fade", "cut"]
ON_ERROR = ["fallback", "skip", "fail"]

Decorator = Callable[[Any], Any]


def compose_options(func: Any) -> Any:
    """--transition, --transition-duration, --music, --music-volume, --burn-subtitles.

    Defaults are None so that what a project remembers wins over a default."""
    for option in reversed([
        click.option("--transition", type=click.Choice(TRANSITIONS), default=None,
                     help="How shots join [default: crossfade, or what the project used]."),
        click.option("--transition-duration", type=click.FloatRange(0.0, 3.0), default=None,
                     help="Seconds of each crossfade/fade [default: 0.5]."),
        click.option("--music", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                     help="Background music (looped/trimmed, ducked under speech); the "
                     "project keeps using it."),
        click.option("--no-music", is_flag=True, default=None,
                     help="No background music (forgets the project's)."),
        click.option("--music-volume", type=click.FloatRange(0.0, 2.0), default=None,
                     help="Music level before ducking [default: 0.25]."),
        click.option("--burn-subtitles/--no-burn-subtitles", default=None,
                     help="Draw the subtitles into the picture (subtitles.srt is always "
                     "made) [default: no]."),
    ]):
        func = option(func)
    return func


def provider_options(func: Any) -> Any:
    """--image-provider, --video-provider, --tts-provider."""
    for option in reversed([
        click.option("--image-provider", metavar="NAME", default=None,
                     help="offline | fal[:flux-schnell|flux-dev] | replicate[:owner/model]."),
        click.option("--video-provider", metavar="NAME", default=None,
                     help="offline | fal[:minimax|kling] | replicate[:owner/model]."),
        click.option("--tts-provider", metavar="NAME", default=None,
                     help="offline | openai[:tts-1|tts-1-hd|gpt-4o-mini-tts]."),
    ]):
        func = option(func)
    return func


def spend_options(func: Any) -> Any:
    """Options of commands that may call paid providers: cap, error policy, concurrency."""
    for option in reversed([
        click.option("--max-cost", type=click.FloatRange(0.0), default=None, metavar="USD",
                     help="Refuse any paid call that would take the project's spend past USD."),
        click.option("--on-error", type=click.Choice(ON_ERROR), default=None,
                     help="When a remote call fails after retries: use the offline result "
                     "(fallback, default), leave the shot out (skip) or stop (fail)."),
        click.option("--concurrency", type=click.IntRange(1, 64), default=None,
                     help="Parallel calls per remote provider (default 4)."),
    ]):
        func = option(func)
    return func


def output_options(func: Any) -> Any:
    """--resolution, --json, --quiet."""
    for option in reversed([
        click.option("--resolution", metavar="WxH", default=None,
                     help="Frame size, e.g. 640x360; the project remembers it ('auto': the "
                     "aspect ratio's default, 1280x720 for 16:9)."),
        click.option("--json", "as_json", is_flag=True,
                     help="Newline-delimited JSON events on stdout (for CI)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress output."),
    ]):
        func = option(func)
    return func


def run_options(func: Any) -> Any:
    """Options of every command that makes media with providers."""
    return spend_options(output_options(func))


def project_option(required: bool = True, default: str | None = None) -> Decorator:
    return click.option(
        "-p", "--project", "project_dir", type=click.Path(file_okay=False, path_type=Path),
        required=required and default is None, default=default, show_default=bool(default),
        help="Project folder: shots.json, images/, clips/, audio/, final.mp4, manifest.json.",
    )


def parse_resolution(value: str | None) -> tuple[int, int] | None:
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


def make_sink(as_json: bool, quiet: bool) -> Any:
    from film.events import JsonSink, QuietSink, RichSink

    if as_json:
        return JsonSink()
    if quiet:
        return QuietSink()
    return RichSink()
