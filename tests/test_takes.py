"""Takes: N candidates per shot, the first chosen, `film choose` another (only what follows is
remade), `film regen` adds a take, nothing paid is overwritten, `film prune` clears the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from film.build.engine import Engine
from film.cli import cli
from film.errors import BudgetExceeded, InputError
from film.events import ListSink
from film.project import Project
from film.stages.options import RunOptions
from film.stages.table import stage

from fake_providers import Script, png_bytes, register_fakes
from shotlists import make_shots


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    register_fakes(monkeypatch)
    yield Script
    Script.reset()


def engine(tmp_path, settings, shots, image_provider="fake", **kw) -> Engine:
    kw.setdefault("stages", ("images", "video"))
    options = RunOptions(providers={"images": image_provider, "video": "fake",
                                    "speech": "fake"}, resolution=(320, 180), **kw)
    return Engine(Project.at(tmp_path), shots, options, settings, ListSink())


async def run(tmp_path, settings, shots, **kw):
    made = engine(tmp_path, settings, shots, **kw)
    await made.run()
    return made


def take_file(root: Path, stage_name: str, shot: str, n: int) -> Path:
    ext = ".png" if stage_name == "images" else ".mp4"
    return root / "takes" / stage_name / shot / f"{n}{ext}"


def takes(root: Path, label: str) -> dict:
    return json.loads((root / "manifest.json").read_text())["takes"][label]


async def test_n_takes_are_made_concurrently_and_the_first_is_chosen(tmp_path, settings):
    shots = make_shots(2)
    await run(tmp_path, settings, shots, takes={"images": 3})
    assert Script.calls["image:shot_001"] == 3 and Script.calls["image:shot_002"] == 3
    contents = {take_file(tmp_path, "images", "shot_001", n).read_bytes() for n in (1, 2, 3)}
    assert len(contents) == 3  # three different seeds, three different stills
    chosen = (tmp_path / "images" / "shot_001.png").read_bytes()
    assert chosen == take_file(tmp_path, "images", "shot_001", 1).read_bytes()
    assert takes(tmp_path, "images/shot_001")["chosen"] == 1
    assert Script.calls["video:shot_001"] == 1  # one clip, of the chosen still

    Script.calls.clear()
    await run(tmp_path, settings, shots, takes={"images": 3})
    assert sum(Script.calls.values()) == 0  # every take is current


async def test_choosing_another_take_remakes_only_what_follows_it(tmp_path, settings):
    shots = make_shots(2)
    await run(tmp_path, settings, shots, takes={"images": 2})
    clip_before = (tmp_path / "clips" / "shot_001.mp4").read_bytes()
    made = engine(tmp_path, settings, shots)
    made.choose(stage("images"), shots.shot("shot_001"), 2)
    Script.calls.clear()
    await run(tmp_path, settings, shots)
    assert dict(Script.calls) == {"video:shot_001": 1}  # no still made, one clip
    assert (tmp_path / "images" / "shot_001.png").read_bytes() == \
        take_file(tmp_path, "images", "shot_001", 2).read_bytes()
    state = takes(tmp_path, "images/shot_001")
    assert (state["chosen"], state["by"]) == (2, "user")
    assert state["takes"]["1"]["discarded"] is True

    # going back costs nothing: the clip of take 1 was kept as a take of its own
    made = engine(tmp_path, settings, shots)
    made.choose(stage("images"), shots.shot("shot_001"), 1)
    Script.calls.clear()
    await run(tmp_path, settings, shots)
    assert sum(Script.calls.values()) == 0
    assert (tmp_path / "clips" / "shot_001.mp4").read_bytes() == clip_before


async def test_choosing_a_take_that_does_not_exist_names_the_takes(tmp_path, settings):
    shots = make_shots(1)
    await run(tmp_path, settings, shots, takes={"images": 2})
    made = engine(tmp_path, settings, shots)
    with pytest.raises(InputError) as info:
        made.choose(stage("images"), shots.shot("shot_001"), 5)
    assert "no take 5" in info.value.message and "1, 2" in info.value.hint


async def test_regen_adds_a_take_and_keeps_the_old_one(tmp_path, settings):
    shots = make_shots(1)
    await run(tmp_path, settings, shots)
    first = (tmp_path / "images" / "shot_001.png").read_bytes()
    Script.calls.clear()
    await run(tmp_path, settings, shots, force=frozenset({("shot_001", "images"),
                                                          ("shot_001", "video")}))
    assert dict(Script.calls) == {"image:shot_001": 1, "video:shot_001": 1}
    state = takes(tmp_path, "images/shot_001")
    assert state["chosen"] == 2 and state["takes"]["2"]["variant"] == 1
    assert take_file(tmp_path, "images", "shot_001", 1).read_bytes() == first  # kept
    assert (tmp_path / "images" / "shot_001.png").read_bytes() != first


async def test_a_changed_shot_gets_a_new_take_and_changing_it_back_costs_nothing(
        tmp_path, settings):
    shots = make_shots(1)
    await run(tmp_path, settings, shots)
    original = shots.shots[0].enhanced_prompt
    shots.shots[0].enhanced_prompt = "a different picture"
    Script.calls.clear()
    await run(tmp_path, settings, shots)
    assert dict(Script.calls) == {"image:shot_001": 1, "video:shot_001": 1}
    state = takes(tmp_path, "images/shot_001")
    assert state["chosen"] == 2 and state["takes"]["1"]["discarded"] is True

    shots.shots[0].enhanced_prompt = original
    Script.calls.clear()
    await run(tmp_path, settings, shots)
    assert sum(Script.calls.values()) == 0  # take 1 and its clip are used again
    assert takes(tmp_path, "images/shot_001")["chosen"] == 1


async def test_a_chosen_old_take_holds_until_the_shot_changes(tmp_path, settings):
    shots = make_shots(1)
    await run(tmp_path, settings, shots)
    shots.shots[0].enhanced_prompt = "a different picture"
    await run(tmp_path, settings, shots)
    made = engine(tmp_path, settings, shots)
    made.choose(stage("images"), shots.shot("shot_001"), 1)  # the one of the old prompt
    Script.calls.clear()
    await run(tmp_path, settings, shots)
    assert Script.calls["image:shot_001"] == 0
    from film.build.status import project_status

    report = project_status(Project.at(tmp_path), shots, settings, made.options)
    assert report["shots"][0]["images"] == "done"

    shots.shots[0].enhanced_prompt = "yet another picture"
    await run(tmp_path, settings, shots)
    assert Script.calls["image:shot_001"] == 1  # the choice lapsed with the change
    assert takes(tmp_path, "images/shot_001")["by"] == "default"


async def test_a_file_put_there_by_hand_is_a_take_that_regen_keeps(tmp_path, settings):
    shots = make_shots(1)
    (tmp_path / "images").mkdir()
    mine = png_bytes(99)
    (tmp_path / "images" / "shot_001.png").write_bytes(mine)
    await run(tmp_path, settings, shots)
    await run(tmp_path, settings, shots)
    state = takes(tmp_path, "images/shot_001")
    assert Script.calls["image:shot_001"] == 0 and list(state["takes"]) == ["1"]
    assert state["takes"]["1"]["variant"] is None and state["by"] == "user"

    await run(tmp_path, settings, shots, force=frozenset({("shot_001", "images")}))
    assert Script.calls["image:shot_001"] == 1
    assert take_file(tmp_path, "images", "shot_001", 1).read_bytes() == mine  # still there
    assert (tmp_path / "images" / "shot_001.png").read_bytes() != mine


async def test_takes_are_capped_by_the_budget(tmp_path, settings):
    Script.cost = 0.4
    shots = make_shots(1)
    with pytest.raises(BudgetExceeded):
        await run(tmp_path, settings, shots, takes={"images": 3}, max_cost=1.0)
    manifest = Project.at(tmp_path).load_manifest()
    assert manifest.total_cost == pytest.approx(0.8)  # two takes paid, the third refused


async def test_a_project_of_film_0_2_keeps_its_regenerated_still(tmp_path, settings):
    """Manifests that counted regens in settings.takes: the still is adopted as the chosen
    take with that variant, not made again."""
    shots = make_shots(1)
    await run(tmp_path, settings, shots)
    await run(tmp_path, settings, shots, force=frozenset({("shot_001", "images")}))
    data = json.loads((tmp_path / "manifest.json").read_text())
    for path in list(data["artifacts"]):
        if path.startswith("takes/"):
            del data["artifacts"][path]
    for entry in data["artifacts"].values():
        entry["meta"].pop("take", None)
    del data["takes"]
    data["settings"]["takes"] = {"shot_001:images": 1, "shot_001:video": 0}
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    import shutil

    shutil.rmtree(tmp_path / "takes")
    Script.calls.clear()
    await run(tmp_path, settings, shots)
    assert sum(Script.calls.values()) == 0
    state = takes(tmp_path, "images/shot_001")
    assert state["takes"]["1"]["variant"] == 1
    assert take_file(tmp_path, "images", "shot_001", 1).is_file()


def test_cli_choose_prune_and_estimate(tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2, duration=0.6).to_json())
    project = tmp_path / "film"
    runner = CliRunner()
    made = runner.invoke(cli, ["run", "--shots", str(shots), "-p", str(project), "--takes", "2",
                               "--resolution", "320x180", "--image-provider", "offline"])
    assert made.exit_code == 0, made.output
    listed = runner.invoke(cli, ["prune", "-p", str(project), "--json"])
    assert json.loads(listed.stdout)["files"] == []  # nothing set aside yet

    chose = runner.invoke(cli, ["choose", "-p", str(project), "--shot", "shot_002", "--take",
                                "2", "--json"])
    assert chose.exit_code == 0, chose.output
    events = [json.loads(line) for line in chose.stdout.splitlines()]
    redone = {(e["stage"], e["shot_id"]) for e in events
              if e["event"] == "artifact_done" and not e["cached"]}
    assert redone == {("video", "shot_002"), ("normalise", "shot_002"), ("compose", None)}

    listed = json.loads(runner.invoke(cli, ["prune", "-p", str(project), "--json"]).stdout)
    assert [f["path"] for f in listed["files"]] == ["takes/images/shot_002/1.png",
                                                     "takes/video/shot_002/1.mp4"]
    assert not listed["deleted"] and (project / "takes/images/shot_002/1.png").is_file()
    pruned = json.loads(runner.invoke(cli, ["prune", "-p", str(project), "--yes",
                                            "--json"]).stdout)
    assert pruned["deleted"] and pruned["freed"] > 0
    assert not (project / "takes/images/shot_002/1.png").exists()
    assert (project / "takes/images/shot_002/2.png").is_file()  # the chosen one stays
    rerun = runner.invoke(cli, ["run", "-p", str(project), "--json"])
    assert not [line for line in rerun.stdout.splitlines()
                if '"artifact_done"' in line and '"cached": false' in line]

    bad = runner.invoke(cli, ["choose", "-p", str(project), "--shot", "shot_002", "--take", "1"])
    assert bad.exit_code != 0 and "no take 1" in bad.output and "Traceback" not in bad.output
    wrong = runner.invoke(cli, ["choose", "-p", str(project), "--shot", "shot_002",
                                "--take", "2", "--stage", "sheets"])
    assert wrong.exit_code == 2 and "does not go with --shot" in wrong.output


def test_prune_lists_the_files_of_a_shot_no_longer_in_the_film(tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2, duration=0.6).to_json())
    project = tmp_path / "film"
    runner = CliRunner()
    assert runner.invoke(cli, ["run", "--shots", str(shots), "-p", str(project),
                               "--resolution", "320x180"]).exit_code == 0
    fewer = make_shots(1, duration=0.6)
    shots.write_text(fewer.to_json())
    assert runner.invoke(cli, ["run", "--shots", str(shots), "-p", str(project),
                               "--overwrite"]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["prune", "-p", str(project), "--json"]).stdout)
    paths = {f["path"] for f in listed["files"]}
    assert {"images/shot_002.png", "clips/shot_002.mp4", "takes/images/shot_002/1.png",
            "takes/video/shot_002/1.mp4"} <= paths
    # shot_001 stays; its first take is set aside (it was "shot 1 of 2", now "1 of 1")
    assert {f["reason"] for f in listed["files"] if "shot_001" in f["path"]} == \
        {"a take set aside"}
    assert "images/shot_001.png" not in paths
    runner.invoke(cli, ["prune", "-p", str(project), "--yes"])
    assert not (project / "images" / "shot_002.png").exists()
    manifest = json.loads((project / "manifest.json").read_text())
    assert not any("shot_002" in path for path in manifest["artifacts"])
    assert "images/shot_002" not in manifest["takes"]


def test_estimate_prices_every_take(tmp_path):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2).to_json())
    one = CliRunner().invoke(cli, ["estimate", str(shots), "--image-provider", "fal", "--json"])
    three = CliRunner().invoke(cli, ["estimate", str(shots), "--image-provider", "fal",
                                     "--takes", "3", "--json"])
    rows = [{r["stage"]: r for r in json.loads(r.stdout)["stages"]} for r in (one, three)]
    assert rows[1]["images"]["items"] == 3 * rows[0]["images"]["items"] == 6
    assert rows[1]["images"]["cost_usd"] == pytest.approx(3 * rows[0]["images"]["cost_usd"])


async def test_clip_takes_of_a_still_no_longer_used_are_set_aside(tmp_path, settings):
    shots = make_shots(1)
    await run(tmp_path, settings, shots, takes={"images": 2, "video": 2})
    made = engine(tmp_path, settings, shots)
    made.choose(stage("images"), shots.shot("shot_001"), 2)
    await run(tmp_path, settings, shots)
    clips = takes(tmp_path, "video/shot_001")
    offered = [n for n, t in clips["takes"].items() if not t["discarded"]]
    assert offered == [str(clips["chosen"])] == ["3"]  # both clips of still 1 set aside


async def test_offline_takes_of_a_still_are_framed_differently(tmp_path, settings):
    shots = make_shots(1)
    shots.shots[0].characters = ["Mara"]
    made = engine(tmp_path, settings, shots, image_provider="offline", takes={"images": 3},
                  stages=("sheets", "plates", "images"))
    await made.run()
    from PIL import Image, ImageChops

    frames = [Image.open(take_file(tmp_path, "images", "shot_001", n)).convert("L")
              for n in (1, 2, 3)]
    for a, b in ((0, 1), (0, 2), (1, 2)):
        diff = ImageChops.difference(frames[a], frames[b])
        # not just the film grain (a few levels): the figure or the view moved
        assert sum(diff.histogram()[20:]) > 0.01 * diff.width * diff.height
