"""`python -m pipelines.film_generation`: images → video → speech → compose for a shots file.

    python -m pipelines.film_generation --shots_json_path shots.json --output-dir film \\
        [--image-provider fal] [--video-provider fal:kling] [--tts-provider openai]
"""

from __future__ import annotations

import sys


def translate(argv: list[str]) -> list[str]:
    """Map this entry point's options onto `film run` (accepts _ and - spellings)."""
    out: list[str] = []
    for arg in argv:
        name, eq, value = arg.partition("=")
        if name.startswith("--"):
            name = "--" + name[2:].replace("_", "-")
            name = {"--shots-json-path": "--shots", "--output-dir": "--project"}.get(name, name)
        out.append(name + eq + value if eq else name)
    if "--project" not in out and not any(a.startswith("--project=") for a in out) \
            and "-p" not in out:
        out += ["--project", "film_output"]
    return out


def main(argv: list[str] | None = None) -> None:
    from film.cli import cli

    args = translate(sys.argv[1:] if argv is None else argv)
    cli.main(["run", *args], prog_name="python -m pipelines.film_generation")


if __name__ == "__main__":
    main()
