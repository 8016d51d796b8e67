"""The plugin as film sees it: listed by `film providers`, used by name, its stills made."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version

import pytest
from click.testing import CliRunner
from PIL import Image

from film.cli import cli

SHOTS = {"title": "Solid", "description": "two shots", "aspect_ratio": "16:9", "shots": [
    {"shot_id": "a", "shot_number": 1, "shot_type": "wide", "duration": 1,
     "enhanced_prompt": "a harbour at dusk", "characters": ["Mara", "Tom"],
     "time_of_day": "dusk"},
    {"shot_id": "b", "shot_number": 2, "shot_type": "close-up", "duration": 1,
     "enhanced_prompt": "Mara at night", "characters": ["Mara"], "time_of_day": "night"},
]}


@pytest.fixture(autouse=True)
def installed() -> None:
    try:
        version("film-solid")
    except PackageNotFoundError:  # `make test` installs it
        pytest.fail("film-solid is not installed: pip install -e examples/plugins/film-solid")


def test_film_lists_the_plugin():
    result = CliRunner().invoke(cli, ["providers", "--json"])
    rows = json.loads(result.stdout)["providers"]
    solid = next(r for r in rows if r["name"] == "solid")
    assert solid["kind"] == "image" and solid["model"] == "blocks"
    assert solid["source"] == "plugin: film-solid" and solid["key"] is None


@pytest.mark.parametrize("name", ["solid", "solid:bands"])
def test_film_makes_stills_with_the_plugin(tmp_path, name):
    shots = tmp_path / "shots.json"
    shots.write_text(json.dumps(SHOTS))
    project = tmp_path / "film"
    result = CliRunner().invoke(cli, ["images", str(shots), "-p", str(project), "--provider",
                                      name, "--resolution", "320x180", "--json"])
    assert result.exit_code == 0, result.output
    for shot_id in ("a", "b"):
        image = Image.open(project / "images" / f"{shot_id}.png")
        assert image.size == (320, 180)
    night = Image.open(project / "images" / "b.png").getpixel((5, 5))
    assert night == (18, 24, 52)  # the night sky of the plugin's palette
    manifest = json.loads((project / "manifest.json").read_text())
    model = name.partition(":")[2] or "blocks"
    assert manifest["artifacts"]["images/a.png"]["provider"] == f"solid:{model}"
    again = CliRunner().invoke(cli, ["images", "-p", str(project), "--json"])
    assert '"cached": false' not in again.stdout  # remembered, current: nothing redone


def test_a_plugin_is_refused_for_another_kind(tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(json.dumps(SHOTS))
    result = CliRunner().invoke(cli, ["run", "--shots", str(shots), "-p", str(tmp_path / "f"),
                                      "--video-provider", "solid"])
    assert result.exit_code == 3
    assert "makes image, not video" in result.output and "--image-provider solid" in result.output
