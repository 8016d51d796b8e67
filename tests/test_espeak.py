"""Offline speech: eSpeak NG through ctypes, and voice casting."""

from __future__ import annotations

import array
import asyncio
import math
import operator
import wave
from pathlib import Path

import pytest

from film.config import Settings
from film.errors import InputError
from film.media.ffmpeg import measure_duration, probe
from film.offline.espeak import EspeakSpeechProvider, engine_info, parse_voice
from film.providers.contract import JobContext, SpeechRequest
from film.providers.registry import get_provider
from film.providers.voices import ESPEAK_NARRATOR, cast_voices, guess_gender, openai_voice_for

LINE = "The old lighthouse keeper watched the storm roll in tonight."  # 10 words
ROLES = ["narrator", "Tom", "Queen Mara", "Little Girl", "old fisherman"]


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None)


@pytest.fixture
def provider(settings: Settings) -> EspeakSpeechProvider:
    return get_provider("speech", "offline", settings)


@pytest.fixture
def ctx(settings: Settings) -> JobContext:
    return JobContext(client=None, settings=settings)


def read_samples(path: Path) -> tuple[array.array, int]:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        samples = array.array("h", wav.readframes(wav.getnframes()))
        return samples, wav.getframerate()


def rms(samples: array.array) -> float:
    return math.sqrt(sum(v * v for v in samples) / max(1, len(samples)))


def median_f0(path: Path) -> float:
    """Median fundamental frequency of the loud frames, by windowed autocorrelation."""
    samples, rate = read_samples(path)
    x = [(samples[i] + samples[i + 1]) / 2 for i in range(0, len(samples) - 1, 2)]
    rate //= 2
    window, lo, hi = 400, rate // 400, rate // 60
    frames = [x[i:i + window + hi] for i in range(0, len(x) - window - hi, window)]
    frames.sort(key=lambda f: -sum(v * v for v in f[:window]))
    estimates = []
    for frame in frames[: max(8, len(frames) // 3)]:
        head = frame[:window]
        energy = sum(v * v for v in head)
        scores = [(sum(map(operator.mul, head, frame[k:k + window])), k) for k in range(lo, hi)]
        score, lag = max(scores)
        if energy and score > 0.3 * energy:
            estimates.append(rate / lag)
    assert len(estimates) >= 5, "too few voiced frames to estimate a pitch"
    estimates.sort()
    return estimates[len(estimates) // 2]


async def say(provider, ctx, out: Path, text: str = LINE, **kw):
    return await provider.synthesize(SpeechRequest(text=text, roles=ROLES, **kw), out, ctx)


async def test_ten_word_line_is_audible_speech_of_plausible_length(provider, ctx, tmp_path):
    out = tmp_path / "line.wav"
    result = await say(provider, ctx, out)
    samples, rate = read_samples(out)
    assert rate == 22050
    assert rms(samples) > 800  # speech, not silence (eSpeak lines measure ~3000)
    assert 1.5 <= result.meta["duration"] <= 6.0
    assert result.meta["duration"] == pytest.approx(len(samples) / rate, abs=0.001)
    assert measure_duration(out) == pytest.approx(result.meta["duration"], abs=0.05)
    assert probe(out).audio[0].sample_rate == 22050
    assert result.meta["voice"] == ESPEAK_NARRATOR.voice
    assert result.meta["pitch"] == ESPEAK_NARRATOR.pitch
    assert result.cost_usd == 0.0 and provider.remote is False
    # light trim: about 0.1 s of padding, not the engine's long leading silence
    first_loud = next(i for i, v in enumerate(samples) if abs(v) > 200)
    assert 0.09 <= first_loud / rate <= 0.2


async def test_narrator_and_female_character_sound_different(provider, ctx, tmp_path):
    narrator, queen = tmp_path / "n.wav", tmp_path / "q.wav"
    await say(provider, ctx, narrator, role="narrator")
    result = await say(provider, ctx, queen, role="Queen Mara")
    assert result.meta["gender"] == "female" and "+f" in result.meta["voice"]
    low, high = median_f0(narrator), median_f0(queen)
    assert 60 < low < 140
    assert 160 < high < 350
    assert high / low > 1.5


def test_casting_is_deterministic_and_distinct():
    first = cast_voices(ROLES)
    assert first == cast_voices(list(ROLES))
    assert set(first) == set(ROLES)
    voices = [(s.voice, s.pitch) for s in first.values()]
    assert len(set(voices)) == len(voices)
    narrator = first["narrator"]
    adults = [first[r] for r in ("Tom", "Queen Mara")]
    assert narrator.rate < min(s.rate for s in adults)  # calm
    assert narrator.pitch < min(s.pitch for s in adults)  # lower
    assert narrator.voice not in {s.voice for r, s in first.items() if r != "narrator"}
    assert first["Queen Mara"].gender == "female" and first["Little Girl"].gender == "female"
    assert first["Tom"].gender == "male"
    assert first["Little Girl"].pitch > first["Queen Mara"].pitch  # a child speaks higher
    # adding a role later keeps everyone else's voice; case and spacing don't matter
    more = cast_voices([*ROLES, "The Stranger"])
    assert all(more[r] == first[r] for r in ROLES)
    assert cast_voices(["queen  mara"])["queen  mara"] == cast_voices(["Queen Mara"])["Queen Mara"]
    # the narrator is always there, even when nobody narrates
    assert cast_voices(["Tom"])["narrator"] == ESPEAK_NARRATOR


def test_many_characters_still_get_distinct_voices():
    roles = [f"Soldier {i}" for i in range(14)]
    specs = cast_voices(roles)
    assert len({(specs[r].voice, specs[r].pitch) for r in roles}) == 14


def test_gender_and_openai_casting():
    assert guess_gender("the mother") == "female"
    assert guess_gender("She-Wolf") == "female"
    assert guess_gender("Captain Reyes") == "male"
    assert openai_voice_for("narrator", ROLES) in ("fable", "onyx")
    assert openai_voice_for("Queen Mara", ROLES) in ("nova", "shimmer", "coral", "sage")
    assert openai_voice_for("Tom", ROLES) != openai_voice_for("old fisherman", ROLES)
    assert openai_voice_for("Tom", ROLES) == openai_voice_for("Tom", list(ROLES))


async def test_same_text_twice_gives_identical_bytes(provider, ctx, tmp_path):
    assert engine_info()["deterministic"] is True
    a, b, other = tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "other.wav"
    await say(provider, ctx, a, role="Tom")
    await say(provider, ctx, other, text="Something else, loud and fast!", role="Little Girl")
    await say(provider, ctx, b, role="Tom")
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != other.read_bytes()


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
async def test_empty_text_is_an_input_error(provider, ctx, tmp_path, text):
    with pytest.raises(InputError, match="empty"):
        await say(provider, ctx, tmp_path / "x.wav", text=text, shot_id="shot_001")


async def test_utf8_text_with_accents(provider, ctx, tmp_path):
    out = tmp_path / "utf8.wav"
    result = await say(provider, ctx, out, text="Café au lait, naïve Zoë — señor Müller’s piñata!")
    samples, _ = read_samples(out)
    assert rms(samples) > 800
    assert 1.0 <= result.meta["duration"] <= 7.0


async def test_concurrent_calls_do_not_mix_up(provider, ctx, tmp_path):
    roles = ["narrator", "Tom", "Queen Mara"]
    outs = [tmp_path / f"c{i}.wav" for i in range(3)]
    results = await asyncio.gather(*(
        say(provider, ctx, out, text=f"Line number {i} is spoken by {role}.", role=role)
        for i, (out, role) in enumerate(zip(outs, roles, strict=True))
    ))
    assert [r.meta["voice"] for r in results] == [cast_voices(ROLES)[r].voice for r in roles]
    for i, (out, role) in enumerate(zip(outs, roles, strict=True)):
        again = tmp_path / f"s{i}.wav"
        await say(provider, ctx, again, text=f"Line number {i} is spoken by {role}.", role=role)
        assert out.read_bytes() == again.read_bytes()  # same as when spoken alone


async def test_explicit_voice_wins(provider, ctx, tmp_path):
    result = await say(provider, ctx, tmp_path / "v.wav", role="Tom", voice="en-us+f2")
    assert result.meta["voice"] == "en-us+f2" and result.meta["gender"] == "female"
    # an OpenAI voice name (from a voices table written for OpenAI) maps to a similar voice
    nova = await say(provider, ctx, tmp_path / "nova.wav", role="Tom", voice="nova")
    assert nova.meta["gender"] == "female"
    assert parse_voice("fable") == ESPEAK_NARRATOR


@pytest.mark.parametrize("voice", ["en-us+nosuchvariant", "xx-nowhere", "rm -rf /"])
async def test_unknown_voice_is_an_input_error(provider, ctx, tmp_path, voice):
    with pytest.raises(InputError):
        await say(provider, ctx, tmp_path / "bad.wav", voice=voice)
    # the engine still works afterwards
    result = await say(provider, ctx, tmp_path / "ok.wav", text="Still fine.")
    assert result.meta["duration"] > 0.5


def test_registry_and_fingerprint(settings):
    provider = get_provider("speech", "offline", settings)
    assert isinstance(provider, EspeakSpeechProvider)
    assert provider.name == "offline" and provider.model == "espeak-ng"
    assert provider.fingerprint()["params"]["engine"] == "espeak-ng"
    assert provider.estimate_cost(SpeechRequest(text=LINE)) == 0.0
