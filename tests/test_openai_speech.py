"""OpenAI text-to-speech over httpx, with respx standing in for the API."""

from __future__ import annotations

import json
import struct
import wave

import httpx
import pytest
import respx

from film.config import Settings
from film.errors import ConfigError, InputError, ProviderError, RateLimited, Unavailable
from film.media.ffmpeg import measure_duration
from film.providers.contract import JobContext, SpeechRequest
from film.providers.registry import get_provider
from film.providers.speech import OpenAISpeechProvider, parse_wav, split_text
from film.vendors.http import RetryPolicy

KEY = "sk-test-Sup3rSecretKey0123456789"
BASE = "http://tts.test/v1"
URL = f"{BASE}/audio/speech"
ROLES = ["narrator", "Tom", "Queen Mara"]


def make_wav(seconds: float, rate: int = 24000, streamed: bool = False) -> bytes:
    """A 16-bit mono WAV of a quiet ramp; `streamed` writes OpenAI's unknown sizes."""
    frames = int(seconds * rate)
    pcm = b"".join(struct.pack("<h", (i % 200) - 100) for i in range(frames))
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    riff = 0xFFFFFFFF if streamed else 4 + 8 + len(fmt) + 8 + len(pcm)
    data = 0xFFFFFFFF if streamed else len(pcm)
    return (b"RIFF" + struct.pack("<I", riff) + b"WAVE" + b"fmt " + struct.pack("<I", len(fmt))
            + fmt + b"LIST" + struct.pack("<I", 4) + b"INFO"
            + b"data" + struct.pack("<I", data) + pcm)


def wav_reply(seconds: float = 1.5, streamed: bool = False, **headers: str) -> httpx.Response:
    return httpx.Response(200, content=make_wav(seconds, streamed=streamed),
                          headers={"content-type": "audio/wav", **headers})


@pytest.fixture
def settings(monkeypatch) -> Settings:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", BASE + "/")
    return Settings(_env_file=None)


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def ctx(settings, sleeps):
    async with httpx.AsyncClient() as client:
        yield JobContext(client=client, settings=settings,
                         retry=RetryPolicy(max_attempts=3, base_delay=0.5, sleep=sleeps))


@pytest.fixture
def provider(settings) -> OpenAISpeechProvider:
    return get_provider("speech", "openai:tts-1", settings)


def request(text: str = "Hello there, lighthouse keeper.", **kw) -> SpeechRequest:
    return SpeechRequest(text=text, roles=ROLES, shot_id="shot_001", **kw)


@respx.mock
async def test_request_as_sent_and_wav_written(provider, ctx, tmp_path):
    route = respx.post(URL).mock(return_value=wav_reply(1.5, **{"x-request-id": "req_42"}))
    out = tmp_path / "line.wav"
    result = await provider.synthesize(request(role="narrator"), out, ctx)
    sent = route.calls.last.request
    assert str(sent.url) == URL  # OPENAI_BASE_URL honoured, trailing slash handled
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert json.loads(sent.content) == {
        "model": "tts-1", "input": "Hello there, lighthouse keeper.", "voice": "fable",
        "response_format": "wav",
    }
    assert result.meta["duration"] == pytest.approx(1.5)
    assert result.meta["voice"] == "fable"
    assert result.request_id == "req_42" and result.model == "tts-1"
    with wave.open(str(out)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getnframes()) == (24000, 1, 36000)
    assert measure_duration(out) == pytest.approx(1.5, abs=0.05)


@respx.mock
async def test_streamed_wav_header_duration_from_byte_count(provider, ctx, tmp_path):
    respx.post(URL).mock(return_value=wav_reply(2.25, streamed=True))
    out = tmp_path / "s.wav"
    result = await provider.synthesize(request(), out, ctx)
    assert result.meta["duration"] == pytest.approx(2.25)
    with wave.open(str(out)) as wav:  # the header written back is correct
        assert wav.getnframes() == 54000


@respx.mock
async def test_voice_casting_and_explicit_voice(provider, ctx, tmp_path):
    route = respx.post(URL).mock(side_effect=lambda _req: wav_reply(0.5))
    await provider.synthesize(request(role="Queen Mara"), tmp_path / "a.wav", ctx)
    assert json.loads(route.calls.last.request.content)["voice"] in ("nova", "shimmer", "coral",
                                                                     "sage")
    await provider.synthesize(request(role="Tom", voice="shimmer"), tmp_path / "b.wav", ctx)
    assert json.loads(route.calls.last.request.content)["voice"] == "shimmer"
    # an eSpeak voice name from an offline voices table is ignored: casting decides
    await provider.synthesize(request(role="Tom", voice="en-us+f3"), tmp_path / "c.wav", ctx)
    assert json.loads(route.calls.last.request.content)["voice"] == "onyx"


@respx.mock
async def test_429_then_success_honours_retry_after(provider, ctx, sleeps, tmp_path):
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(429, json={"error": {"message": "Rate limit reached"}},
                       headers={"retry-after": "2"}),
        wav_reply(1.0),
    ])
    reports: list[str] = []
    ctx.report = reports.append
    result = await provider.synthesize(request(), tmp_path / "r.wav", ctx)
    assert route.call_count == 2
    assert sleeps.delays == [2.0]
    assert result.meta["duration"] == pytest.approx(1.0)
    assert reports and "retry 1" in reports[0]


@respx.mock
async def test_429_every_time_is_rate_limited(provider, ctx, sleeps, tmp_path):
    respx.post(URL).mock(return_value=httpx.Response(429, headers={"retry-after": "1"}))
    with pytest.raises(RateLimited):
        await provider.synthesize(request(), tmp_path / "r.wav", ctx)
    assert sleeps.delays == [1.0, 1.0]


@respx.mock
async def test_401_names_the_variable_and_hides_the_key(provider, ctx, tmp_path):
    body = {"error": {"message": f"Incorrect API key provided: {KEY}. See platform docs.",
                      "type": "invalid_request_error", "code": "invalid_api_key"}}
    route = respx.post(URL).mock(return_value=httpx.Response(401, json=body))
    with pytest.raises(ProviderError) as info:
        await provider.synthesize(request(), tmp_path / "x.wav", ctx)
    err = info.value
    assert err.status == 401 and route.call_count == 1  # not retried
    assert "OPENAI_API_KEY" in str(err)
    for text in (str(err), err.body, err.hint or "", repr(err.args)):
        assert KEY not in text
        assert "Sup3rSecret" not in text
    assert err.__cause__ is None and err.__suppress_context__


@respx.mock
async def test_500_after_max_attempts_is_unavailable(provider, ctx, sleeps, tmp_path):
    route = respx.post(URL).mock(return_value=httpx.Response(500, text="upstream exploded"))
    out = tmp_path / "x.wav"
    with pytest.raises(Unavailable):
        await provider.synthesize(request(), out, ctx)
    assert route.call_count == 3
    assert len(sleeps.delays) == 2
    assert not out.exists()


@pytest.mark.parametrize("content", [b"ID3\x04\x00fake mp3 bytes", b'{"ok": true}', b""])
@respx.mock
async def test_body_that_is_not_wav_is_a_provider_error(provider, ctx, tmp_path, content):
    respx.post(URL).mock(return_value=httpx.Response(200, content=content))
    with pytest.raises(ProviderError, match="WAV"):
        await provider.synthesize(request(), tmp_path / "x.wav", ctx)


@respx.mock
async def test_cost_recorded_and_estimated(provider, ctx, tmp_path):
    respx.post(URL).mock(return_value=wav_reply(1.0))
    req = request(text="  Twenty-six characters!!  ")
    result = await provider.synthesize(req, tmp_path / "c.wav", ctx)
    expected = 15.0 / 1_000_000 * len("Twenty-six characters!!")  # $15 per 1M characters
    assert result.cost_usd == pytest.approx(expected)
    assert provider.estimate_cost(req) == pytest.approx(expected)
    hd = get_provider("speech", "openai:tts-1-hd", provider.settings)
    assert hd.estimate_cost(req) == pytest.approx(2 * expected)


@respx.mock
async def test_gpt_4o_mini_tts_is_priced_per_minute_of_audio(ctx, tmp_path):
    """Billed per token, estimated by OpenAI at $0.015 a minute: the cost follows the audio's
    length, not the number of characters (the old table charged $12 per 1M characters)."""
    provider = get_provider("speech", "openai:gpt-4o-mini-tts", ctx.settings)
    respx.post(URL).mock(return_value=wav_reply(30.0))
    req = request(text="Short line.")
    result = await provider.synthesize(req, tmp_path / "m.wav", ctx)
    assert result.cost_usd == pytest.approx(0.015 * 0.5)  # 30 s of audio
    # before it is spoken: 900 characters make about a minute
    assert provider.estimate_cost(request(text="x" * 900)) == pytest.approx(0.015)
    assert provider.price_known()


@respx.mock
async def test_long_text_is_split_and_joined(provider, ctx, tmp_path):
    route = respx.post(URL).mock(side_effect=lambda _req: wav_reply(1.0))
    text = " ".join(["This sentence is exactly fifty characters long ok."] * 100)
    result = await provider.synthesize(request(text=text), tmp_path / "long.wav", ctx)
    inputs = [json.loads(c.request.content)["input"] for c in route.calls]
    assert len(inputs) == 2 and all(len(i) <= 4096 for i in inputs)
    assert " ".join(inputs) == text
    assert result.meta["duration"] == pytest.approx(2.0) and result.meta["parts"] == 2


@respx.mock
async def test_gpt_4o_mini_tts_gets_instructions(settings, ctx, tmp_path):
    route = respx.post(URL).mock(return_value=wav_reply(0.5))
    provider = get_provider("speech", "openai:gpt-4o-mini-tts", settings)
    await provider.synthesize(request(role="narrator"), tmp_path / "n.wav", ctx)
    payload = json.loads(route.calls.last.request.content)
    assert payload["model"] == "gpt-4o-mini-tts" and "narrator" in payload["instructions"]


async def test_missing_key_is_a_config_error(monkeypatch, tmp_path):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    settings = Settings(_env_file=None)
    provider = get_provider("speech", "openai", settings)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=r".*")
        with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
            await provider.synthesize(request(), tmp_path / "x.wav",
                                      JobContext(client=None, settings=settings))
        assert not route.called


async def test_empty_text_is_an_input_error(provider, ctx, tmp_path):
    with pytest.raises(InputError, match="empty"):
        await provider.synthesize(request(text="  \n "), tmp_path / "x.wav", ctx)


@respx.mock
async def test_without_a_shared_client_one_is_made(provider, settings, tmp_path):
    respx.post(URL).mock(return_value=wav_reply(0.5))
    ctx = JobContext(client=None, settings=settings)
    result = await provider.synthesize(request(), tmp_path / "x.wav", ctx)
    assert result.meta["duration"] == pytest.approx(0.5)


def test_parse_wav_and_split_text_edges():
    wav = parse_wav(make_wav(0.1, rate=8000))
    assert (wav.sample_rate, wav.channels, wav.bits) == (8000, 1, 16)
    assert parse_wav(wav.to_bytes()).pcm == wav.pcm
    with pytest.raises(ProviderError):
        parse_wav(make_wav(0.1)[:40])  # header only, no audio
    assert split_text("short") == ["short"]
    word = "x" * 30
    pieces = split_text(" ".join([word] * 10), limit=100)
    assert all(len(p) <= 100 for p in pieces) and " ".join(pieces) == " ".join([word] * 10)
    assert split_text("y" * 250, limit=100) == ["y" * 100, "y" * 100, "y" * 50]


def test_registry(settings):
    provider = get_provider("speech", "openai", settings)
    assert isinstance(provider, OpenAISpeechProvider)
    assert provider.name == "openai:tts-1" and provider.remote is True
