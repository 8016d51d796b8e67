"""examples/: the scenario templates parse as real commands, the Makefile drives the stages as
file targets (checked with a fake `film` that only logs), the CI workflow renders and uploads."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

from film.cli import cli

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCENARIOS = EXAMPLES / "example_scenarios.txt"
WORKFLOW = EXAMPLES / "ci" / "render-film.yml"
TITLES = [
    "FILM NOIR DETECTIVE", "CYBERPUNK STREET MARKET", "VICTORIAN TEA PARTY", "MOUNTAIN SUMMIT",
    "HORROR: ABANDONED HOSPITAL", "COOKING SHOW MONTAGE", "ROMANTIC BEACH SUNSET",
    "ACTION CAR CHASE", "PRODUCT LAUNCH EVENT", "FANTASY TEMPLE DISCOVERY",
]
HEADING = re.compile(r"^ ?(\d{1,2})\. ([A-Z][A-Z :]+)$", re.M)
QUOTED = re.compile(r'"([^"]+)"')
# Options whose click.Path(exists=True) needs a file to be there while parsing.
EXISTING_FILE_OPTIONS = ("--shots", "--music")


def film_commands(text: str) -> list[list[str]]:
    """Every `film ...` command in a text, joined over `\\` continuations and open quotes."""
    lines, commands, i = text.splitlines(), [], 0
    while i < len(lines):
        buf = lines[i].strip()
        if not buf.startswith("film "):
            i += 1
            continue
        while True:
            if buf.endswith("\\"):
                i += 1
                buf = buf[:-1] + " " + lines[i].strip()
                continue
            try:
                args = shlex.split(buf)
            except ValueError:  # a quote left open: the next line belongs to it
                i += 1
                buf += "\n" + lines[i]
                continue
            break
        commands.append(args)
        i += 1
    return commands


def sections() -> dict[str, str]:
    text = SCENARIOS.read_text(encoding="utf-8")
    text = text[: text.index("TIPS FOR WRITING DESCRIPTIONS")]
    found = list(HEADING.finditer(text))
    return {m.group(2): text[m.end(): found[k + 1].start() if k + 1 < len(found) else None]
            for k, m in enumerate(found)}


def description_of(section: str) -> list[str]:
    block = section.split("Description:\n", 1)[1].split("\n\n", 1)[0]
    return [line.strip() for line in block.splitlines()]


def option(args: list[str], *names: str) -> str | None:
    for k, arg in enumerate(args):
        if arg in names:
            return args[k + 1]
    return None


def prepare(args: list[str]) -> None:
    """Create the placeholder files a command names with --shots/--music (in the cwd)."""
    for name in EXISTING_FILE_OPTIONS:
        if (path := option(args, name)) is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text("{}")


def parse(args: list[str]) -> click.Context:
    """Parse a `film ...` argv with the real click command (nothing runs)."""
    assert args[0] == "film"
    prepare(args)
    name = args[1]
    assert name in cli.commands, f"unknown command film {name}"
    return cli.commands[name].make_context(name, args[2:])


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch) -> None:
    """Run in a temp folder: placeholder files and any stray output land there."""
    monkeypatch.chdir(tmp_path)


# --- example_scenarios.txt --------------------------------------------------------------------

def test_the_ten_templates_are_there_in_order() -> None:
    text = SCENARIOS.read_text(encoding="utf-8")
    headings = [(int(m.group(1)), m.group(2)) for m in HEADING.finditer(text)]
    assert headings == list(enumerate(TITLES, start=1))
    assert "TIPS FOR WRITING DESCRIPTIONS" in text
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize("title", TITLES)
def test_template_has_description_options_and_a_matching_command(title: str) -> None:
    section = sections()[title]
    sentences = description_of(section)
    assert 3 <= len(sentences) <= 6, sentences
    assert all(s.endswith((".", '."', '!"', '?"')) for s in sentences)
    assert "'" not in " ".join(sentences)  # it sits inside single quotes in the shell
    suggested = section.split("Suggested:", 1)[1].split("\n\n", 1)[0]
    for word in ("shots", "style", "mood", "model"):
        assert word in suggested
    assert re.search(r"16:9|9:16|1:1", suggested)
    runs = [c for c in film_commands(section) if c[1] == "run" and option(c, "-d")]
    assert len(runs) == 1
    ctx = parse(runs[0])
    assert ctx.params["description"].split() == " ".join(sentences).split()
    assert str(ctx.params["project_dir"]) in section.split("Run it", 1)[1]
    assert str(ctx.params["num_shots"]) + " shots" in suggested
    assert ctx.params["aspect_ratio"] in suggested
    assert ctx.params["style"] and ctx.params["mood"]


def test_most_templates_have_dialogue_with_a_named_speaker() -> None:
    spoken = 0
    for section in sections().values():
        text = " ".join(description_of(section))
        if re.search(r'\b([A-Z][a-z]+) (says|whispers|shouts) "[^"]+"', text):
            spoken += 1
    assert spoken >= 8


def test_every_command_in_the_file_parses(tmp_path) -> None:
    """Each `film ...` line is a real command with real options; parsing creates no folder."""
    commands = film_commands(SCENARIOS.read_text(encoding="utf-8"))
    assert len(commands) >= 15
    for args in commands:
        prepare(args)
        before = sorted(p for p in tmp_path.rglob("*"))
        try:
            parse(args)
        except click.ClickException as exc:
            pytest.fail(f"{shlex.join(args)[:120]}...: {exc.format_message()}")
        assert sorted(p for p in tmp_path.rglob("*")) == before
    used = {args[1] for args in commands}
    assert {"run", "scenario", "estimate", "regen"} <= used


def test_offline_planner_keeps_every_quoted_line(tmp_path) -> None:
    """Each template, planned offline, gives -n shots and every quoted line as dialogue."""
    pytest.importorskip("film.scenario.planner")
    from film.scenario.contract import ScenarioRequest
    from film.scenario.planner import plan_shot_list

    for title, section in sections().items():
        args = next(c for c in film_commands(section) if c[1] == "run" and option(c, "-d"))
        params = parse(args).params
        shot_list = plan_shot_list(ScenarioRequest(
            description=params["description"], num_shots=params["num_shots"],
            style=params["style"], mood=params["mood"], aspect_ratio=params["aspect_ratio"],
            shot_duration=params["shot_duration"]))
        assert len(shot_list.shots) == params["num_shots"], title
        dialogue = " ".join(s.dialogue or "" for s in shot_list.shots)
        for line in QUOTED.findall(params["description"]):
            assert line in dialogue, (title, line)


# --- Makefile ---------------------------------------------------------------------------------

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="no make")

FAKE_FILM = """\
import sys
from pathlib import Path

args = sys.argv[1:]
with open(sys.argv[0] + ".log", "a") as log:
    log.write(" ".join(args) + "\\n")
project = Path(args[args.index("-p") + 1])
if args[0] == "scenario":
    (project / "shots.json").write_text("{}")
elif args[0] == "compose":
    (project / "final.mp4").write_bytes(b"mp4")
"""


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-C", str(EXAMPLES), "--no-print-directory", *args],
                          capture_output=True, text=True, timeout=60)


@needs_make
def test_make_dry_run_prints_the_film_commands(tmp_path) -> None:
    out = tmp_path / "film"
    proc = make("-n", f"FILM_DIR={out}")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("film ")]
    assert [line.split()[1] for line in lines] == [
        "scenario", "images", "video", "speech", "compose"]
    assert lines[0].startswith(f"film scenario --description-file description.txt -p {out}")
    assert "--model offline" in lines[0]
    assert f"film images -p {out} --provider offline" in lines
    assert f"film compose -p {out}" in lines
    assert not out.exists()  # a dry run makes nothing
    for line in lines:
        parse(shlex.split(line))


@needs_make
def test_make_dry_run_passes_paid_options(tmp_path) -> None:
    proc = make("-n", f"FILM_DIR={tmp_path}/f", "MODEL=claude-3-haiku", "MAX_COST=2",
                "IMAGE_PROVIDER=fal:flux-schnell", "VIDEO_PROVIDER=fal:kling",
                "TTS_PROVIDER=openai:tts-1", "RESOLUTION=640x360", "STYLE=my own words")
    assert proc.returncode == 0, proc.stderr
    lines = {line.split()[1]: line for line in proc.stdout.splitlines()
             if line.startswith("film ")}
    assert "--model claude-3-haiku" in lines["scenario"]
    assert "--style 'my own words'" in lines["scenario"]
    assert "--provider fal:flux-schnell --resolution 640x360 --max-cost 2" in lines["images"]
    assert "--provider fal:kling" in lines["video"] and "--max-cost 2" in lines["video"]
    assert "--provider openai:tts-1 --max-cost 2" in lines["speech"]
    assert "--max-cost" not in lines["compose"]
    for line in lines.values():
        params = parse(shlex.split(line)).params
        assert params.get("max_cost") in (None, 2.0)


def _age(folder: Path, seconds: float) -> None:
    """Move every file's mtime back, keeping their order (so a later touch is clearly newer)."""
    for path in folder.rglob("*"):
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


@needs_make
def test_make_runs_only_what_changed(tmp_path) -> None:
    fake = tmp_path / "fake_film.py"
    fake.write_text(FAKE_FILM)
    log = Path(str(fake) + ".log")
    description = tmp_path / "idea.txt"
    description.write_text(EXAMPLES.joinpath("description.txt").read_text())
    out = tmp_path / "out"
    base = [f"FILM={sys.executable} {fake}", f"FILM_DIR={out}", f"DESCRIPTION={description}"]

    def run(*extra: str) -> list[str]:
        log.write_text("")
        proc = make(*base, *extra)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        _age(tmp_path, 100)
        return [line.split()[0] for line in log.read_text().splitlines()]

    _age(tmp_path, 100)
    assert run() == ["scenario", "images", "video", "speech", "compose"]
    assert (out / "final.mp4").read_bytes() == b"mp4"
    assert run() == []                                          # nothing changed
    assert run("IMAGE_PROVIDER=fal") == ["images", "video", "compose"]
    assert run("IMAGE_PROVIDER=fal") == []
    assert run("IMAGE_PROVIDER=fal", "MAX_COST=1") == []        # a cap changes no picture
    assert run("IMAGE_PROVIDER=fal", "TTS_PROVIDER=openai") == ["speech", "compose"]
    assert run("IMAGE_PROVIDER=fal", "TTS_PROVIDER=openai", "SHOTS=8") == [
        "scenario", "images", "video", "speech", "compose"]
    os.utime(description, (time.time(), time.time()))          # the description was edited
    assert run("IMAGE_PROVIDER=fal", "TTS_PROVIDER=openai", "SHOTS=8") == [
        "scenario", "images", "video", "speech", "compose"]
    assert run("speech", "IMAGE_PROVIDER=fal", "TTS_PROVIDER=openai", "SHOTS=8") == []
    assert make(*base, "clean").returncode == 0
    assert (out / "shots.json").exists() and not (out / "final.mp4").exists()
    assert run() != [] and (out / "final.mp4").exists()
    assert make(*base, "distclean").returncode == 0
    assert not out.exists()


@needs_make
def test_make_stops_when_compose_leaves_no_film(tmp_path) -> None:
    fake = tmp_path / "fake_film.py"
    fake.write_text(FAKE_FILM.replace('b"mp4"', 'b""'))
    proc = make(f"FILM={sys.executable} {fake}", f"FILM_DIR={tmp_path / 'out'}")
    assert proc.returncode != 0
    assert "compose" in Path(str(fake) + ".log").read_text()


# --- the CI workflow --------------------------------------------------------------------------

def test_workflow_renders_offline_and_uploads_the_film() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\t" not in text
    assert re.search(r"^on:", text, re.M) and "workflow_dispatch" in text and "push" in text
    assert "actions/checkout@v4" in text and "actions/setup-python@v5" in text
    assert re.search(r"python-version: ['\"]?3\.11", text)
    assert "pip install ." in text
    assert ("film run --description-file examples/description.txt -n 6 -p out --model offline"
            " --json > events.ndjson") in text
    assert "actions/upload-artifact@v4" in text
    for path in ("out/final.mp4", "out/subtitles.srt", "out/manifest.json", "out/review.html",
                 "out/contact.png", "events.ndjson"):
        assert path in text
    assert "test -s out/final.mp4" in text
    body, _, paid = text.partition("#  render-paid:")
    paid = "\n".join(line[1:] for line in paid.splitlines())
    for secret in ("OPENROUTER_API_KEY", "FAL_KEY", "OPENAI_API_KEY"):
        assert f"secrets.{secret}" in paid
    assert "--max-cost 2" in paid
    body = "\n".join(line for line in body.splitlines() if not line.lstrip().startswith("#"))
    commands = film_commands(body) + film_commands(paid)
    assert [args[1] for args in commands] == ["run", "review", "estimate", "run"]
    contexts = [parse([a for a in args if a not in (">", "events.ndjson", "paid-events.ndjson")])
                for args in commands]
    assert contexts[0].params["model"] == "offline" and contexts[0].params["as_json"]
    assert contexts[1].params["embed"] and str(contexts[1].params["project_dir"]) == "out"
    paid_run = contexts[3].params
    assert paid_run["max_cost"] == 2.0 and paid_run["video_provider"].startswith("fal")


STORIES = EXAMPLES / "stories"


@pytest.mark.parametrize("scope,scenes", [("scene", 1), ("multi", 3), ("full", 6)])
def test_the_three_log_lines_make_stories_of_their_scope(tmp_path, scope, scenes) -> None:
    from click.testing import CliRunner

    commands = [c for c in film_commands((STORIES / "log_lines.md").read_text())
                if c[1] == "story" and len(c) > 3 and not c[2].startswith("-")]
    command = next(c for c in commands
                   if f"--scope={scope}" in "=".join(c) or ("--scope" not in c and scope ==
                                                             "multi"))
    args = [a if a != command[command.index("-p") + 1] else str(tmp_path / "p")
            for a in command[1:] if a not in ("--stop-after", "bible")]
    result = CliRunner().invoke(cli, [*args, "--stop-after", "outline", "-q"])
    assert result.exit_code == 0, result.output
    import json

    outline = json.loads((tmp_path / "p" / "story" / "outline.json").read_text())
    assert len(outline["scenes"]) == scenes


def test_the_hand_written_cast_is_kept(tmp_path) -> None:
    import json

    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["story", "A keeper must relight the lamp.", "-p",
                                      str(tmp_path / "p"), "--bible",
                                      str(STORIES / "cast.json"), "--stop-after", "bible", "-q"])
    assert result.exit_code == 0, result.output
    bible = json.loads((tmp_path / "p" / "story" / "bible.json").read_text())
    cast = json.loads((STORIES / "cast.json").read_text())["characters"]
    assert [c["name"] for c in bible["characters"][:2]] == [c["name"] for c in cast]
    assert bible["characters"][0]["visual"] == cast[0]["visual"]


def test_the_two_character_example_makes_one_sheet_each_and_every_still(tmp_path) -> None:
    from click.testing import CliRunner

    from film.cli import cli

    shots = Path(__file__).resolve().parents[1] / "examples" / "stories" / "two_characters.json"
    project = tmp_path / "pier"
    result = CliRunner().invoke(cli, ["images", str(shots), "-p", str(project), "--provider",
                                      "composite", "--resolution", "320x180"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (project / "references" / "characters").iterdir()) == \
        ["mara.png", "tom.png"]
    assert sorted(p.name for p in (project / "references" / "locations").iterdir()) == \
        ["market.png", "pier.png"]
    assert len(list((project / "images").glob("*.png"))) == 5
