"""The shared media cache: an artifact made for one project is reused by another (no provider
call, no cost), never an offline stand-in; writers are safe together; info and prune."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import threading
import time
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from film.build.cache import SharedCache
from film.cli import cli
from film.fsutil import file_digest

from fakes.remote import image_bytes
from shotlists import make_shots

Q = "https://queue.fal.run"
CDN = "https://cdn.test/files"
KEY = "ab" * 16


class FalImages:
    """fal's queue for FLUX schnell under respx: every submit is counted; prompts containing
    `refuse` get a 422 (a refused prompt)."""

    def __init__(self, mock: respx.MockRouter) -> None:
        self.submits: list[str] = []
        mock.post(f"{Q}/fal-ai/flux/schnell").mock(side_effect=self.submit)
        mock.get(url__regex=r".*/requests/r\d+/status").mock(
            return_value=httpx.Response(200, json={"status": "COMPLETED", "logs": []}))
        mock.get(url__regex=rf"{Q}/fal-ai/flux/requests/r\d+$").mock(
            return_value=httpx.Response(200, json={"images": [{"url": f"{CDN}/img.png"}],
                                                   "has_nsfw_concepts": [False]}))
        mock.get(f"{CDN}/img.png").mock(return_value=httpx.Response(
            200, headers={"content-type": "image/png"}, content=image_bytes(size=(320, 180))))

    def submit(self, request: httpx.Request) -> httpx.Response:
        prompt = json.loads(request.content).get("prompt", "")
        self.submits.append(prompt)
        if "refuse" in prompt:
            return httpx.Response(422, json={"detail": [{"msg": "bad prompt"}]})
        job = f"r{len(self.submits)}"
        base = f"{Q}/fal-ai/flux/requests/{job}"
        return httpx.Response(200, json={"request_id": job, "status_url": base + "/status",
                                         "response_url": base})


@pytest.fixture
def fal(monkeypatch):
    monkeypatch.setenv("FAL_KEY", "fal-secret-key")
    with respx.mock(assert_all_called=False) as mock:
        yield FalImages(mock)


def stills(tmp_path: Path, project: str, shots: Path) -> dict:
    result = CliRunner().invoke(cli, ["images", str(shots), "-p", str(tmp_path / project),
                                      "--provider", "fal", "--resolution", "320x180",
                                      "--json"])
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / project / "manifest.json").read_text())


def test_a_still_made_for_one_project_is_reused_by_another_at_no_cost(tmp_path, fal):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2).to_json())
    first = stills(tmp_path, "a", shots)
    assert len(fal.submits) == 2 and len(first["ledger"]) == 2
    second = stills(tmp_path, "b", shots)
    assert len(fal.submits) == 2  # no provider call for the second project
    assert second["ledger"] == []  # and nothing paid
    for shot in ("shot_001", "shot_002"):
        entry = second["artifacts"][f"images/{shot}.png"]
        assert entry["meta"]["shared_cache"] == {"key": entry["input_hash"]}
        assert entry["cost_usd"] == 0 and entry["status"] == "done"
        assert file_digest(tmp_path / "a" / "images" / f"{shot}.png") == \
            file_digest(tmp_path / "b" / "images" / f"{shot}.png")
    assert second["metrics"]["stages"]["images"]["reused"] == 2
    assert second["metrics"]["stages"]["images"]["calls"] == 0
    assert "fal-secret-key" not in json.dumps(second)
    again = stills(tmp_path, "b", shots)  # a cache hit is a current artifact next time
    assert again["metrics"]["stages"]["images"]["reused"] == 2 and len(fal.submits) == 2


def test_an_offline_stand_in_is_never_shared(tmp_path, fal):
    data = json.loads(make_shots(1).to_json())
    data["shots"][0]["enhanced_prompt"] = "please refuse this one"
    shots = tmp_path / "shots.json"
    shots.write_text(json.dumps(data))
    first = stills(tmp_path, "a", shots)
    assert first["artifacts"]["images/shot_001.png"]["fallback"] is True
    stills(tmp_path, "b", shots)
    assert len(fal.submits) == 2  # the second project asked the provider again
    assert SharedCache(Path(os.environ["FILM_HOME"]) / "media").entries() == []


def test_turned_off_it_neither_reuses_nor_keeps(tmp_path, fal, monkeypatch):
    monkeypatch.setenv("FILM_SHARED_CACHE", "0")
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(1).to_json())
    stills(tmp_path, "a", shots)
    stills(tmp_path, "b", shots)
    assert len(fal.submits) == 2
    assert not (Path(os.environ["FILM_HOME"]) / "media").exists()


# ---- the store -----------------------------------------------------------------------------


def test_a_damaged_blob_is_a_miss_and_is_removed(tmp_path):
    cache = SharedCache(tmp_path / "cache")
    src = tmp_path / "still.png"
    src.write_bytes(b"picture" * 100)
    entry = cache.store(KEY, src, stage="images", provider="fal:flux-schnell")
    blob = cache.blob_path(entry.digest, ".png")
    blob.chmod(0o644)
    blob.write_bytes(b"PICTURE" * 100)  # same size, other content
    assert cache.fetch(KEY, tmp_path / "out.png") is None
    assert not (tmp_path / "out.png").exists() and not blob.exists()
    assert cache.lookup(KEY) is None


def _writer(root: str, key: str, source: str, rounds: int, barrier) -> None:
    barrier.wait()
    cache = SharedCache(Path(root))
    for _ in range(rounds):
        cache.store(key, Path(source), stage="video", provider="fal:kling")


def _reader(cache: SharedCache, key: str, folder: Path, rounds: int, seen: list) -> None:
    for n in range(rounds):
        dest = folder / f"read-{threading.get_ident()}-{n}.mp4"
        entry = cache.fetch(key, dest)
        if entry is not None:
            seen.append((entry.digest, file_digest(dest)))


def test_concurrent_writers_of_one_key_leave_a_whole_artifact(tmp_path):
    """Two remote calls for the same inputs may return different bytes: processes and
    threads store them under one key while others read; every read is one whole file that
    matches its entry, and nothing half-written is left behind."""
    root = tmp_path / "cache"
    sources = []
    for n in range(4):
        path = tmp_path / f"clip{n}.mp4"
        path.write_bytes(bytes([n]) * (200_000 + n))
        sources.append(path)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    procs = [context.Process(target=_writer, args=(str(root), KEY, str(src), 15, barrier))
             for src in sources]
    for proc in procs:
        proc.start()
    seen: list = []
    cache = SharedCache(root)
    readers = [threading.Thread(target=_reader, args=(cache, KEY, tmp_path, 40, seen))
               for _ in range(3)]
    threads = [threading.Thread(target=cache.store, args=(KEY, sources[0]),
                                kwargs={"stage": "video"}) for _ in range(3)]
    for thread in [*readers, *threads]:
        thread.start()
    for thread in [*readers, *threads]:
        thread.join()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    digests = {file_digest(src) for src in sources}
    assert all(entry == copy and copy in digests for entry, copy in seen)
    final = cache.fetch(KEY, tmp_path / "final.mp4")
    assert final is not None and final.digest in digests
    assert file_digest(tmp_path / "final.mp4") == final.digest
    assert not [p for p in root.rglob("*") if ".tmp-" in p.name]
    assert len(list((root / "blobs").glob("*/*"))) <= 4  # one blob per content


def _claimer(root: str, log: str, barrier) -> None:
    barrier.wait()

    async def work() -> None:
        async with SharedCache(Path(root)).claim(KEY):
            with open(log, "a") as fh:
                fh.write("in\n")
            await asyncio.sleep(0.02)
            with open(log, "a") as fh:
                fh.write("out\n")

    asyncio.run(work())


def test_one_process_at_a_time_holds_an_artifact(tmp_path):
    log = tmp_path / "log"
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    procs = [context.Process(target=_claimer, args=(str(tmp_path / "c"), str(log), barrier))
             for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
    assert log.read_text().split() == ["in", "out"] * 4


# ---- info and prune ------------------------------------------------------------------------


def test_cache_info_and_prune_by_age_and_size(tmp_path, monkeypatch):
    monkeypatch.setenv("FILM_CACHE_DIR", str(tmp_path / "shared"))
    cache = SharedCache(tmp_path / "shared")
    for n, (key, size) in enumerate([("aa" * 16, 1000), ("bb" * 16, 2000), ("cc" * 16, 3000)]):
        src = tmp_path / f"f{n}.wav"
        src.write_bytes(bytes([n]) * size)
        cache.store(key, src, stage="speech")
        old = time.time() - (3 - n) * 86_400  # aa: 3 days unused, bb: 2, cc: 1
        os.utime(cache.entry_path(key), (old, old))
    info = CliRunner().invoke(cli, ["cache", "info", "--json"])
    assert info.exit_code == 0, info.output
    data = json.loads(info.stdout)
    assert data["entries"] == 3 and data["bytes"] == 6000 and data["stages"] == {"speech": 3}
    dry = CliRunner().invoke(cli, ["cache", "prune", "--older-than", "36h"])
    assert dry.exit_code == 0 and "would remove 2 artifacts" in dry.output
    assert len(cache.entries()) == 3  # a dry listing removes nothing
    size = CliRunner().invoke(cli, ["cache", "prune", "--max-size", "5k", "--yes", "--json"])
    assert json.loads(size.stdout)["removed"] == 1  # the least recently used goes first
    assert [e.key for e in cache.entries()] == ["bb" * 16, "cc" * 16]
    bad = CliRunner().invoke(cli, ["cache", "prune", "--older-than", "soon"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    everything = CliRunner().invoke(cli, ["cache", "prune", "--all", "--yes"])
    assert everything.exit_code == 0 and cache.entries() == []
    assert not list((tmp_path / "shared" / "blobs").glob("*/*"))


def test_a_provider_that_draws_at_random_is_not_shared(tmp_path, fal, monkeypatch):
    from film.providers.images import FalImageProvider

    monkeypatch.setattr(FalImageProvider, "shareable", False)
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(1).to_json())
    stills(tmp_path, "a", shots)
    stills(tmp_path, "b", shots)
    assert len(fal.submits) == 2  # each project made its own
