"""The engine with fake remote providers: caching, incremental rebuilds, resume, budget,
fallback, skip/fail, the lock."""

from __future__ import annotations

import json

import pytest

from film.build.engine import Engine
from film.errors import BudgetExceeded, InputError, ProjectLocked
from film.events import ListSink
from film.project import Project
from film.stages.options import RunOptions

from fake_providers import Script, register_fakes
from shotlists import make_shots

SHOT_STAGES = ("images", "video", "speech")


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    register_fakes(monkeypatch)
    yield Script
    Script.reset()


def options(**kw):
    providers = {"images": kw.pop("image_provider", "fake"),
                 "video": kw.pop("video_provider", "fake"),
                 "speech": kw.pop("tts_provider", "fake")}
    defaults = dict(stages=SHOT_STAGES, resolution=(320, 180))
    return RunOptions(providers=providers, **{**defaults, **kw})


async def run(tmp_path, settings, shots, **kw):
    sink = ListSink()
    engine = Engine(Project.at(tmp_path), shots, options(**kw), settings, sink)
    summary = await engine.run()
    return summary, sink, engine


async def test_first_run_makes_everything_and_rerun_makes_nothing(tmp_path, settings):
    shots = make_shots(3, lines={0: "Hello there.", 2: "Goodbye."})
    summary, _, _ = await run(tmp_path, settings, shots)
    assert summary.stages["images"].made == 3
    assert summary.stages["video"].made == 3
    assert summary.stages["speech"].made == 2
    assert sum(Script.calls.values()) == 8
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["artifacts"]["images/shot_001.png"]["status"] == "done"
    assert manifest["artifacts"]["clips/shot_002.mp4"]["provider"] == "fake:m1"

    Script.calls.clear()
    again, _, _ = await run(tmp_path, settings, shots)
    assert sum(Script.calls.values()) == 0
    assert again.stages["images"].reused == 3 and again.stages["speech"].reused == 2


async def test_editing_one_shot_redoes_only_what_depends_on_it(tmp_path, settings):
    shots = make_shots(3, lines={0: "Hello there.", 1: "Middle line."})
    await run(tmp_path, settings, shots)
    Script.calls.clear()
    shots.shots[1].enhanced_prompt = "a completely different picture"
    await run(tmp_path, settings, shots)
    assert dict(Script.calls) == {"image:shot_002": 1, "video:shot_002": 1}

    Script.calls.clear()
    shots.shots[0].narration = "A new line."
    await run(tmp_path, settings, shots)
    assert dict(Script.calls) == {"speech:shot_001": 1}


async def test_a_changed_provider_parameter_counts_as_a_change(tmp_path, settings, monkeypatch):
    shots = make_shots(2)
    await run(tmp_path, settings, shots)
    Script.calls.clear()
    from fake_providers import FakeImage

    monkeypatch.setattr(FakeImage, "params", lambda self: {"steps": 8})
    await run(tmp_path, settings, shots)
    assert Script.calls["image:shot_001"] == 1 and Script.calls["image:shot_002"] == 1


async def test_job_id_is_saved_before_waiting_and_a_rerun_collects_it(tmp_path, settings):
    shots = make_shots(1)
    seen = []

    def check(job):
        data = json.loads((tmp_path / "manifest.json").read_text())
        seen.append(data["artifacts"]["takes/images/shot_001/1.png"])

    Script.on_submit_check = check
    await run(tmp_path, settings, shots, stages=("images",))
    assert seen[0]["status"] == "submitted" and seen[0]["request_id"].startswith("job-image")

    # Simulate a run killed while waiting: the take is "submitted", no file is there yet.
    project = Project.at(tmp_path)
    manifest = project.load_manifest()
    entry = manifest.artifacts["takes/images/shot_001/1.png"]
    entry.status = "submitted"
    entry.request_id = "job-paid-earlier"
    del manifest.artifacts["images/shot_001.png"]
    project.save_manifest(manifest)
    (tmp_path / "images" / "shot_001.png").unlink()
    (tmp_path / "takes" / "images" / "shot_001" / "1.png").unlink()
    Script.submits.clear()
    _, sink, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert Script.submits == [] and Script.resumed == ["job-paid-earlier"]
    assert sink.of("resumed")[0]["request_id"] == "job-paid-earlier"
    assert (tmp_path / "images" / "shot_001.png").stat().st_size > 0


async def test_budget_cap_stops_cleanly_and_keeps_what_was_made(tmp_path, settings):
    Script.cost = 0.4
    shots = make_shots(4)
    with pytest.raises(BudgetExceeded) as info:
        await run(tmp_path, settings, shots, stages=("images",), max_cost=1.0, concurrency=1)
    assert "budget cap $1 reached" in info.value.message
    manifest = Project.at(tmp_path).load_manifest()
    done = [a for a in manifest.artifacts.values()
            if a.status == "done" and a.path.startswith("images/")]
    assert len(done) == 2 and manifest.total_cost == pytest.approx(0.8)
    assert all((tmp_path / a.path).exists() for a in done)
    # The cap covers the project's total spend, so a rerun cannot spend it again.
    with pytest.raises(BudgetExceeded):
        await run(tmp_path, settings, shots, stages=("images",), max_cost=1.0, concurrency=1)
    summary, _, _ = await run(tmp_path, settings, shots, stages=("images",), max_cost=2.0)
    assert summary.stages["images"].made == 2 and summary.stages["images"].reused == 2


async def test_failed_remote_shot_falls_back_to_offline_and_is_retried_next_time(
        tmp_path, settings):
    Script.fail = {"shot_002"}
    shots = make_shots(3)
    summary, sink, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert summary.stages["images"].fallback == 1
    assert "shot_002" in summary.fallbacks[0]
    entry = Project.at(tmp_path).load_manifest().artifacts["images/shot_002.png"]
    assert entry.fallback and entry.provider == "offline" and "500" in entry.error
    assert sink.of("fallback")[0]["shot_id"] == "shot_002"
    from PIL import Image

    assert Image.open(tmp_path / "images" / "shot_002.png").size == (320, 180)
    Script.fail = set()
    Script.calls.clear()
    await run(tmp_path, settings, shots, stages=("images",))
    assert dict(Script.calls) == {"image:shot_002": 1}


async def test_skip_leaves_the_shot_out_and_fail_stops(tmp_path, settings):
    Script.refuse = {"shot_001"}
    shots = make_shots(2)
    summary, _, _ = await run(tmp_path, settings, shots, on_error="skip")
    assert summary.stages["images"].failed == 1
    assert not (tmp_path / "clips" / "shot_001.mp4").exists()
    assert (tmp_path / "clips" / "shot_002.mp4").exists()
    with pytest.raises(Exception, match="refused"):
        await run(tmp_path / "b", settings, shots, on_error="fail")


async def test_second_concurrent_run_is_refused(tmp_path, settings):
    import fcntl
    import os

    project = Project.at(tmp_path)
    project.ensure()
    import socket

    fd = os.open(project.work_dir / "lock", os.O_RDWR | os.O_CREAT)  # as another process would
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.write(fd, f"pid {os.getppid()} on {socket.gethostname()}".encode())
        assert project.is_locked()
        with pytest.raises(ProjectLocked, match="another film run"):
            await run(tmp_path, settings, make_shots(1))
    finally:
        os.ftruncate(fd, 0)  # what a run does when it ends
        os.close(fd)
    assert not project.is_locked()
    # released afterwards: a new run works
    summary, _, _ = await run(tmp_path, settings, make_shots(1), stages=("images",))
    assert summary.stages["images"].made == 1


async def test_video_stage_alone_needs_images(tmp_path, settings):
    with pytest.raises(InputError, match="no image for shot_001"):
        await run(tmp_path, settings, make_shots(1), stages=("video",))


async def test_force_redoes_one_shot(tmp_path, settings):
    shots = make_shots(2)
    await run(tmp_path, settings, shots)
    Script.calls.clear()
    await run(tmp_path, settings, shots, force=frozenset({("shot_002", "images"),
                                                         ("shot_002", "video")}))
    assert dict(Script.calls) == {"image:shot_002": 1, "video:shot_002": 1}


async def test_chains_run_per_shot_without_a_stage_barrier(tmp_path, settings):
    """Shot 1's clip starts while shot 2's image is still blocked."""
    import asyncio

    shots = make_shots(2)
    gate = asyncio.Event()
    order = []
    from fake_providers import FakeImage

    original = FakeImage.generate

    async def generate(self, request, out, ctx):
        if request.shot.shot_id == "shot_002":
            await gate.wait()
        order.append(f"image:{request.shot.shot_id}")
        return await original(self, request, out, ctx)

    from fake_providers import FakeVideo

    original_video = FakeVideo.animate

    async def animate(self, request, out, ctx):
        order.append(f"video:{request.shot.shot_id}")
        if request.shot.shot_id == "shot_001":
            gate.set()
        return await original_video(self, request, out, ctx)

    FakeImage.generate, FakeVideo.animate = generate, animate
    try:
        await run(tmp_path, settings, shots, stages=("images", "video"))
    finally:
        FakeImage.generate, FakeVideo.animate = original, original_video
    assert order.index("video:shot_001") < order.index("image:shot_002")


async def test_explicit_resolution_is_remembered_by_the_project(tmp_path, settings):
    from film.build.status import project_status

    shots = make_shots(2)
    await run(tmp_path, settings, shots, stages=("images",), resolution=(320, 180))
    Script.calls.clear()
    summary, _, engine = await run(tmp_path, settings, shots, stages=("images", "video"),
                                   resolution=None)
    assert engine.size == (320, 180)
    assert summary.stages["images"].reused == 2 and Script.calls["image:shot_001"] == 0
    rows = project_status(Project.at(tmp_path), shots, settings)["shots"]
    assert [r["images"] for r in rows] == ["done", "done"]
    _, _, engine = await run(tmp_path, settings, shots, stages=("images",), resolution=(0, 0))
    assert engine.size == (1280, 720)


async def test_a_job_that_timed_out_is_collected_next_time_not_paid_again(tmp_path, settings):
    Script.fail_after_submit = {"shot_001"}
    shots = make_shots(1)
    summary, _, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert summary.stages["images"].fallback == 1 and Script.submits == ["job-image:shot_001-0"]
    entry = Project.at(tmp_path).load_manifest().artifacts["takes/images/shot_001/1.png"]
    assert entry.fallback_kind == "transient"
    assert entry.pending_request_id == "job-image:shot_001-0"

    Script.fail_after_submit = set()
    summary, sink, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert sink.of("resumed")[0]["request_id"] == "job-image:shot_001-0"
    assert summary.stages["images"].made == 1
    assert Script.submits == ["job-image:shot_001-0"]  # no second submit
    assert Script.resumed == ["job-image:shot_001-0"]
    entry = Project.at(tmp_path).load_manifest().artifacts["images/shot_001.png"]
    assert entry.provider == "fake:m1" and not entry.fallback


async def test_a_refused_shot_keeps_its_stand_in_until_the_shot_changes(tmp_path, settings):
    Script.refuse = {"shot_001"}
    shots = make_shots(1)
    await run(tmp_path, settings, shots, stages=("images",))
    Script.calls.clear()
    summary, _, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert Script.calls["image:shot_001"] == 0 and summary.stages["images"].reused == 1
    shots.shots[0].enhanced_prompt = "a gentler prompt"
    Script.refuse = set()
    await run(tmp_path, settings, shots, stages=("images",))
    assert Script.calls["image:shot_001"] == 1


async def test_files_placed_by_hand_are_kept(tmp_path, settings):
    from fake_providers import png_bytes

    shots = make_shots(2)
    (tmp_path / "images").mkdir()
    mine = png_bytes(99)
    (tmp_path / "images" / "shot_001.png").write_bytes(mine)
    _, sink, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert Script.calls["image:shot_001"] == 0 and Script.calls["image:shot_002"] == 1
    assert (tmp_path / "images" / "shot_001.png").read_bytes() == mine
    assert any("put there by hand" in e["text"] for e in sink.of("message"))
    # a made file replaced by hand (same inputs) is kept too, and its clip is redone
    await run(tmp_path, settings, shots, stages=("images", "video"))
    Script.calls.clear()
    (tmp_path / "images" / "shot_002.png").write_bytes(png_bytes(77) + b"\0" * 10)
    await run(tmp_path, settings, shots, stages=("images", "video"))
    assert dict(Script.calls) == {"video:shot_002": 1}


async def test_temp_files_of_a_killed_run_are_removed(tmp_path, settings):
    (tmp_path / "clips").mkdir(parents=True)
    stale = tmp_path / "clips" / ".shot_001.tmp-999999-abcdef.mp4"
    stale.write_bytes(b"half")
    await run(tmp_path, settings, make_shots(1), stages=("images",))
    assert not stale.exists()


async def test_each_aspect_ratio_remembers_its_own_size(tmp_path, settings):
    await run(tmp_path, settings, make_shots(1), stages=("images",), resolution=(320, 180))
    _, _, engine = await run(tmp_path, settings, make_shots(1, aspect="9:16"),
                             stages=("images",), resolution=None)
    assert engine.size == (720, 1280)


async def test_voices_stay_put_when_a_character_is_added_earlier(tmp_path, settings):
    shots = make_shots(3, lines={1: "Hello.", 2: "Goodbye."})
    shots.shots[1].dialogue, shots.shots[1].speaker = "Hello.", "Ann"
    await run(tmp_path, settings, shots, stages=("speech",))
    voices = {a.shot_id: a.meta for a in Project.at(tmp_path).load_manifest().artifacts.values()}
    Script.calls.clear()
    shots.shots[0].dialogue, shots.shots[0].speaker = "I come first.", "Bob"
    await run(tmp_path, settings, shots, stages=("speech",))
    assert dict(Script.calls) == {"speech:shot_001": 1}  # the others keep their voices
    after = {a.shot_id: a.meta for a in Project.at(tmp_path).load_manifest().artifacts.values()}
    assert after["shot_002"]["voice"] == voices["shot_002"]["voice"]


async def test_a_damaged_manifest_is_reported_not_discarded(tmp_path, settings):
    await run(tmp_path, settings, make_shots(1), stages=("images",))
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match="damaged"):
        await run(tmp_path, settings, make_shots(1), stages=("images",))
    assert (tmp_path / "manifest.json").read_text() == "{not json"


async def test_only_runs_the_named_shots(tmp_path, settings):
    await run(tmp_path, settings, make_shots(3), stages=("images",),
              only=frozenset({"shot_002"}))
    assert dict(Script.calls) == {"image:shot_002": 1}


async def test_a_pending_job_survives_two_failed_runs(tmp_path, settings):
    Script.fail_after_submit = {"shot_001"}
    shots = make_shots(1)
    await run(tmp_path, settings, shots, stages=("images",))
    await run(tmp_path, settings, shots, stages=("images",))  # resumes it, fails again
    entry = Project.at(tmp_path).load_manifest().artifacts["images/shot_001.png"]
    assert entry.pending_request_id == "job-image:shot_001-0"
    Script.fail_after_submit = set()
    await run(tmp_path, settings, shots, stages=("images",))
    assert Script.submits == ["job-image:shot_001-0"]


async def test_a_job_for_old_inputs_is_not_collected_for_new_ones(tmp_path, settings):
    Script.fail_after_submit = {"shot_001"}
    shots = make_shots(1)
    await run(tmp_path, settings, shots, stages=("images",))
    shots.shots[0].enhanced_prompt = "a new prompt"
    Script.resumed.clear()
    await run(tmp_path, settings, shots, stages=("images",))
    assert Script.resumed == [] and len(Script.submits) == 2


async def test_collecting_a_job_counts_against_the_cap(tmp_path, settings):
    Script.cost = 0.5
    Script.fail_after_submit = {"shot_001"}
    shots = make_shots(1)
    await run(tmp_path, settings, shots, stages=("images",))
    Script.fail_after_submit = set()
    with pytest.raises(BudgetExceeded):
        await run(tmp_path, settings, shots, stages=("images",), max_cost=0.1)
    assert Script.resumed == []


async def test_a_401_stand_in_is_retried_once_the_key_is_fixed(tmp_path, settings):
    Script.unauthorized = {"shot_001"}
    shots = make_shots(1)
    await run(tmp_path, settings, shots, stages=("images",))
    entry = Project.at(tmp_path).load_manifest().artifacts["images/shot_001.png"]
    assert entry.fallback and entry.fallback_kind == "error"
    Script.unauthorized = set()
    Script.calls.clear()
    await run(tmp_path, settings, shots, stages=("images",))
    assert Script.calls["image:shot_001"] == 1


async def test_a_file_placed_by_hand_is_kept_when_the_shot_changes(tmp_path, settings):
    from fake_providers import png_bytes

    shots = make_shots(1)
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "shot_001.png").write_bytes(png_bytes(5))
    await run(tmp_path, settings, shots, stages=("images",))
    shots.shots[0].enhanced_prompt = "something else"
    await run(tmp_path, settings, shots, stages=("images",))
    assert Script.calls["image:shot_001"] == 0
    await run(tmp_path, settings, shots, stages=("images",),
              force=frozenset({("shot_001", "images")}))
    assert Script.calls["image:shot_001"] == 1


async def test_two_runs_of_one_process_on_one_project(tmp_path, settings):
    import asyncio

    Script.delay = {"image": 0.2}
    first = asyncio.ensure_future(run(tmp_path, settings, make_shots(2), stages=("images",)))
    await asyncio.sleep(0.05)
    with pytest.raises(ProjectLocked):
        await run(tmp_path, settings, make_shots(2), stages=("images",))
    await first


async def test_a_failed_run_does_not_change_what_the_project_remembers(tmp_path, settings):
    Script.cost = 1.0
    await run(tmp_path, settings, make_shots(1), stages=("images",), image_provider="offline")
    with pytest.raises(BudgetExceeded):
        await run(tmp_path, settings, make_shots(1), stages=("images",), max_cost=0.5)
    options = Project.at(tmp_path).load_manifest().settings["options"]
    assert options["image_provider"] == "offline"


class Killed(BaseException):
    """Stands in for a kill -9 between recording a file as written and renaming it."""


def kill_at_rename(monkeypatch, suffixes=(".wav", ".png")):
    from film.build import produce

    real, armed = produce.os.replace, [True]

    def replace(src, dst):
        if armed[0] and str(dst).endswith(suffixes):
            armed[0] = False
            raise Killed()
        return real(src, dst)

    monkeypatch.setattr(produce.os, "replace", replace)


async def test_a_kill_before_the_rename_never_keeps_the_old_file_as_new(tmp_path, settings,
                                                                      monkeypatch):
    await run(tmp_path, settings, make_shots(1, lines={0: "Hello."}), stages=("speech",))
    new = make_shots(1, lines={0: "Something else entirely."})
    kill_at_rename(monkeypatch)
    with pytest.raises(Killed):
        await run(tmp_path, settings, new, stages=("speech",))
    Script.calls.clear()
    summary, _, _ = await run(tmp_path, settings, new, stages=("speech",))
    assert summary.stages["speech"].made == 1 and dict(Script.calls) == {"speech:shot_001": 1}


async def test_a_kill_before_the_rename_collects_the_paid_job_and_books_it_once(
        tmp_path, settings, monkeypatch):
    Script.cost = 0.5
    kill_at_rename(monkeypatch)
    with pytest.raises(Killed):
        await run(tmp_path, settings, make_shots(1), stages=("images",))
    Script.submits.clear()
    summary, _, _ = await run(tmp_path, settings, make_shots(1), stages=("images",))
    assert Script.submits == [] and Script.resumed  # collected, not submitted again
    ledger = json.loads((tmp_path / "manifest.json").read_text())["ledger"]
    assert len(ledger) == 1 and summary.total_cost_usd == 0.5


async def test_a_kill_after_the_rename_keeps_the_new_file_as_film_s_own(tmp_path, settings,
                                                                      monkeypatch):
    await run(tmp_path, settings, make_shots(1), stages=("images",))
    shots = make_shots(1)
    shots.shots[0].enhanced_prompt = "another picture"
    calls = []
    original = Engine.save

    def save(self):
        calls.append(self.manifest.artifacts["images/shot_001.png"].status)
        if calls[-1] == "done" and len(calls) > 1 and calls[-2] == "writing":
            raise Killed()  # the file is renamed, the "done" record never saved
        original(self)

    monkeypatch.setattr(Engine, "save", save)
    with pytest.raises(Killed):
        await run(tmp_path, settings, shots, stages=("images",))
    monkeypatch.setattr(Engine, "save", original)
    Script.calls.clear()
    summary, sink, _ = await run(tmp_path, settings, shots, stages=("images",))
    assert Script.calls == {} and summary.stages["images"].reused == 1
    assert not sink.of("message")  # not mistaken for a file placed by hand


async def test_a_stage_after_another_waits_for_every_item_of_it(tmp_path, settings):
    """Audio-first: a clip's cuts depend on its neighbours' lines, so no clip starts before
    every line is voiced, however late one arrives."""
    import asyncio

    from fake_providers import FakeSpeech, FakeVideo

    shots = make_shots(3, lines={0: "Oh.", 1: "A longer line.", 2: "Fine."})
    order = []
    original, original_video = FakeSpeech.synthesize, FakeVideo.animate

    async def synthesize(self, request, out, ctx):
        if request.shot_id == "shot_001":
            await asyncio.sleep(1.0)  # the first line arrives last
        result = await original(self, request, out, ctx)
        order.append(f"speech:{request.shot_id}")
        return result

    async def animate(self, request, out, ctx):
        order.append(f"video:{request.shot.shot_id}")
        return await original_video(self, request, out, ctx)

    FakeSpeech.synthesize, FakeVideo.animate = synthesize, animate
    try:
        await run(tmp_path, settings, shots, after={"video": ("speech",)})
    finally:
        FakeSpeech.synthesize, FakeVideo.animate = original, original_video
    last_line = max(order.index(f"speech:shot_00{i}") for i in (1, 2, 3))
    assert all(order.index(f"video:shot_00{i}") > last_line for i in (1, 2, 3))


async def test_a_rerun_does_not_rewrite_an_unchanged_manifest(tmp_path, settings):
    """A no-op rerun reads the manifest and leaves the file alone; a manifest replaced by
    someone else meanwhile is written again, never assumed current."""
    shots = make_shots(2)
    await run(tmp_path, settings, shots)
    project = Project.at(tmp_path)
    manifest = project.load_manifest()
    project.save_manifest(manifest)
    before = (tmp_path / "manifest.json").stat()
    project.save_manifest(manifest)
    after = (tmp_path / "manifest.json").stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    text = (tmp_path / "manifest.json").read_text()
    (tmp_path / "manifest.json").unlink()
    (tmp_path / "manifest.json").write_text(text.replace('"status"', '"status" ', 1))
    project.save_manifest(manifest)
    assert (tmp_path / "manifest.json").read_text() != text.replace('"status"', '"status" ', 1)
