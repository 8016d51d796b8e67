"""`film batch --cluster`: films as tasks on a local Dask cluster of 2 worker processes. A
worker killed in the middle of a film: the film is run again on another worker, resumes from
its manifest, and no remote job is paid twice (counted by a fake fal server)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from film.cli import cli

from fakes.fal_jobs import FalJobs
from shotlists import make_shots

pytest.importorskip("distributed")

FILMS = ("alpha", "beta", "gamma", "delta")


def wait_for(condition, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached in {timeout} s")
        time.sleep(0.05)


def image_entry(project: Path) -> dict:
    """The manifest entry of the film's (only) still, wherever it is kept."""
    try:
        manifest = json.loads((project / "manifest.json").read_text())
    except (OSError, ValueError):
        return {}
    stills = [e for e in manifest["artifacts"].values() if e["stage"] == "images"]
    return stills[0] if stills else {}


def jobs(tmp_path: Path) -> Path:
    rows = []
    for name in FILMS:
        data = json.loads(make_shots(1).to_json())
        data["shots"][0]["enhanced_prompt"] = f"{name} lighthouse"
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
        rows.append(json.dumps({"name": name, "shots": f"{name}.json"}))
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_worker_killed_mid_film_costs_no_job_twice(tmp_path):
    out = tmp_path / "films"
    with FalJobs(held="alpha") as fal:  # alpha's still is paid for, then waits
        env = {**os.environ, "FAL_KEY": "fal-test-key", "FAL_QUEUE_URL": fal.url,
               "FILM_CONCURRENCY_LOCAL": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
        batch = subprocess.Popen(
            [sys.executable, "-m", "film", "batch", str(jobs(tmp_path)), "--out", str(out),
             "--cluster", "local", "--workers", "2", "--image-provider", "fal",
             "--video-provider", "offline", "--resolution", "320x180", "--max-cost", "1",
             "--json"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: image_entry(out / "alpha").get("status") == "submitted",
                     "alpha's job submitted and saved")
            job = image_entry(out / "alpha")["request_id"]
            holder = (out / "alpha" / ".film" / "lock").read_text().split()
            worker = int(holder[1])  # "pid N on HOST": the worker process making alpha
            assert worker != batch.pid
            os.kill(worker, signal.SIGKILL)
            fal.release()
            stdout, stderr = batch.communicate(timeout=120)
        finally:
            if batch.poll() is None:
                batch.kill()
        assert batch.returncode == 0, stderr[-2000:]
        assert "Traceback" not in stderr
        finished = json.loads(stdout.splitlines()[-1])
        assert finished["event"] == "batch_finished" and finished["ok"]
        assert {o["film"]: o["status"] for o in finished["outcomes"]} == \
            dict.fromkeys(FILMS, "done")
        alpha = next(o for o in finished["outcomes"] if o["film"] == "alpha")
        assert int(alpha["worker"].rsplit(":", 1)[1]) != worker  # made by another worker
        assert sorted(fal.submits.values()) == [1, 1, 1, 1]  # no remote job paid twice
    manifest = json.loads((out / "alpha" / "manifest.json").read_text())
    assert [line["request_id"] for line in manifest["ledger"]] == [job]  # collected, once
    assert (out / "alpha" / "final.mp4").is_file()
    total = sum(line["cost_usd"] for name in FILMS
                for line in json.loads((out / name / "manifest.json").read_text())["ledger"])
    assert total == pytest.approx(4 * 0.003, rel=0.5)
    assert not list((out / ".film-batch").glob("budget-*"))  # the ledger is gone


def test_a_cluster_address_that_is_not_one_is_refused(tmp_path):
    (tmp_path / "jobs.jsonl").write_text('{"description": "A fox."}\n')
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "jobs.jsonl"), "--cluster",
                                      "localhost:8786"])
    assert result.exit_code == 2 and "tcp://HOST:8786, or local" in result.output
    assert "Traceback" not in result.output
