"""Local stills and clips through ComfyUI's HTTP API (a fake ComfyUI on 127.0.0.1): the
example workflows are filled from the shot as their mappings say, queued, followed through
the history, and their outputs fetched through /view; errors are one readable line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from film.cli import cli
from film.errors import ConfigError, ProviderError
from film.media.ffmpeg import probe
from film.providers.comfyui_workflow import find_mapping, load_workflow
from film.providers.registry import get_provider

from fakes import fixtures
from fakes.fixtures import make_env
from fakes.remote import (
    FakeServer,
    image_bytes,
    image_request,
    make_ctx,
    make_settings,
    video_request,
)
from fakes.vendors import FakeComfy, multipart
from shotlists import make_shots

mp4_bytes, still, out = fixtures.mp4_bytes, fixtures.still, fixtures.out

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "comfyui"
STILL = EXAMPLES / "still_sd15.json"
I2V = EXAMPLES / "i2v_wan22_5b.json"


def comfy_settings(server: FakeServer, **values):
    return make_settings(comfyui_base_url=server.url, **values)


async def make_still(settings, out, name=f"comfyui:{STILL}", resume_id=None):
    sleep, rec, _ = make_env()
    provider = get_provider("image", name, settings)
    ctx = make_ctx(None, settings, sleep, rec, resume_id)
    return await provider.generate(image_request(negative_prompt="blurry, text"), out, ctx), rec


async def test_a_still_from_the_example_workflow(out):
    with FakeServer() as server:
        FakeComfy(server, {"film_00001_.png": image_bytes(size=(320, 176))}, runs=2)
        result, rec = await make_still(comfy_settings(server), out)
    sent = [(s.method, s.path) for s in server.seen]
    assert sent[0] == ("POST", "/prompt")
    assert sent[1:4] == [("GET", "/history/prompt-1")] * 3  # running twice, then done
    assert sent[-1] == ("GET", "/view")
    assert "filename=film_00001_.png" in server.seen[-1].query
    assert "type=output" in server.seen[-1].query
    body = server.seen[0].json()
    assert body["client_id"]
    graph = body["prompt"]
    assert graph["6"]["inputs"]["text"].startswith("A lighthouse on a cliff at dusk")
    assert graph["7"]["inputs"]["text"] == "blurry, text"
    assert graph["3"]["inputs"]["seed"] == 42
    assert (graph["5"]["inputs"]["width"], graph["5"]["inputs"]["height"]) == (320, 176)
    assert graph["4"] == json.loads(STILL.read_text())["4"]  # the rest is the user's
    with Image.open(out) as im:
        assert (im.format, im.size) == ("PNG", (320, 180))
    assert result.request_id == "prompt-1" and result.cost_usd == 0
    assert rec.events == [("submitted", "prompt-1")]


async def test_a_clip_from_the_example_workflow(tmp_path, still, mp4_bytes):
    with FakeServer() as server:
        FakeComfy(server, {"film_00001_.mp4": mp4_bytes})
        settings = comfy_settings(server)
        provider = get_provider("video", f"comfyui:{I2V}", settings)
        sleep, rec, _ = make_env()
        result = await provider.animate(video_request(still, duration=1.0),
                                        tmp_path / "clip.mp4",
                                        make_ctx(None, settings, sleep, rec))
    upload, queued = server.seen[0], server.seen[1]
    assert (upload.method, upload.path) == ("POST", "/upload/image")
    parts = multipart(upload)
    name, data, ctype = parts["image"]
    assert data == still.read_bytes() and ctype == "image/png" and name.startswith("film-")
    assert parts["overwrite"][1] == b"true" and parts["type"][1] == b"input"
    graph = queued.json()["prompt"]
    assert graph["57"]["inputs"]["image"] == name  # the uploaded still
    assert graph["55"]["inputs"]["length"] == 25  # 1 s at 24 fps → 6 × 4 + 1 frames
    assert (graph["55"]["inputs"]["width"], graph["55"]["inputs"]["height"]) == (320, 160)
    assert graph["6"]["inputs"]["text"].startswith("A lighthouse")
    assert "subfolder=video" in server.seen[-1].query
    assert probe(tmp_path / "clip.mp4").video and result.meta["frames"] == 25


async def test_an_invalid_workflow_is_one_readable_line(out, tmp_path):
    with FakeServer() as server:
        FakeComfy(server, {}, installed=("sd_xl_base_1.0.safetensors",))
        with pytest.raises(ProviderError) as info:
            await make_still(comfy_settings(server), out)
    message = info.value.message
    assert "rejected the workflow" in message and "node 4 (CheckpointLoaderSimple)" in message
    assert "v1-5-pruned-emaonly.safetensors" in message
    assert [s.path for s in server.seen] == ["/prompt"]  # a queue POST is never repeated
    assert not out.exists()


async def test_a_failed_run_names_the_node_and_the_error(out):
    with FakeServer() as server:
        FakeComfy(server, {}, fail="CUDA out of memory")
        with pytest.raises(ProviderError, match=r"failed at node 3 \(KSampler\): CUDA out of mem"):
            await make_still(comfy_settings(server), out)


async def test_a_resumed_prompt_is_collected_not_queued_again(out):
    with FakeServer() as server:
        comfy = FakeComfy(server, {"film_00001_.png": image_bytes(size=(320, 180))}, runs=0)
        settings = comfy_settings(server)
        await make_still(settings, out)
        before = len(server.seen)
        result, _ = await make_still(settings, out, resume_id="prompt-1")
        later = [s.path for s in server.seen[before:]]
        assert "/prompt" not in later and result.request_id == "prompt-1"
        state = await get_provider("image", f"comfyui:{STILL}", settings).job_state(
            "prompt-1", make_ctx(None, settings, *make_env()[:2]))
        assert state == "completed, not collected yet"
        gone = await get_provider("image", f"comfyui:{STILL}", settings).job_state(
            "nope", make_ctx(None, settings, *make_env()[:2]))
        assert gone.startswith("gone")
    assert comfy.graphs.keys() == {"prompt-1"}


def test_the_mapping_is_found_from_the_usual_nodes():
    still = find_mapping(json.loads(STILL.read_text()))
    assert still == {"seed": "3.seed", "prompt": "6.text", "negative_prompt": "7.text",
                     "width": "5.width", "height": "5.height"}
    i2v = find_mapping(json.loads(I2V.read_text()))
    assert i2v == {"seed": "3.seed", "prompt": "6.text", "negative_prompt": "7.text",
                   "width": "55.width", "height": "55.height", "frames": "55.length",
                   "image": "57.image"}
    for path in (STILL, I2V):  # the written mapping says the same, plus its options
        written = json.loads(path.with_name(f"{path.stem}.film.json").read_text())
        found = find_mapping(json.loads(path.read_text()))
        assert {k: v for k, v in written.items() if k in found} == found


def test_a_workflow_without_a_mapping_file_works_from_its_nodes(tmp_path):
    bare = tmp_path / "flow.json"
    shutil.copy(I2V, bare)
    workflow = load_workflow(bare, "video")
    assert workflow.targets["image"] == (("57", "image"),)
    assert workflow.frames(5.0) == 121 and workflow.frames(60) == 121  # capped at max_frames


@pytest.mark.parametrize(("mapping", "error"), [
    ({"prompt": "99.text"}, "lacks"),
    ({"prompt": "6.txt"}, "has no input 'txt'"),
    ({"prompt": "six"}, "node id"),
    ({"prompt": "6.text", "colour": "1.x"}, "unknown key 'colour'"),
    ({"prompt": "6.text", "fps": -3}, "positive number"),
])
def test_a_wrong_mapping_names_what_is_wrong(tmp_path, mapping, error):
    flow = tmp_path / "flow.json"
    shutil.copy(STILL, flow)
    (tmp_path / "flow.film.json").write_text(json.dumps(mapping))
    with pytest.raises(ConfigError, match=error):
        load_workflow(flow, "image")


def test_wrong_workflow_files_are_config_errors(tmp_path):
    ui = tmp_path / "ui.json"
    ui.write_text(json.dumps({"nodes": [], "links": [], "version": 0.4}))
    with pytest.raises(ConfigError, match="API format"):
        load_workflow(ui, "image")
    with pytest.raises(ConfigError, match="cannot read"):
        load_workflow(tmp_path / "missing.json", "image")
    with pytest.raises(ConfigError, match="which node takes the image"):
        load_workflow(STILL.with_name("still_sd15.json"), "video")
    with pytest.raises(ConfigError, match="COMFYUI_IMAGE_WORKFLOW"):
        get_provider("image", "comfyui", make_settings())
    named = get_provider("image", "comfyui", make_settings(comfyui_image_workflow=STILL))
    assert named.name == "comfyui:workflow" and named.params()["workflow"]


def test_film_images_with_comfyui_from_the_cli(tmp_path, monkeypatch):
    shots = tmp_path / "shots.json"
    shots.write_text(make_shots(2).to_json())
    with FakeServer() as server:
        FakeComfy(server, {"film_00001_.png": image_bytes(size=(320, 176))})
        monkeypatch.setenv("COMFYUI_BASE_URL", server.url)
        monkeypatch.setenv("COMFYUI_IMAGE_WORKFLOW", str(STILL))
        result = CliRunner().invoke(cli, ["images", str(shots), "-p", str(tmp_path / "p"),
                                          "--provider", "comfyui", "--resolution", "320x180"])
    assert result.exit_code == 0, result.output
    assert [s.path for s in server.seen].count("/prompt") == 2
    manifest = json.loads((tmp_path / "p" / "manifest.json").read_text())
    entry = manifest["artifacts"]["images/shot_001.png"]
    assert entry["provider"] == "comfyui:workflow" and entry["cost_usd"] == 0
    assert entry["request_id"].startswith("prompt-")


async def test_a_prompt_the_server_lost_is_unavailable_not_waited_on_forever(out):
    from film.errors import Unavailable

    with FakeServer() as server:
        FakeComfy(server, {}, runs=1000)
        server.route("GET", "/queue", lambda _s: (200, {"Content-Type": "application/json"},
                                                  b'{"queue_running": [], "queue_pending": []}'))
        with pytest.raises(Unavailable, match="no longer queued") as info:
            await make_still(comfy_settings(server), out)
    assert info.value.request_id == "prompt-1"  # kept: the next run asks again
    assert [s.path for s in server.seen].count("/history/prompt-1") == 6  # 5 polls + a recheck
