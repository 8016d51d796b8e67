"""A whole film with remote providers (fal FLUX + Kling, OpenAI TTS) mocked at the HTTP layer:
the engine, providers and composer work together, costs reach the ledger, a failing shot
falls back to offline and the film is still made."""

from __future__ import annotations

import itertools
import json
import re
import struct

import httpx
import pytest
import respx
from click.testing import CliRunner

from film.cli import cli
from film.media.ffmpeg import measure_duration, probe

from fakes.remote import image_bytes, make_mp4
from shotlists import make_shots

Q = "https://queue.fal.run"
CDN = "https://cdn.test/files"


def wav(seconds: float = 0.8, rate: int = 24000) -> bytes:
    frames = int(seconds * rate)
    pcm = struct.pack("<h", 2000) * frames
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVEfmt " + struct.pack(
        "<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16) + b"data" + struct.pack("<I", len(pcm))
    return header + pcm


@pytest.fixture
def remote(tmp_path, monkeypatch):
    monkeypatch.setenv("FAL_KEY", "fal-secret-key")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    counter = itertools.count(1)
    clip = make_mp4(tmp_path / "remote.mp4", seconds=1.0).read_bytes()
    state = {"fail_image": None, "submits": []}

    def submit(app_base):
        def handler(request):
            body = json.loads(request.content)
            job = f"r{next(counter)}"
            state["submits"].append((app_base, job, body.get("prompt", "")[:30]))
            if app_base == "fal-ai/flux" and state["fail_image"] \
                    and state["fail_image"] in body.get("prompt", ""):
                return httpx.Response(422, json={"detail": [{"msg": "bad prompt"}]})
            base = f"{Q}/{app_base}/requests/{job}"
            return httpx.Response(200, json={"request_id": job, "status_url": base + "/status",
                                             "response_url": base})
        return handler

    with respx.mock(assert_all_called=False) as mock:
        mock.post(f"{Q}/fal-ai/flux/schnell").mock(side_effect=submit("fal-ai/flux"))
        mock.post(f"{Q}/fal-ai/kling-video/v1.6/standard/image-to-video").mock(
            side_effect=submit("fal-ai/kling-video"))
        mock.get(url__regex=r".*/requests/r\d+/status").mock(
            return_value=httpx.Response(200, json={"status": "COMPLETED", "logs": []}))
        mock.get(url__regex=rf"{Q}/fal-ai/flux/requests/r\d+$").mock(
            return_value=httpx.Response(200, json={"images": [{"url": f"{CDN}/img.png"}],
                                                   "has_nsfw_concepts": [False]}))
        mock.get(url__regex=rf"{Q}/fal-ai/kling-video/requests/r\d+$").mock(
            return_value=httpx.Response(200, json={"video": {"url": f"{CDN}/clip.mp4"}}))
        mock.get(f"{CDN}/img.png").mock(return_value=httpx.Response(
            200, headers={"content-type": "image/png"}, content=image_bytes(size=(320, 180))))
        mock.get(f"{CDN}/clip.mp4").mock(return_value=httpx.Response(
            200, headers={"content-type": "video/mp4"}, content=clip))
        speech = mock.post("https://api.openai.com/v1/audio/speech").mock(
            return_value=httpx.Response(200, headers={"content-type": "audio/wav"},
                                        content=wav()))
        state["speech"] = speech
        state["uploads"] = mock.post("https://rest.fal.ai/storage/upload/initiate").mock(
            return_value=httpx.Response(200, json={"upload_url": f"{CDN}/signed?x=1",
                                                   "file_url": f"{CDN}/still.png"}))
        state["puts"] = mock.put(f"{CDN}/signed?x=1").mock(return_value=httpx.Response(200))
        yield state


def run_film(tmp_path, *extra):
    shots = tmp_path / "shots.json"
    if not shots.exists():
        shots.write_text(make_shots(3, lines={0: "The keeper climbs.", 2: "Light."}).to_json())
    return CliRunner().invoke(cli, [
        "run", "--shots", str(shots), "-p", str(tmp_path / "film"), "--resolution", "320x180",
        "--image-provider", "fal", "--video-provider", "fal:kling", "--tts-provider", "openai",
        "--json", *extra])


def test_remote_film_is_made_and_costed(tmp_path, remote):
    result = run_film(tmp_path)
    assert result.exit_code == 0, result.output
    final = tmp_path / "film" / "final.mp4"
    info = probe(final)
    assert len(info.video) == 1 and len(info.audio) == 1
    assert (info.video[0].width, info.video[0].height) == (320, 180)
    manifest = json.loads((tmp_path / "film" / "manifest.json").read_text())
    assert measure_duration(final) == pytest.approx(
        manifest["artifacts"]["final.mp4"]["meta"]["duration"], abs=0.1)
    stages = [entry["stage"] for entry in manifest["ledger"]]
    assert stages.count("images") == 3 and stages.count("video") == 3
    assert stages.count("speech") == 2
    total = sum(entry["cost_usd"] for entry in manifest["ledger"])
    assert total == pytest.approx(3 * 0.003 + 3 * 5 * 0.045 + 28 * 15e-6, rel=0.05)
    # the three stills are the same picture: uploaded once, used by the three clips
    assert remote["uploads"].call_count == 1 and remote["puts"].call_count == 1
    assert manifest["artifacts"]["clips/shot_001.mp4"]["request_id"].startswith("r")
    text = (tmp_path / "film" / "manifest.json").read_text() + result.output
    assert "fal-secret-key" not in text and "sk-openai-secret" not in text

    submits = len(remote["submits"])
    again = run_film(tmp_path)
    assert again.exit_code == 0 and len(remote["submits"]) == submits  # nothing paid twice
    assert remote["uploads"].call_count == 1
    finished = json.loads(again.stdout.splitlines()[-1])
    assert finished["cost_usd"] == 0 and finished["total_cost_usd"] == pytest.approx(total)


def test_a_refused_shot_falls_back_and_the_film_is_still_made(tmp_path, remote):
    remote["fail_image"] = "number 2"
    result = run_film(tmp_path)
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stdout.splitlines()]
    fallbacks = [e for e in events if e["event"] == "fallback"]
    assert [(e["stage"], e["shot_id"]) for e in fallbacks] == [("images", "shot_002")]
    assert "bad prompt" in fallbacks[0]["error"]
    manifest = json.loads((tmp_path / "film" / "manifest.json").read_text())
    assert manifest["artifacts"]["images/shot_002.png"]["fallback"] is True
    assert probe(tmp_path / "film" / "final.mp4").video
    assert re.search(r"shot_002", json.dumps(events[-1]["fallbacks"]))


def test_budget_cap_stops_before_the_expensive_clips(tmp_path, remote):
    result = run_film(tmp_path, "--max-cost", "0.3", "--concurrency", "1")
    assert result.exit_code == 5
    assert "budget cap $0.3 reached" in result.output
    manifest = json.loads((tmp_path / "film" / "manifest.json").read_text())
    assert sum(e["cost_usd"] for e in manifest["ledger"]) <= 0.3
    assert not (tmp_path / "film" / "final.mp4").exists()
    assert len(list((tmp_path / "film" / "images").glob("*.png"))) == 3  # kept
