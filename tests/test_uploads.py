"""Local stills reach the vendors as their documents say: fal through its storage upload (then
the queue), Replicate through its files API above 256 kB and inline below; each content is
uploaded once and reused while valid; Replicate runs official models and any version."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

import httpx
import pytest
from PIL import Image

from film.errors import ConfigError, InputError, ProviderError
from film.providers.registry import get_provider
from film.vendors.replicate import DATA_URI_MAX
from film.vendors.uploads import UploadCache, account_of

from fakes import fixtures
from fakes.fixtures import make_env
from fakes.remote import FakeServer, image_bytes, make_ctx, make_settings, video_request
from fakes.vendors import fal_queue, fal_storage, multipart, replicate_api

mp4_bytes = fixtures.mp4_bytes

KEY = "fal-key-abcd:secret-9876"
TOKEN = "r8_UploadTestToken0123456789"
HAILUO = "fal-ai/minimax/hailuo-02/standard/image-to-video"
VERSION = "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa"


def write_still(path: Path, color=(200, 80, 40), noisy: bool = False) -> Path:
    if noisy:  # random pixels do not compress: a PNG of about 480 kB
        Image.frombytes("RGB", (400, 400), random.Random(7).randbytes(400 * 400 * 3)).save(path)
    else:
        path.write_bytes(image_bytes(size=(320, 180), color=color))
    return path


def fal_server(server: FakeServer, mp4: bytes) -> None:
    fal_storage(server)
    fal_queue(server, HAILUO, lambda: {"video": {"url": f"{server.url}/files/out"}}, mp4,
              "video/mp4")


async def animate(settings, still: Path, out: Path, name="fal:hailuo-02-standard",
                  client=None, resume_id=None, duration=1.0):
    sleep, rec, _ = make_env()
    provider = get_provider("video", name, settings)
    ctx = make_ctx(client, settings, sleep, rec, resume_id)
    return await provider.animate(video_request(still, duration=duration), out, ctx)


def paths(server: FakeServer) -> list[str]:
    return [s.path for s in server.seen]


# ---- fal ------------------------------------------------------------------------------------


async def test_fal_uploads_the_still_then_queues_the_job(tmp_path, mp4_bytes):
    still = write_still(tmp_path / "still.png")
    with FakeServer() as server:
        fal_server(server, mp4_bytes)
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url, fal_rest_url=server.url)
        result = await animate(settings, still, tmp_path / "clip.mp4", duration=6.4)
    initiate, put, submit = server.seen[:3]
    assert paths(server)[:3] == ["/storage/upload/initiate", "/signed/1", f"/{HAILUO}"]
    assert initiate.method == "POST" and initiate.query == "storage_type=fal-cdn-v3"
    assert initiate.headers["Authorization"] == f"Key {KEY}"
    assert initiate.json() == {"file_name": "still.png", "content_type": "image/png"}
    lifecycle = json.loads(initiate.headers["X-Fal-Object-Lifecycle-Preference"])
    assert lifecycle == {"expiration_duration_seconds": 604800}
    assert initiate.headers["X-Fal-Object-Lifecycle"] == \
        initiate.headers["X-Fal-Object-Lifecycle-Preference"]
    assert put.method == "PUT" and put.body == still.read_bytes()
    assert put.headers["Content-Type"] == "image/png"
    assert "Authorization" not in put.headers  # a signed URL: the key goes nowhere else
    body = submit.json()
    assert body["image_url"] == f"{server.url}/files/upload-1.png"
    assert body["duration"] == "6" and body["resolution"] == "768P"  # 6.4 s → Hailuo's 6 s
    assert "data:" not in submit.body.decode()  # nothing inline
    assert result.cost_usd == pytest.approx(6 * 0.045) and result.meta["billed_seconds"] == 6


async def test_one_upload_per_content_across_calls_and_runs(tmp_path, mp4_bytes,
                                                           isolated_env):
    same = write_still(tmp_path / "a.png")
    copy = write_still(tmp_path / "b.png")  # the same picture under another name
    other = write_still(tmp_path / "c.png", color=(10, 20, 30))
    with FakeServer() as server:
        fal_server(server, mp4_bytes)
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url, fal_rest_url=server.url)
        async with httpx.AsyncClient() as client:  # three shots at once, one still
            await asyncio.gather(*(animate(settings, still, tmp_path / f"{n}.mp4", client=client)
                                   for n, still in enumerate((same, copy, same))))
        assert paths(server).count("/storage/upload/initiate") == 1
        assert paths(server).count(f"/{HAILUO}") == 3
        await animate(settings, copy, tmp_path / "again.mp4")  # a later run: remembered
        assert paths(server).count("/storage/upload/initiate") == 1
        await animate(settings, other, tmp_path / "other.mp4")  # new content: uploaded
        assert paths(server).count("/storage/upload/initiate") == 2
        other_account = make_settings(fal_key="fal-other:key", fal_queue_url=server.url,
                                      fal_rest_url=server.url)
        await animate(other_account, same, tmp_path / "acct.mp4")  # not another's upload
        assert paths(server).count("/storage/upload/initiate") == 3
    remembered = (isolated_env / "uploads.json").read_text()
    assert KEY not in remembered and "secret" not in remembered
    assert account_of(KEY) in remembered


async def test_an_upload_past_its_validity_is_made_again(tmp_path, mp4_bytes, isolated_env):
    still = write_still(tmp_path / "still.png")
    with FakeServer() as server:
        fal_server(server, mp4_bytes)
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url, fal_rest_url=server.url)
        await animate(settings, still, tmp_path / "1.mp4")
        cache_file = isolated_env / "uploads.json"
        data = json.loads(cache_file.read_text())
        for entry in data["uploads"].values():
            entry["valid_until"] = 1.0  # long expired
        cache_file.write_text(json.dumps(data))
        await animate(settings, still, tmp_path / "2.mp4")
    assert paths(server).count("/storage/upload/initiate") == 2


async def test_a_resumed_job_uploads_nothing(tmp_path, mp4_bytes):
    still = write_still(tmp_path / "still.png")
    with FakeServer() as server:
        fal_server(server, mp4_bytes)
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url, fal_rest_url=server.url)
        await animate(settings, still, tmp_path / "1.mp4")
        before = len(server.seen)
        result = await animate(settings, write_still(tmp_path / "new.png", (1, 2, 3)),
                               tmp_path / "2.mp4", resume_id="q1")
    later = paths(server)[before:]
    assert "/storage/upload/initiate" not in later and f"/{HAILUO}" not in later
    assert result.request_id == "q1"


def test_upload_cache_keeps_only_valid_entries(tmp_path):
    cache = UploadCache(tmp_path / "u.json")
    cache.put("a", "https://x/a", valid_until=10.0, size=1)
    cache.put("b", "https://x/b", valid_until=4e9, size=1)
    assert cache.get("a", now=5.0) is None  # the file keeps only what is valid now
    assert cache.get("b") == "https://x/b"
    assert UploadCache(None).get("b") is None
    (tmp_path / "u.json").write_text("{broken")
    assert cache.get("b") is None  # a damaged cache is an empty one


async def test_an_unreadable_still_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    settings = make_settings(fal_key=KEY)
    with pytest.raises(InputError, match="not a PNG"):
        await animate(settings, bad, tmp_path / "x.mp4")


# ---- Replicate --------------------------------------------------------------------------------


def replicate_server(server: FakeServer, mp4: bytes) -> None:
    replicate_api(server, lambda: f"{server.url}/out", mp4, "video/mp4",
                  models=("minimax/video-01",))


async def test_replicate_large_still_goes_through_the_files_api(tmp_path, mp4_bytes):
    still = write_still(tmp_path / "big.png", noisy=True)
    assert still.stat().st_size > DATA_URI_MAX
    with FakeServer() as server:
        replicate_server(server, mp4_bytes)
        settings = make_settings(replicate_api_token=TOKEN, replicate_base_url=server.url)
        await animate(settings, still, tmp_path / "clip.mp4", name="replicate")
        await animate(settings, still, tmp_path / "again.mp4", name="replicate")
    assert paths(server).count("/v1/files") == 1  # reused until it expires
    upload = server.seen[0]
    assert upload.path == "/v1/files" and upload.headers["Authorization"] == f"Bearer {TOKEN}"
    parts = multipart(upload)
    assert parts["content"] == ("big.png", still.read_bytes(), "image/png")
    assert json.loads(parts["metadata"][1]) == {}
    create = next(s for s in server.seen if s.path.endswith("/predictions"))
    assert create.path == "/v1/models/minimax/video-01/predictions"
    first = create.json()["input"]["first_frame_image"]
    assert first == f"{server.url}/v1/files/file1" and "data:" not in create.body.decode()


async def test_replicate_small_still_goes_inline(tmp_path, mp4_bytes):
    still = write_still(tmp_path / "small.png")
    assert still.stat().st_size <= DATA_URI_MAX
    with FakeServer() as server:
        replicate_server(server, mp4_bytes)
        settings = make_settings(replicate_api_token=TOKEN, replicate_base_url=server.url)
        await animate(settings, still, tmp_path / "clip.mp4", name="replicate")
    assert "/v1/files" not in paths(server)
    inline = server.seen[0].json()["input"]["first_frame_image"]
    assert inline.startswith("data:image/png;base64,") and len(inline) < DATA_URI_MAX * 4 / 3 + 64


async def test_replicate_version_runs_on_the_predictions_endpoint(tmp_path, mp4_bytes):
    still = write_still(tmp_path / "still.png")
    with FakeServer() as server:
        replicate_server(server, mp4_bytes)
        settings = make_settings(replicate_api_token=TOKEN, replicate_base_url=server.url)
        result = await animate(settings, still, tmp_path / "clip.mp4",
                               name=f"replicate:someone/community-i2v:{VERSION}")
    create = server.seen[0]
    assert create.path == "/v1/predictions" and create.headers["Prefer"] == "wait=5"
    body = create.json()
    assert body["version"] == VERSION and set(body) == {"version", "input"}
    assert set(body["input"]) == {"prompt", "image"}  # any model: the generic fields
    assert result.request_id == "p1"


def test_a_bad_replicate_reference_is_a_config_error():
    settings = make_settings(replicate_api_token=TOKEN)
    for bad in ("owner/name:notahexversion", "just-a-name", "owner/name:"):
        with pytest.raises(ConfigError):
            get_provider("video", f"replicate:{bad}", settings)


async def test_a_refused_upload_submits_nothing_and_hides_the_key(tmp_path):
    from fakes.fixtures import assert_no_secret
    from fakes.remote import json_reply

    still = write_still(tmp_path / "still.png")
    with FakeServer() as server:
        server.route("POST", "/storage/upload/initiate", lambda _s: json_reply(
            {"detail": f"Invalid key: Key {KEY}"}, 401))
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url, fal_rest_url=server.url)
        with pytest.raises(ProviderError) as info:
            await animate(settings, still, tmp_path / "clip.mp4")
    assert info.value.status == 401 and "FAL_KEY" in (info.value.hint or "")
    assert_no_secret(info.value, KEY)
    assert paths(server) == ["/storage/upload/initiate"]  # no PUT, no paid job


async def test_a_storage_reply_without_urls_is_a_provider_error(tmp_path):
    from fakes.remote import json_reply

    with FakeServer() as server:
        server.route("POST", "/storage/upload/initiate", lambda _s: json_reply({"ok": True}))
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url, fal_rest_url=server.url)
        with pytest.raises(ProviderError, match="no upload_url"):
            await animate(settings, write_still(tmp_path / "s.png"), tmp_path / "clip.mp4")
