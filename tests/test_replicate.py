"""Replicate predictions client and the Replicate image/video providers (respx + a local fake)."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
import respx
from PIL import Image

from film.errors import ConfigError, ContentRefused, ProviderError, Unavailable
from film.media.ffmpeg import probe
from film.providers.images import ReplicateImageProvider
from film.providers.inputs import nearest_aspect
from film.providers.registry import get_provider
from film.providers.video import ReplicateVideoProvider
from film.vendors.replicate import CREATE_WAIT_SECONDS, SYNC_WAIT_TIMEOUT, ReplicateAPI, output_urls
from film.vendors.retry import RetryPolicy

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

TOKEN = "r8_SuperSecretToken0123456789"
R = "https://api.replicate.com"
FLUX = "black-forest-labs/flux-schnell"
CREATE = f"{R}/v1/models/{FLUX}/predictions"
GET = f"{R}/v1/predictions"
DELIVERY = "https://replicate.delivery/xezq/abc/out-0"


@pytest.fixture
def env():
    """(recording sleep, call-order recorder, settings with a token)."""
    return make_env(replicate_api_token=TOKEN)


def prediction(pid="p1", status="starting", output=None, error=None, model=FLUX):
    return {"id": pid, "model": model, "version": "v123", "status": status,
            "input": {}, "output": output, "error": error, "logs": "",
            "urls": {"get": f"{GET}/{pid}", "cancel": f"{GET}/{pid}/cancel"}}


def reply(pid="p1", status="starting", output=None, error=None, code=201, **kw):
    return httpx.Response(code, json=prediction(pid, status, output, error, **kw))


def sequence(rec, label, responses):
    replies = iter(responses)

    def side_effect(_request):
        rec.events.append((label, ""))
        return next(replies)

    return side_effect


def happy_routes(router, rec=None, pid="p1", url=f"{DELIVERY}.png"):
    """Create (starting) → processing → succeeded → PNG; returns the routes."""
    rec = rec or Recorder()
    return (
        router.post(CREATE).mock(return_value=reply(pid)),
        router.get(f"{GET}/{pid}").mock(side_effect=sequence(rec, "get", [
            reply(pid, "processing", code=200),
            reply(pid, "succeeded", [url], code=200)])),
        router.get(url).mock(return_value=httpx.Response(
            200, content=image_bytes(size=(320, 180)), headers={"content-type": "image/png"})),
    )


def assert_secret_free(exc: BaseException) -> None:
    assert_no_secret(exc, TOKEN)


async def make_image(env, out, resume_id=None, model=FLUX, request=None):
    sleep, rec, settings = env
    provider = ReplicateImageProvider(f"replicate:{model}", model, settings)
    async with httpx.AsyncClient() as client:
        ctx = make_ctx(client, settings, sleep, rec, resume_id)
        return await provider.generate(request or image_request(), out, ctx)


# ---- images -----------------------------------------------------------------------------------


async def test_image_create_poll_download(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        create, poll, cdn = happy_routes(router, rec)
        res = await make_image(env, out)
    sent = create.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["prefer"] == "wait=5"
    assert json.loads(sent.content) == {"input": {
        "prompt": "A lighthouse on a cliff at dusk, waves below, cinematic, watercolor",
        "aspect_ratio": "16:9", "output_format": "png", "num_outputs": 1, "seed": 42}}
    assert poll.call_count == 2
    assert poll.calls.last.request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "authorization" not in cdn.calls.last.request.headers
    assert rec.events == [("submitted", "p1"), ("get", ""), ("get", "")]
    assert sleep.delays == [0.5, 0.75]
    with Image.open(out) as im:
        assert (im.format, im.size) == ("PNG", (320, 180))
    assert res.request_id == "p1" and res.model == FLUX
    assert res.cost_usd == 0.003  # $3 per 1000 images
    assert res.meta["url"] == f"{DELIVERY}.png" and res.meta["version"] == "v123"


async def test_finished_within_prefer_wait_needs_no_poll(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=False) as router:
        create, poll, _ = happy_routes(router, rec)
        create.mock(return_value=reply("p1", "succeeded", [f"{DELIVERY}.png"]))
        res = await make_image(env, out)
    assert poll.call_count == 0 and sleep.delays == [] and res.request_id == "p1"
    assert rec.events == [("submitted", "p1")]


async def test_short_create_wait_hands_the_id_over_before_polling():
    """A still-starting prediction's id reaches on_submitted before the first GET poll."""
    sleep, rec = RecordingSleep(), Recorder()
    assert CREATE_WAIT_SECONDS == 5 and SYNC_WAIT_TIMEOUT.read < 60
    with respx.mock(assert_all_called=True) as router:
        def create(request):
            rec.events.append(("post", request.headers["prefer"]))
            return reply("p9", "starting")

        router.post(CREATE).mock(side_effect=create)
        poll = router.get(f"{GET}/p9").mock(side_effect=sequence(rec, "get", [
            reply("p9", "starting", code=200), reply("p9", "processing", code=200),
            reply("p9", "succeeded", [f"{DELIVERY}.png"], code=200)]))
        async with httpx.AsyncClient() as client:
            api = ReplicateAPI(client, TOKEN, policy=RetryPolicy(sleep=sleep))
            done = await api.run(FLUX, {"prompt": "x"}, on_submitted=rec.submitted)
    assert rec.events == [("post", "wait=5"), ("submitted", "p9"),
                          ("get", ""), ("get", ""), ("get", "")]
    assert poll.call_count == 3 and done["status"] == "succeeded"
    assert sleep.delays == [0.5, 0.75, 1.125]


async def test_resume_collects_without_creating(env, out):
    _, rec, _ = env
    with respx.mock(assert_all_called=False) as router:
        create, poll, _ = happy_routes(router, rec, pid="p-old")
        poll.mock(return_value=reply("p-old", "succeeded", [f"{DELIVERY}.png"], code=200))
        res = await make_image(env, out, resume_id="p-old")
    assert create.call_count == 0 and poll.call_count == 1
    assert res.request_id == "p-old" and rec.events == []
    assert Image.open(out).size == (320, 180)


@pytest.mark.parametrize("earlier", ["404", "canceled"])
async def test_resume_of_gone_prediction_creates_anew(env, out, earlier):
    _, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GET}/p-old").mock(return_value=(
            httpx.Response(404, json={"title": "Not found", "detail": "Not found."})
            if earlier == "404" else reply("p-old", "canceled", code=200)))
        create, *_ = happy_routes(router, rec, pid="p-new")
        res = await make_image(env, out, resume_id="p-old")
    assert create.call_count == 1 and res.request_id == "p-new"
    assert rec.events[0] == ("submitted", "p-new")


async def test_validation_error_is_not_retried(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=False) as router:
        create, *_ = happy_routes(router, rec)
        create.mock(return_value=httpx.Response(422, json={
            "title": "Input validation failed", "status": 422,
            "detail": "- input.aspect_ratio: aspect_ratio must be one of the following",
            "invalid_fields": [{"type": "enum", "field": "input.aspect_ratio",
                                "description": "aspect_ratio must be one of the following"}]}))
        with pytest.raises(ProviderError) as info:
            await make_image(env, out)
    exc = info.value
    assert type(exc) is ProviderError and exc.status == 422
    assert "input.aspect_ratio: aspect_ratio must be one of" in exc.message
    assert create.call_count == 1 and sleep.delays == [] and rec.events == []
    assert_secret_free(exc)


async def test_429_then_success_honours_retry_after(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        create, *_ = happy_routes(router)
        create.mock(side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}, json={
                "title": "Request was throttled", "detail": f"retry in 3s ({TOKEN})"}),
            reply("p1")])
        await make_image(env, out)
    assert create.call_count == 2 and sleep.delays[0] == 3.0
    [(_, delay, message)] = rec.retries
    assert delay == 3.0 and "retry in 3s" in message and TOKEN not in message


async def test_500_then_success(env, out):
    sleep, rec, _ = env
    with respx.mock(assert_all_called=True) as router:
        _, poll, _ = happy_routes(router, rec)
        poll.mock(side_effect=[httpx.Response(500, text="Internal Server Error"),
                               reply("p1", "succeeded", [f"{DELIVERY}.png"], code=200)])
        await make_image(env, out)
    assert poll.call_count == 2
    assert sleep.delays[0] == 0.5 and len(sleep.delays) == 2  # one poll wait, one retry


async def test_truncated_download_is_retried_then_unavailable(env, out):
    full = image_bytes(size=(320, 180))

    def short(_request):
        return httpx.Response(200, content=full[:30], headers={
            "content-type": "image/png", "content-length": str(len(full))})

    with respx.mock(assert_all_called=True) as router:
        *_, cdn = happy_routes(router)
        cdn.mock(side_effect=[short(None), httpx.Response(
            200, content=full, headers={"content-type": "image/png"})])
        await make_image(env, out)
    assert cdn.call_count == 2 and Image.open(out).size == (320, 180)
    out.unlink()
    with respx.mock(assert_all_called=True) as router:
        *_, cdn = happy_routes(router)
        cdn.mock(side_effect=short)
        with pytest.raises(Unavailable):
            await make_image(env, out)
    assert cdn.call_count == 3 and list(out.parent.iterdir()) == []


@pytest.mark.parametrize(("error", "cls"), [
    ("NSFW content detected. Try running it again, or try a different prompt.",
     ContentRefused),
    ("CUDA out of memory", ProviderError),
])
async def test_failed_prediction(env, out, error, cls):
    with respx.mock(assert_all_called=False) as router:
        _, poll, cdn = happy_routes(router)
        poll.mock(return_value=reply("p1", "failed", error=error, code=200))
        with pytest.raises(ProviderError) as info:
            await make_image(env, out)
    assert type(info.value) is cls and info.value.request_id == "p1"
    assert error in info.value.message and cdn.call_count == 0


async def test_corrupt_image_is_a_provider_error(env, out):
    with respx.mock(assert_all_called=True) as router:
        *_, cdn = happy_routes(router)
        cdn.mock(return_value=httpx.Response(200, content=b"GIF89a-broken-broken",
                                             headers={"content-type": "image/gif"}))
        with pytest.raises(ProviderError, match="cannot be decoded"):
            await make_image(env, out)
    assert not out.exists()


async def test_data_uri_output_jpeg_becomes_png(env, out):
    uri = "data:image/jpeg;base64," + base64.b64encode(
        image_bytes("JPEG", size=(320, 180))).decode()
    with respx.mock(assert_all_called=False) as router:
        create, _, cdn = happy_routes(router)
        create.mock(return_value=reply("p1", "succeeded", uri))
        res = await make_image(env, out)
    assert cdn.call_count == 0 and Image.open(out).format == "PNG"
    assert res.meta["remote_format"] == "JPEG"


async def test_missing_token_names_the_variable(out):
    settings = make_settings(replicate_api_token=None)
    provider = ReplicateImageProvider(f"replicate:{FLUX}", FLUX, settings)
    with respx.mock(assert_all_called=False) as router:
        route = router.route()
        with pytest.raises(ConfigError, match="REPLICATE_API_TOKEN"):
            await provider.generate(image_request(), out, make_ctx(
                None, settings, RecordingSleep(), Recorder()))
    assert route.call_count == 0
    assert ReplicateVideoProvider.key_var == "REPLICATE_API_TOKEN"


async def test_token_never_appears_in_errors(env, out):
    with respx.mock(assert_all_called=False) as router:
        create, *_ = happy_routes(router)
        create.mock(return_value=httpx.Response(401, json={
            "title": "Unauthenticated", "detail": f"Invalid token Bearer {TOKEN}"}))
        with pytest.raises(ProviderError) as info:
            await make_image(env, out)
    assert info.value.status == 401 and "REPLICATE_API_TOKEN" in (info.value.hint or "")
    assert "***" in info.value.message
    assert_secret_free(info.value)


async def test_poll_timeout_keeps_the_id(env, out):
    sleep, _, settings = env
    provider = ReplicateImageProvider(f"replicate:{FLUX}", FLUX, settings)
    provider.poll_timeout = 10.0
    with respx.mock(assert_all_called=False) as router:
        _, poll, _ = happy_routes(router)
        poll.mock(return_value=reply("p1", "processing", code=200))
        with pytest.raises(Unavailable) as info:
            async with httpx.AsyncClient() as client:
                await provider.generate(image_request(), out,
                                        make_ctx(client, settings, sleep, Recorder()))
    assert info.value.request_id == "p1" and sum(sleep.delays) <= 10.0
    assert sleep.delays[-1] <= 5.0


def test_models_aspects_outputs_and_registry(env):
    _, _, settings = env
    default = get_provider("image", "replicate", settings)
    assert isinstance(default, ReplicateImageProvider) and default.model == FLUX
    assert default.estimate_cost(image_request()) == 0.003
    with pytest.raises(ConfigError, match="owner/name"):
        ReplicateImageProvider("replicate:flux", "flux", settings)
    aspects = default.catalogue_model.aspect_ratios
    assert nearest_aspect(1920, 1080, aspects) == "16:9"
    assert nearest_aspect(1080, 1920, aspects) == "9:16"
    assert nearest_aspect(1024, 1024, aspects) == "1:1"
    assert nearest_aspect(2560, 1080, aspects) == "21:9"
    assert output_urls("https://x/a.mp4") == ["https://x/a.mp4"]
    assert output_urls(["https://x/a.png", None, "data:image/png;base64,AA"]) == [
        "https://x/a.png", "data:image/png;base64,AA"]
    assert output_urls(None) == [] and output_urls({"video": "https://x/v"}) == ["https://x/v"]
    video = get_provider("video", "replicate", settings)
    assert video.image_field == "first_frame_image"
    assert ReplicateVideoProvider("replicate:a/b", "a/b", settings).image_field == "image"


# ---- video ------------------------------------------------------------------------------------


async def test_video_minimax_end_to_end(env, tmp_path, still, mp4_bytes):
    _, rec, settings = env
    model = "minimax/video-01"
    out = tmp_path / ".clip.tmp.mp4"
    with respx.mock(assert_all_called=True) as router:
        create = router.post(f"{R}/v1/models/{model}/predictions").mock(
            return_value=reply("v1", model=model))
        router.get(f"{GET}/v1").mock(side_effect=sequence(rec, "get", [
            reply("v1", "succeeded", f"{DELIVERY}.mp4", code=200, model=model)]))
        router.get(f"{DELIVERY}.mp4").mock(return_value=httpx.Response(
            200, content=mp4_bytes, headers={"content-type": "video/mp4"}))
        provider = get_provider("video", "replicate", settings)
        async with httpx.AsyncClient() as client:
            res = await provider.animate(
                video_request(still, 6.0, camera_movement="tilt-up"), out,
                make_ctx(client, settings, RecordingSleep(), rec))
    body = json.loads(create.calls.last.request.content)["input"]
    assert set(body) == {"prompt", "first_frame_image"}
    assert body["prompt"].endswith("The camera tilts slowly up.")
    assert base64.b64decode(body["first_frame_image"].partition(",")[2]) == still.read_bytes()
    assert rec.events == [("submitted", "v1"), ("get", "")]
    assert probe(out).video
    assert res.meta["duration"] == pytest.approx(1.0, abs=0.1)  # shorter than 6 s: kept
    assert res.cost_usd == 0.5  # per clip
    assert res.request_id == "v1" and res.model == model


async def test_video_corrupt_clip(env, tmp_path, still):
    _, rec, settings = env
    model = "minimax/video-01"
    out = tmp_path / "sub" / "clip.mp4"
    out.parent.mkdir()
    with respx.mock(assert_all_called=True) as router:
        router.post(f"{R}/v1/models/{model}/predictions").mock(
            return_value=reply("v1", "succeeded", f"{DELIVERY}.mp4", model=model))
        router.get(f"{DELIVERY}.mp4").mock(return_value=httpx.Response(
            200, content=b"not an mp4 at all" * 20, headers={"content-type": "video/mp4"}))
        provider = ReplicateVideoProvider(f"replicate:{model}", model, settings)
        with pytest.raises(ProviderError, match="corrupt video") as info:
            await provider.animate(video_request(still), out,
                                   make_ctx(None, settings, RecordingSleep(), rec))
    assert list(out.parent.iterdir()) == []
    assert_secret_free(info.value)


# ---- a real local server ------------------------------------------------------------------------


def replicate_fake(server: FakeServer, model: str, output_path: str, media: bytes,
                   ctype: str) -> None:
    def create(seen):
        data = prediction("loc-1", "processing", model=model)
        data["input"] = seen.json()["input"]
        return json_reply(data, 201)

    def get(_seen):
        return json_reply(prediction("loc-1", "succeeded", f"{server.url}{output_path}",
                                     model=model))

    server.route("POST", f"/v1/models/{model}/predictions", create)
    server.route("GET", "/v1/predictions/loc-1", get)
    server.route("GET", output_path, lambda _s: (200, {"Content-Type": ctype}, media))


async def test_local_server_image_via_base_url(env, out):
    sleep, rec, _ = env
    with FakeServer() as server:
        settings = make_settings(replicate_api_token=TOKEN, replicate_base_url=server.url)
        replicate_fake(server, FLUX, "/files/out.png", image_bytes(size=(320, 180)),
                       "image/png")
        provider = ReplicateImageProvider(f"replicate:{FLUX}", FLUX, settings)
        res = await provider.generate(image_request(), out,
                                      make_ctx(None, settings, sleep, rec))
    assert [(s.method, s.path) for s in server.seen] == [
        ("POST", f"/v1/models/{FLUX}/predictions"), ("GET", "/v1/predictions/loc-1"),
        ("GET", "/files/out.png")]
    first = server.seen[0]
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert first.headers["Prefer"] == "wait=5"
    assert "Authorization" not in server.seen[2].headers
    assert res.request_id == "loc-1" and Image.open(out).size == (320, 180)


async def test_local_server_video_via_base_url(env, tmp_path, still, mp4_bytes):
    sleep, rec, _ = env
    model = "minimax/video-01"
    out = tmp_path / "clip.mp4"
    with FakeServer() as server:
        settings = make_settings(replicate_api_token=TOKEN, replicate_base_url=server.url)
        replicate_fake(server, model, "/files/out.mp4", mp4_bytes, "video/mp4")
        provider = ReplicateVideoProvider(f"replicate:{model}", model, settings)
        async with httpx.AsyncClient() as client:
            res = await provider.animate(video_request(still), out,
                                         make_ctx(client, settings, sleep, rec))
    assert server.seen[0].json()["input"]["first_frame_image"].startswith("data:image/png")
    assert probe(out).video and res.meta["duration"] == pytest.approx(1.0, abs=0.1)
    assert rec.events == [("submitted", "loc-1")]
