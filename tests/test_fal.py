"""fal queue client and the fal image/video providers, against respx and a local fake server."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx
from PIL import Image

from film.errors import ConfigError, ContentRefused, ProviderError, RateLimited, Unavailable
from film.media.ffmpeg import probe
from film.providers.catalogue import find_model
from film.providers.images import FalImageProvider
from film.providers.registry import get_provider
from film.providers.video import FalVideoProvider, video_prompt
from film.vendors.fal import request_base

from fakes import fixtures
from fakes.fixtures import assert_no_secret, make_env
from fakes.remote import (
    FakeServer,
    Recorder,
    RecordingSleep,
    image_bytes,
    image_request,
    json_reply,
    make_ctx,
    make_settings,
    video_request,
)

mp4_bytes, still, out = fixtures.mp4_bytes, fixtures.still, fixtures.out  # shared fixtures

KEY = "fal-key-1234:very-secret-5678"
Q = "https://queue.fal.run"
IMG_APP = "fal-ai/flux/schnell"
REQ = f"{Q}/fal-ai/flux/requests"
VID_APP = "fal-ai/minimax/video-01/image-to-video"
VREQ = f"{Q}/fal-ai/minimax/requests"
CDN = "https://v3.fal.media/files/out"
REST = "https://rest.fal.ai"
SIGNED = "https://storage.example/upload/still?sig=abc"
STILL_URL = "https://v3.fal.media/files/still.png"


@pytest.fixture(autouse=True)
def _no_env_override(monkeypatch):
    monkeypatch.delenv("FAL_QUEUE_URL", raising=False)


@pytest.fixture
def env():
    """(recording sleep, call-order recorder, settings with a key)."""
    return make_env(fal_key=KEY)


def sequence(rec, label, responses):
    """A respx side effect that replies in turn and records each call in `rec.events`."""
    replies = iter(responses)

    def side_effect(request):
        rec.events.append((label, request.url.params.get("logs", "")))
        return next(replies)

    return side_effect


def submitted(request_id="req-1", app="fal-ai/flux"):
    base = f"{Q}/{app}/requests/{request_id}"
    return httpx.Response(200, json={
        "request_id": request_id, "status_url": base + "/status",
        "response_url": base, "cancel_url": base + "/cancel"})


def status(state, **extra):
    body = {"status": state, **extra}
    body.setdefault("queue_position" if state == "IN_QUEUE" else "logs",
                    0 if state == "IN_QUEUE" else [])
    return httpx.Response(200, json=body)


def image_result(url=f"{CDN}.png", **extra):
    return httpx.Response(200, json={
        "images": [{"url": url, "width": 320, "height": 180, "content_type": "image/png"}],
        "seed": 42, "has_nsfw_concepts": [False], **extra})


def png_response(data=None, ctype="image/png"):
    return httpx.Response(200, content=data or image_bytes(size=(320, 180)),
                          headers={"content-type": ctype})


def happy_routes(router, rec=None, request_id="req-1"):
    """Submit → COMPLETED → result → PNG; returns the routes."""
    rec = rec or Recorder()
    return (
        router.post(f"{Q}/{IMG_APP}").mock(return_value=submitted(request_id)),
        router.get(f"{REQ}/{request_id}/status").mock(
            side_effect=sequence(rec, "status", [status("COMPLETED")] * 5)),
        router.get(f"{REQ}/{request_id}").mock(return_value=image_result()),
        router.get(f"{CDN}.png").mock(return_value=png_response()),
    )


def assert_secret_free(exc: BaseException) -> None:
    assert_no_secret(exc, KEY)


async def make_image(env, out, resume_id=None, provider=None, request=None):
    sleep, rec, settings = env
    provider = provider or FalImageProvider("fal:flux-schnell", "flux-schnell", settings)
    async with httpx.AsyncClient() as client:
        ctx = make_ctx(client, settings, sleep, rec, resume_id)
        return await provider.generate(request or image_request(), out, ctx)


# ---- images -----------------------------------------------------------------------------------


async def test_image_submit_poll_result_download(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        submit = router.post(f"{Q}/{IMG_APP}").mock(return_value=submitted())
        poll = router.get(f"{REQ}/req-1/status").mock(side_effect=sequence(rec, "status", [
            status("IN_QUEUE", queue_position=2),
            status("IN_PROGRESS", logs=[{"message": "step 2/4"}]),
            status("COMPLETED", metrics={"inference_time": 0.4}),
        ]))
        result = router.get(f"{REQ}/req-1").mock(return_value=image_result())
        cdn = router.get(f"{CDN}.png").mock(return_value=png_response(
            image_bytes("JPEG", size=(336, 192)), "image/jpeg"))
        res = await make_image(env, out)

    sent = submit.calls.last.request
    assert sent.headers["authorization"] == f"Key {KEY}"
    assert json.loads(sent.content) == {
        "prompt": "A lighthouse on a cliff at dusk, waves below, cinematic, watercolor",
        "image_size": {"width": 320, "height": 180}, "seed": 42, "num_images": 1,
        "enable_safety_checker": True, "output_format": "png", "num_inference_steps": 4,
    }
    assert poll.call_count == 3 and result.call_count == 1
    assert poll.calls.last.request.headers["authorization"] == f"Key {KEY}"
    assert "authorization" not in cdn.calls.last.request.headers  # the key stays with fal
    # the id is handed over before the first status poll
    assert rec.events == [("submitted", "req-1")] + [("status", "1")] * 3
    assert sleep.delays == [0.5, 0.75]
    assert any("position 2" in r for r in rec.reports)
    with Image.open(out) as im:  # a 336x192 JPEG became a PNG of the requested size
        assert (im.format, im.size) == ("PNG", (320, 180))
    assert res.request_id == "req-1" and res.model == IMG_APP
    assert res.cost_usd == find_model("fal", "image", "flux-schnell").cost(
        width=320, height=180) == 0.003
    assert res.meta["url"] == f"{CDN}.png" and res.meta["seed"] == 42
    assert res.meta["remote_format"] == "JPEG"


async def test_resume_collects_without_submitting(env, out):
    _, rec, _ = env
    with respx.mock(assert_all_called=False) as router:
        submit, poll, result, _ = happy_routes(router, rec, request_id="req-old")
        res = await make_image(env, out, resume_id="req-old")
    assert submit.call_count == 0
    assert poll.call_count == 1 and result.call_count == 1
    assert res.request_id == "req-old"
    assert not [e for e in rec.events if e[0] == "submitted"]
    assert Image.open(out).size == (320, 180)


async def test_resume_of_unknown_request_submits_anew(env, out):
    _, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{REQ}/req-old/status").mock(
            return_value=httpx.Response(404, json={"detail": "Request not found"}))
        submit, *_ = happy_routes(router, rec, request_id="req-new")
        res = await make_image(env, out, resume_id="req-old")
    assert submit.call_count == 1 and res.request_id == "req-new"
    assert ("submitted", "req-new") in rec.events


@pytest.mark.parametrize("where", ["submit", "result"])
async def test_validation_error_is_not_retried(env, out, where):
    sleep, rec, _ = env
    error = httpx.Response(422, json={"detail": [
        {"loc": ["body", "image_size", "width"], "msg": "Input should be less than 14142",
         "type": "less_than"}]})
    with respx.mock(assert_all_called=False) as router:
        submit, _, result, _ = happy_routes(router, rec)
        (submit if where == "submit" else result).mock(return_value=error)
        with pytest.raises(ProviderError) as info:
            await make_image(env, out)
    exc = info.value
    assert type(exc) is ProviderError and exc.status == 422
    assert "image_size.width: Input should be less than 14142" in exc.message
    assert (submit if where == "submit" else result).call_count == 1
    assert sleep.delays == []
    assert (("submitted", "req-1") in rec.events) == (where == "result")
    assert not out.exists()
    assert_secret_free(exc)


async def test_429_then_success_honours_retry_after(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        submit, *_ = happy_routes(router)
        submit.mock(side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"},
                           json={"detail": f"slow down, Key {KEY}"}),
            submitted()])
        res = await make_image(env, out)
    assert submit.call_count == 2 and sleep.delays == [7.0]
    assert res.request_id == "req-1"
    [(attempt, delay, message)] = rec.retries  # reported to the user, key scrubbed
    assert (attempt, delay) == (1, 7.0) and "slow down" in message and KEY not in message


async def test_500_then_success(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        _, poll, *_ = happy_routes(router, rec)
        poll.mock(side_effect=[httpx.Response(500, text="upstream error"), status("COMPLETED")])
        await make_image(env, out)
    assert poll.call_count == 2 and len(sleep.delays) == 1
    assert Image.open(out).format == "PNG"


async def test_rate_limited_every_time_gives_up(env, out):
    with respx.mock(assert_all_called=False) as router:
        submit, *_ = happy_routes(router)
        submit.mock(return_value=httpx.Response(429, json={"detail": "rate"}))
        with pytest.raises(RateLimited):
            await make_image(env, out)
    assert submit.call_count == 3  # the policy's max_attempts


async def test_truncated_download_is_retried(env, out):
    sleep, _, _ = env
    full = image_bytes(size=(320, 180))
    short = httpx.Response(200, content=full[:20], headers={
        "content-type": "image/png", "content-length": str(len(full))})
    with respx.mock(assert_all_called=True) as router:
        *_, cdn = happy_routes(router)
        cdn.mock(side_effect=[short, png_response(full)])
        await make_image(env, out)
    assert cdn.call_count == 2 and len(sleep.delays) == 1
    assert Image.open(out).size == (320, 180)


async def test_permanently_truncated_download_is_unavailable(env, out):
    full = image_bytes(size=(320, 180))
    with respx.mock(assert_all_called=True) as router:
        *_, cdn = happy_routes(router)
        cdn.mock(side_effect=lambda _r: httpx.Response(200, content=full[:20], headers={
            "content-type": "image/png", "content-length": str(len(full))}))
        with pytest.raises(Unavailable) as info:
            await make_image(env, out)
    assert cdn.call_count == 3
    assert list(out.parent.iterdir()) == []
    assert_secret_free(info.value)


async def test_nsfw_result_is_refused(env, out):
    with respx.mock(assert_all_called=False) as router:
        _, _, result, cdn = happy_routes(router)
        result.mock(return_value=image_result(has_nsfw_concepts=[True]))
        with pytest.raises(ContentRefused) as info:
            await make_image(env, out)
    assert cdn.call_count == 0 and not out.exists()
    assert info.value.request_id == "req-1"


async def test_completed_with_moderation_error_is_refused(env, out):
    _, rec, _ = env
    with respx.mock(assert_all_called=False) as router:
        _, poll, result, _ = happy_routes(router, rec)
        poll.mock(return_value=status("COMPLETED", error="content_policy_violation: flagged",
                                      error_type="content_policy_violation"))
        with pytest.raises(ContentRefused):
            await make_image(env, out)
    assert result.call_count == 0


async def test_moderation_422_is_refused(env, out):
    with respx.mock(assert_all_called=False) as router:
        _, _, result, _ = happy_routes(router)
        result.mock(return_value=httpx.Response(422, json={"detail": [{
            "loc": ["body", "prompt"], "msg": "The prompt was flagged by the content checker",
            "type": "content_policy_violation"}]}))
        with pytest.raises(ContentRefused) as info:
            await make_image(env, out)
    assert "prompt: The prompt was flagged" in info.value.message


async def test_corrupt_image_is_a_provider_error(env, out):
    with respx.mock(assert_all_called=True) as router:
        *_, cdn = happy_routes(router)
        cdn.mock(return_value=png_response(b"\x89PNG\r\n\x1a\nthis is not an image at all"))
        with pytest.raises(ProviderError, match="cannot be decoded"):
            await make_image(env, out)
    assert not out.exists()


async def test_data_uri_result_webp_becomes_png(env, out):
    uri = "data:image/webp;base64," + base64.b64encode(
        image_bytes("WEBP", size=(320, 180))).decode()
    with respx.mock(assert_all_called=False) as router:
        _, _, result, cdn = happy_routes(router)
        result.mock(return_value=image_result(url=uri))
        res = await make_image(env, out)
    assert cdn.call_count == 0
    assert Image.open(out).format == "PNG" and res.meta["remote_format"] == "WEBP"
    assert res.meta["url"] == "data:image/webp;base64,..."


async def test_missing_key_names_the_variable(out):
    settings = make_settings(fal_key=None)
    provider = FalImageProvider("fal:flux-schnell", "flux-schnell", settings)
    with respx.mock(assert_all_called=False) as router:
        route = router.route()
        with pytest.raises(ConfigError, match="FAL_KEY"):
            async with httpx.AsyncClient() as client:
                await provider.generate(image_request(), out, make_ctx(
                    client, settings, RecordingSleep(), Recorder()))
    assert route.call_count == 0
    assert FalImageProvider.key_var == FalVideoProvider.key_var == "FAL_KEY"


async def test_key_never_appears_in_errors(env, out):
    with respx.mock(assert_all_called=False) as router:
        submit, *_ = happy_routes(router)
        submit.mock(return_value=httpx.Response(
            401, json={"detail": f"Invalid key Key {KEY}"}))
        with pytest.raises(ProviderError) as info:
            await make_image(env, out)
    assert info.value.status == 401 and "FAL_KEY" in (info.value.hint or "")
    assert "***" in info.value.message
    assert_secret_free(info.value)


async def test_polling_backs_off_and_times_out(env, out):
    sleep, rec, settings = env
    provider = FalImageProvider("fal:flux-schnell", "flux-schnell", settings)
    provider.poll_timeout = 20.0
    with respx.mock(assert_all_called=False) as router:
        _, poll, *_ = happy_routes(router, rec)
        poll.mock(return_value=status("IN_PROGRESS"))
        with pytest.raises(Unavailable) as info:
            await make_image(env, out, provider=provider)
    assert sleep.delays[:4] == [0.5, 0.75, 1.125, 1.6875]
    assert max(sleep.delays) == 5.0 and sum(sleep.delays) <= 20.0
    assert info.value.request_id == "req-1" and "Re-run" in (info.value.hint or "")


def test_models_params_costs_and_registry(env):
    _, _, settings = env
    dev = get_provider("image", "fal:flux-dev", settings)
    assert isinstance(dev, FalImageProvider) and dev.app_id == "fal-ai/flux/dev"
    assert dev.params()["num_inference_steps"] == 28
    assert get_provider("image", "fal", settings).app_id == IMG_APP
    assert FalImageProvider("fal:x", "fal-ai/flux-pro/v1.1", settings).app_id \
        == "fal-ai/flux-pro/v1.1"
    with pytest.raises(ConfigError) as info:
        FalImageProvider("fal:flux-shnell", "flux-shnell", settings)
    assert "flux-schnell" in (info.value.hint or "")
    req = image_request(1920, 1080)  # 2.07 MP, billed as 3
    assert dev.estimate_cost(req) == pytest.approx(0.075)
    assert request_base("fal-ai/flux/schnell") == "fal-ai/flux"
    assert request_base("workflows/me/flow/x") == "workflows/me/flow"


# ---- video ------------------------------------------------------------------------------------


async def make_clip(env, out, still, name="minimax", duration=1.0, resume_id=None, **kw):
    sleep, rec, settings = env
    provider = FalVideoProvider(f"fal:{name}", name, settings)
    async with httpx.AsyncClient() as client:
        ctx = make_ctx(client, settings, sleep, rec, resume_id)
        return await provider.animate(video_request(still, duration, **kw), out, ctx)


def storage_routes(router):
    """fal's storage upload: initiate (with the key), then PUT to the signed URL."""
    return (
        router.post(f"{REST}/storage/upload/initiate").mock(return_value=httpx.Response(
            200, json={"upload_url": SIGNED, "file_url": STILL_URL})),
        router.put(SIGNED).mock(return_value=httpx.Response(200)),
    )


def video_routes(router, rec, mp4, app=VID_APP, prefix=VREQ, request_id="vid-1"):
    storage_routes(router)
    return (
        router.post(f"{Q}/{app}").mock(return_value=submitted(
            request_id, app="/".join(app.split("/")[:2]))),
        router.get(f"{prefix}/{request_id}/status").mock(side_effect=sequence(
            rec, "status", [status("IN_PROGRESS"), status("COMPLETED")])),
        router.get(f"{prefix}/{request_id}").mock(return_value=httpx.Response(200, json={
            "video": {"url": f"{CDN}.mp4", "content_type": "video/mp4"}})),
        router.get(f"{CDN}.mp4").mock(return_value=httpx.Response(
            200, content=mp4, headers={"content-type": "video/mp4"})),
    )


async def test_video_minimax_end_to_end(env, tmp_path, still, mp4_bytes):
    _, rec, _ = env
    out = tmp_path / ".clip.tmp.mp4"
    with respx.mock(assert_all_called=True) as router:
        submit, *_ = video_routes(router, rec, mp4_bytes)
        res = await make_clip(env, out, still, camera_movement="push-in")
    body = json.loads(submit.calls.last.request.content)
    assert set(body) == {"prompt", "image_url"}
    assert body["prompt"].startswith("A lighthouse on a cliff at dusk")
    assert body["prompt"].endswith("Slow push-in, the camera moves toward the subject.")
    assert body["image_url"] == STILL_URL  # uploaded, not inline
    assert rec.events[0] == ("submitted", "vid-1") and rec.events[1][0] == "status"
    info = probe(out)
    assert info.video and info.video[0].width == 320
    assert res.meta["duration"] == pytest.approx(1.0, abs=0.1)
    assert res.cost_usd == 0.5  # MiniMax video-01: per clip
    assert res.request_id == "vid-1" and res.model == VID_APP


async def test_video_kling_arguments_and_cost(env, tmp_path, still, mp4_bytes):
    _, rec, _ = env
    app = "fal-ai/kling-video/v1.6/standard/image-to-video"
    with respx.mock(assert_all_called=True) as router:
        submit, *_ = video_routes(router, rec, mp4_bytes, app=app,
                                  prefix=f"{Q}/fal-ai/kling-video/requests")
        res = await make_clip(env, tmp_path / "k.mp4", still, name="kling", duration=8.0,
                              width=180, height=320, negative_prompt="blurry")
    body = json.loads(submit.calls.last.request.content)
    assert body["duration"] == "10" and "aspect_ratio" not in body  # v1.6 standard has none
    assert body["negative_prompt"] == "blurry" and body["image_url"] == STILL_URL
    assert res.cost_usd == pytest.approx(0.45)  # $0.045 per second, 10 s billed
    assert res.meta["duration"] == pytest.approx(1.0, abs=0.1)  # not trimmed, just recorded


async def test_video_resume_and_corrupt_clip(env, tmp_path, still, mp4_bytes):
    _, rec, _ = env
    out = tmp_path / "sub" / ".clip.tmp.mp4"
    out.parent.mkdir()
    with respx.mock(assert_all_called=False) as router:
        submit, _, _, cdn = video_routes(router, rec, mp4_bytes)
        cdn.mock(return_value=httpx.Response(200, content=b"\x00\x00\x00\x18ftypmp42" * 50,
                                             headers={"content-type": "video/mp4"}))
        with pytest.raises(ProviderError, match="corrupt video"):
            await make_clip(env, out, still, resume_id="vid-1")
    assert submit.call_count == 0
    assert list(out.parent.iterdir()) == []


def test_video_prompt_words():
    from fakes.remote import make_shot

    assert video_prompt(make_shot()) == "A lighthouse on a cliff at dusk, waves below"
    assert video_prompt(make_shot(camera_movement="pan-left")).endswith(
        "The camera pans slowly to the left.")


# ---- a real local server ------------------------------------------------------------------------


def fal_fake(server: FakeServer, app: str, result: dict, media: bytes, ctype: str) -> None:
    base = "/".join(app.split("/")[:2])
    polls = {"n": 0}

    def initiate(_seen):
        return json_reply({"upload_url": f"{server.url}/signed/up?sig=1",
                           "file_url": f"{server.url}/files/still.png"})

    server.route("POST", "/storage/upload/initiate", initiate)
    server.route("PUT", "/signed/up", lambda _s: (200, {}, b""))

    def submit(_seen):
        url = f"{server.url}/{base}/requests/r-77"
        return json_reply({"request_id": "r-77", "status_url": url + "/status",
                           "response_url": url, "cancel_url": url + "/cancel"})

    def poll(_seen):
        polls["n"] += 1
        if polls["n"] == 1:
            return json_reply({"status": "IN_QUEUE", "queue_position": 0})
        return json_reply({"status": "COMPLETED", "logs": [], "metrics": {}})

    server.route("POST", f"/{app}", submit)
    server.route("GET", f"/{base}/requests/r-77/status", poll)
    server.route("GET", f"/{base}/requests/r-77", lambda _s: json_reply(result))
    server.route("GET", "/files/out", lambda _s: (200, {"Content-Type": ctype}, media))


async def test_local_server_image_via_settings(env, out):
    sleep, rec, _ = env
    with FakeServer() as server:
        settings = make_settings(fal_key=KEY, fal_queue_url=server.url)
        fal_fake(server, IMG_APP, {"images": [{"url": f"{server.url}/files/out"}],
                                   "has_nsfw_concepts": [False]},
                 image_bytes(size=(320, 180)), "image/png")
        provider = FalImageProvider("fal:flux-schnell", "flux-schnell", settings)
        ctx = make_ctx(None, settings, sleep, rec)  # no shared client: the provider opens one
        res = await provider.generate(image_request(), out, ctx)
    paths = [(s.method, s.path) for s in server.seen]
    assert paths == [("POST", f"/{IMG_APP}"), ("GET", "/fal-ai/flux/requests/r-77/status"),
                     ("GET", "/fal-ai/flux/requests/r-77/status"),
                     ("GET", "/fal-ai/flux/requests/r-77"), ("GET", "/files/out")]
    assert server.seen[0].headers["Authorization"] == f"Key {KEY}"
    assert server.seen[0].json()["prompt"].startswith("A lighthouse")
    assert server.seen[1].query == "logs=1"
    assert res.request_id == "r-77" and Image.open(out).size == (320, 180)


async def test_local_server_video_via_env_override(monkeypatch, env, tmp_path, still,
                                                   mp4_bytes):
    sleep, rec, _ = env
    out = tmp_path / "clip.mp4"
    with FakeServer() as server:
        monkeypatch.setenv("FAL_QUEUE_URL", server.url + "/")
        monkeypatch.setenv("FAL_REST_URL", server.url)
        monkeypatch.setenv("FAL_KEY", KEY)
        settings = make_settings()  # both read from the environment
        fal_fake(server, VID_APP, {"video": {"url": f"{server.url}/files/out"}},
                 mp4_bytes, "video/mp4")
        async with httpx.AsyncClient() as client:
            provider = FalVideoProvider("fal:minimax", "minimax", settings)
            res = await provider.animate(video_request(still), out,
                                         make_ctx(client, settings, sleep, rec))
    paths = [s.path for s in server.seen]
    assert paths[:3] == ["/storage/upload/initiate", "/signed/up", f"/{VID_APP}"]
    assert server.seen[1].body == still.read_bytes()
    assert "Authorization" not in server.seen[1].headers  # the signed URL needs no key
    assert server.seen[2].json()["image_url"] == f"{server.url}/files/still.png"
    assert probe(out).video and res.meta["duration"] == pytest.approx(1.0, abs=0.1)
