"""A real `film` process against a fake fal server on 127.0.0.1: kill -9 in the middle of a
run, then resume (each remote job is submitted exactly once); two runs on one project."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from fakes.remote import FakeServer, json_reply
from shotlists import make_shots

APP = "fal-ai/flux/schnell"


class FalJobs:
    """A fake fal queue whose jobs stay IN_PROGRESS until `release()`."""

    def __init__(self, server: FakeServer) -> None:
        self.server = server
        self.submits: list[str] = []
        self.released = threading.Event()
        server.route("POST", f"/{APP}", self.submit)

    def submit(self, _seen):
        job = f"job-{len(self.submits) + 1}"
        self.submits.append(job)
        base = f"/fal-ai/flux/requests/{job}"
        self.server.route("GET", base + "/status", self.status)
        self.server.route("GET", base, lambda _s, job=job: json_reply(
            {"images": [{"url": f"{self.server.url}/files/{job}.png"}],
             "has_nsfw_concepts": [False]}))
        self.server.route("GET", f"/files/{job}.png", self.png)
        url = self.server.url + base
        return json_reply({"request_id": job, "status_url": url + "/status",
                           "response_url": url, "cancel_url": url + "/cancel"})

    def status(self, _seen):
        if self.released.is_set():
            return json_reply({"status": "COMPLETED", "logs": []})
        return json_reply({"status": "IN_PROGRESS", "logs": []})

    @staticmethod
    def png(_seen):
        buf = io.BytesIO()
        Image.new("RGB", (320, 180), (200, 40, 40)).save(buf, "PNG")
        return 200, {"Content-Type": "image/png"}, buf.getvalue()


def film(project: Path, shots: Path, server: FakeServer, home: Path) -> subprocess.Popen:
    env = {**os.environ, "FAL_KEY": "test-key-123", "FAL_QUEUE_URL": server.url,
           "FILM_HOME": str(home), "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen(
        [sys.executable, "-m", "film", "images", str(shots), "-p", str(project),
         "--provider", "fal:flux-schnell", "--resolution", "320x180", "--on-error", "fail",
         "--json"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=project.parent,
    )


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def submitted_ids(project: Path) -> list[str]:
    try:
        data = json.loads((project / "manifest.json").read_text())
    except (OSError, ValueError):
        return []
    return sorted(a["request_id"] for a in data["artifacts"].values()
                  if a["status"] == "submitted")


@pytest.fixture
def setup(tmp_path, isolated_env):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(3).to_json())
    return tmp_path / "proj", shots, isolated_env


def test_kill_9_mid_run_then_resume_submits_each_job_once(setup):
    project, shots, home = setup
    with FakeServer(lifetime=60) as server:
        jobs = FalJobs(server)
        first = film(project, shots, server, home)
        try:
            wait_for(lambda: len(submitted_ids(project)) == 3)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        assert first.returncode == -signal.SIGKILL
        assert jobs.submits == ["job-1", "job-2", "job-3"]
        assert submitted_ids(project) == ["job-1", "job-2", "job-3"]
        assert not list((project / "images").glob("*.png"))  # nothing half-made looks done

        jobs.released.set()
        second = film(project, shots, server, home)
        stdout, stderr = second.communicate(timeout=60)
        assert second.returncode == 0, stderr
    assert jobs.submits == ["job-1", "job-2", "job-3"]  # collected, not paid for again
    events = [json.loads(line) for line in stdout.splitlines()]
    assert sorted(e["request_id"] for e in events if e["event"] == "resumed") == \
        ["job-1", "job-2", "job-3"]
    manifest = json.loads((project / "manifest.json").read_text())
    assert {a["status"] for a in manifest["artifacts"].values()} == {"done"}
    for shot_id in ("shot_001", "shot_002", "shot_003"):
        assert Image.open(project / "images" / f"{shot_id}.png").size == (320, 180)
    assert not [p for p in project.rglob(".*tmp*")]
    assert "test-key-123" not in (project / "manifest.json").read_text()


def test_a_second_run_on_the_same_project_is_refused(setup):
    project, shots, home = setup
    with FakeServer(lifetime=60) as server:
        jobs = FalJobs(server)
        first = film(project, shots, server, home)
        try:
            wait_for(lambda: len(jobs.submits) == 3)
            second = film(project, shots, server, home)
            _, stderr = second.communicate(timeout=60)
            assert second.returncode == 6
            assert "another film run (pid" in stderr and "Traceback" not in stderr
            assert len(jobs.submits) == 3
            jobs.released.set()
            first.communicate(timeout=60)
            assert first.returncode == 0
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
