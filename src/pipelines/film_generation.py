"""`python -m pipelines.film_generation`: images → video → speech → compose for a shots file.

    python -m pipelines.film_generation --shots_json_path shots.json --output-dir film \\
        [--image-provider fal] [--video-provider fal:kling] [--tts-provider openai]
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from film.cli_commands.base import FilmCommand
from film.cli_commands.common import PathArg, compose_options, provider_options, run_options


@click.command(cls=FilmCommand, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--shots_json_path", "--shots-json-path", "shots", required=True,
              type=PathArg(exists=True, dir_okay=False, path_type=Path),
              help="The shot list (from `film scenario` or written by hand).")
@click.option("--output-dir", "--output_dir", "output_dir", default="film_output",
              show_default=True, type=PathArg(file_okay=False, path_type=Path),
              help="The project folder: images/, clips/, audio/, final.mp4, manifest.json.")
@provider_options
@compose_options
@run_options
def film_generation(shots: Path, output_dir: Path, **kw):  # type: ignore[no-untyped-def]
    """Make final.mp4 from a shots.json: images → video → speech → compose.

    The same engine as `film run --shots SHOTS -p DIR`: finished work is reused, a killed
    run resumes, remote failures fall back to the offline result.
    """
    from film.cli_commands.execute import media_options, run_stages
    from film.stages.table import MEDIA_STAGES

    run_stages(output_dir, shots, MEDIA_STAGES, media_options(kw))


def main(argv: list[str] | None = None) -> None:
    film_generation.main(sys.argv[1:] if argv is None else argv,
                         prog_name="python -m pipelines.film_generation")


if __name__ == "__main__":
    main()
