"""`film jobs -p DIR`: the remote jobs a stopped run left, with their age and their state as
each vendor (fake fal, Replicate and ComfyUI servers on 127.0.0.1) reports it."""

from __future__ import annotations

import json
import time
from pathlib import Path

from click.testing import CliRunner

from film.cli import cli
from film.project import Artifact, Manifest, Project

from fakes.remote import FakeServer, json_reply

STILL = Path(__file__).resolve().parents[1] / "examples" / "comfyui" / "still_sd15.json"
FAL_KEY = "fal-jobs-key:very-secret"
TOKEN = "r8_JobsTestToken0123456789"


def stopped_run(root: Path) -> Path:
    """A project whose manifest holds what a killed run leaves: submitted jobs, an offline
    stand-in that keeps the id of the paid job it replaces, and finished work."""
    now = time.time()
    entries = [
        Artifact(stage="video", path="clips/shot_001.mp4", shot_id="shot_001",
                 status="submitted", input_hash="h1", provider="fal:hailuo-02-standard",
                 request_id="q7", updated_at=now - 3700),
        Artifact(stage="images", path="images/shot_002.png", shot_id="shot_002",
                 status="submitted", input_hash="h2",
                 provider="replicate:black-forest-labs/flux-schnell", request_id="p9",
                 updated_at=now - 90),
        Artifact(stage="video", path="clips/shot_003.mp4", shot_id="shot_003",
                 input_hash="h3", provider="offline", fallback=True,
                 fallback_for="fal:hailuo-02-standard", pending_request_id="q8",
                 updated_at=now - 2 * 86400),
        Artifact(stage="images", path="images/shot_003.png", shot_id="shot_003",
                 status="submitted", input_hash="h4", provider=f"comfyui:{STILL}",
                 request_id="prompt-x", updated_at=now - 30),
        Artifact(stage="images", path="images/shot_001.png", shot_id="shot_001",
                 input_hash="h5", provider="fal:flux-schnell", request_id="done-1"),
    ]
    project = Project.at(root)
    project.ensure()
    project.save_manifest(Manifest(artifacts={e.path: e for e in entries}))
    return root


def vendors(server: FakeServer) -> None:
    base = "/fal-ai/minimax/requests"
    server.route("GET", f"{base}/q7/status", lambda _s: json_reply({"status": "IN_PROGRESS",
                                                                    "logs": []}))
    server.route("GET", f"{base}/q8/status", lambda _s: json_reply(
        {"detail": "Request not found"}, 404))
    server.route("GET", "/v1/predictions/p9", lambda _s: json_reply(
        {"id": "p9", "status": "processing"}))
    server.route("GET", "/history/prompt-x", lambda _s: json_reply({}))
    server.route("GET", "/queue", lambda _s: json_reply(
        {"queue_running": [[1, "other", {}, {}, []]],
         "queue_pending": [[2, "prompt-x", {}, {}, []]]}))


def test_jobs_lists_each_pending_job_with_its_state_at_the_vendor(tmp_path, monkeypatch):
    project = stopped_run(tmp_path / "p")
    with FakeServer() as server:
        vendors(server)
        for name, value in (("FAL_KEY", FAL_KEY), ("FAL_QUEUE_URL", server.url),
                            ("REPLICATE_API_TOKEN", TOKEN), ("REPLICATE_BASE_URL", server.url),
                            ("COMFYUI_BASE_URL", server.url)):
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(cli, ["jobs", "-p", str(project), "--json"])
        table = CliRunner().invoke(cli, ["jobs", "-p", str(project)])
    assert result.exit_code == 0, result.output
    jobs = {job["path"]: job for job in json.loads(result.stdout)["jobs"]}
    assert set(jobs) == {"clips/shot_001.mp4", "images/shot_002.png", "clips/shot_003.mp4",
                         "images/shot_003.png"}  # done work is not listed
    assert jobs["clips/shot_001.mp4"]["state"] == "running"
    assert jobs["clips/shot_001.mp4"]["provider"] == "fal:hailuo-02-standard"
    assert jobs["clips/shot_003.mp4"]["request_id"] == "q8"  # the paid job, not offline's
    assert jobs["clips/shot_003.mp4"]["state"].startswith("gone")
    assert jobs["images/shot_002.png"]["state"] == "processing"
    assert jobs["images/shot_003.png"]["state"] == "pending"
    assert 3690 < jobs["clips/shot_001.mp4"]["age_seconds"] < 3800
    assert next(iter(jobs)) == "clips/shot_003.mp4"  # oldest first
    fal_poll = next(s for s in server.seen if s.path.endswith("/q7/status"))
    assert fal_poll.headers["Authorization"] == f"Key {FAL_KEY}"
    assert table.exit_code == 0 and "1h" in table.output and "2d" in table.output
    for text in (result.output, table.output):
        assert FAL_KEY not in text and TOKEN not in text


def test_jobs_without_keys_or_asking_and_an_empty_project(tmp_path):
    project = stopped_run(tmp_path / "p")
    result = CliRunner().invoke(cli, ["jobs", "-p", str(project), "--json"])
    jobs = {job["path"]: job for job in json.loads(result.stdout)["jobs"]}
    assert "FAL_KEY" in jobs["clips/shot_001.mp4"]["state"]  # says why it cannot ask
    quiet = CliRunner().invoke(cli, ["jobs", "-p", str(project), "--no-check", "--json"])
    assert {j["state"] for j in json.loads(quiet.stdout)["jobs"]} == {"not asked"}
    empty = tmp_path / "empty"
    empty.mkdir()
    none = CliRunner().invoke(cli, ["jobs", "-p", str(empty)])
    assert none.exit_code == 0 and "no remote job is pending" in none.output
    missing = CliRunner().invoke(cli, ["jobs", "-p", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
