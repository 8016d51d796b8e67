"""The `film` command: thin click commands that parse options, call a stage, render results.

Heavy modules (pydantic models, httpx, Pillow, providers) are imported inside commands so
`film --help` stays instant. Errors and signals are handled in film.cli_commands.base; the
commands live in film.cli_commands and never import this module.
"""

from __future__ import annotations

import sys

import click

from film import __version__
from film.cli_commands.base import FilmGroup


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
      film story      log line     -> story/ + shots.json (bible, scenes, script; agents)
      film scenario   description  -> shots.json        (LLM via OpenRouter, Ollama, offline)
      film sheets     shots.json   -> references/characters/*.png  (a sheet per character)
      film plates     shots.json   -> references/locations/*.png   (a plate per location)
      film images     shots.json   -> images/*.png      (fal, Replicate, ComfyUI, composite,
                                                         offline; makes the references too)
      film video      images       -> clips/*.mp4       (fal, Replicate, ComfyUI, offline)
      film speech     shots.json   -> audio/*.wav       (OpenAI TTS, a local server, eSpeak NG)
      film compose    clips, audio -> final.mp4 + subtitles.srt   (ffmpeg)
      film review     everything   -> review.html + contact.png (takes side by side)
    \b
    Many films: film batch JOBS (one per row of a JSON Lines or CSV file; --cluster runs
    them on Dask workers); film cache info|prune (the media films share).
    \b
    Keys come from the environment or .env (see .env_template); without them every stage
    uses its offline provider. `film models` lists the models and their prices.
    """
    ctx.meta["film.debug"] = debug


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="film")


def register() -> None:
    """Attach the subcommands (kept in their own modules to keep this one short)."""
    from film.cli_commands import (
        batch_commands,
        cache_commands,
        media_commands,
        models_commands,
        project_commands,
        providers_commands,
        review_commands,
        scenario_commands,
        story_commands,
        takes_commands,
        workflow_commands,
    )

    for module in (story_commands, scenario_commands, models_commands, providers_commands,
                   media_commands, project_commands, takes_commands, review_commands,
                   workflow_commands, batch_commands, cache_commands):
        for command in module.COMMANDS:
            cli.add_command(command)


register()

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
