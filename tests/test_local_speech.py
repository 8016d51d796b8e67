"""Speech through a local OpenAI-compatible server (a fake Kokoro-FastAPI on 127.0.0.1): the
request as the server documents it, a voice of its own per character, free, no key needed,
and a stopped server falls back to the offline voices."""

from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from film.cli import cli
from film.config import Settings, get_settings
from film.errors import ConfigError, ProviderError, Unavailable
from film.providers.contract import JobContext, SpeechRequest
from film.providers.registry import get_provider
from film.providers.voices import KOKORO_POOLS, VoicePools
from film.vendors.http import RetryPolicy
from test_openai_speech import make_wav

from fakes.remote import FakeServer, Seen, json_reply
from shotlists import make_shots

ROLES = ["narrator", "the keeper", "Queen Mara", "Tom"]


def kokoro(server: FakeServer) -> None:
    """POST /v1/audio/speech: a streamed WAV; an unknown model is a 400 (invalid_model)."""
    def speech(seen: Seen):
        body = seen.json()
        if body["model"] not in ("kokoro", "tts-1", "tts-1-hd", "gpt-4o-mini-tts"):
            return json_reply({"detail": {"error": "invalid_model",
                                          "message": f"Unsupported model: {body['model']}"}}, 400)
        return 200, {"Content-Type": "audio/wav"}, make_wav(0.5, streamed=True)

    server.route("POST", "/v1/audio/speech", speech)


def settings_for(url: str, **values) -> Settings:
    return Settings(_env_file=None, local_tts_base_url=f"{url}/v1", **values)


async def speak(settings: Settings, tmp_path, role: str, name: str = "local:kokoro",
                voice: str | None = None):
    provider = get_provider("speech", name, settings)
    request = SpeechRequest(text="The light must not go out.", role=role, roles=ROLES,
                            voice=voice, shot_id="shot_001")
    async with httpx.AsyncClient() as client:
        ctx = JobContext(client=client, settings=settings,
                         retry=RetryPolicy(max_attempts=2, sleep=_no_wait))
        return await provider.synthesize(request, tmp_path / f"{role}.wav", ctx)


async def _no_wait(_seconds: float) -> None:
    return None


async def test_each_character_gets_a_voice_of_the_servers_own(tmp_path):
    with FakeServer() as server:
        kokoro(server)
        settings = settings_for(server.url)
        results = {role: await speak(settings, tmp_path, role) for role in ROLES}
    bodies = [s.json() for s in server.seen]
    assert bodies[0] == {"model": "kokoro", "input": "The light must not go out.",
                         "voice": "af_sarah", "response_format": "wav"}  # no instructions
    voices = {role: r.meta["voice"] for role, r in results.items()}
    assert voices == {"narrator": "af_sarah", "the keeper": "am_adam",
                      "Queen Mara": "af_heart", "Tom": "bm_george"}
    assert all("Authorization" not in s.headers for s in server.seen)  # no key needed
    assert all(r.cost_usd == 0 and r.meta["duration"] == pytest.approx(0.5) for r in
               results.values())


async def test_voices_from_the_setting_and_from_the_shot_list(tmp_path):
    with FakeServer() as server:
        kokoro(server)
        settings = settings_for(server.url, local_tts_voices="male=onyx,echo; female=nova; "
                                "narrator=fable", local_tts_api_key="local-secret")
        keeper = await speak(settings, tmp_path, "the keeper")
        mixed = await speak(settings, tmp_path, "Tom", voice="af_bella+af_sky")
        espeak = await speak(settings, tmp_path, "Tom", voice="en-us+m3")  # offline's: cast
    assert keeper.meta["voice"] == "onyx" and mixed.meta["voice"] == "af_bella+af_sky"
    assert espeak.meta["voice"] == "echo"
    assert server.seen[0].headers["Authorization"] == "Bearer local-secret"


def test_voice_pools_parse_and_refuse():
    pools = VoicePools.parse("female=af_heart,bf_emma")
    assert pools.narrator == "af_heart" and pools.voice_for("the keeper", []) == "af_heart"
    with pytest.raises(ValueError):
        VoicePools.parse("villains=am_adam")
    with pytest.raises(ValueError):
        VoicePools.parse(" ; ")
    assert KOKORO_POOLS.voice_for("narrator", []) == "af_sarah"


async def test_bad_settings_and_a_stopped_server_say_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="LOCAL_TTS_VOICES"):
        await speak(settings_for("http://127.0.0.1:9", local_tts_voices="x=1"), tmp_path, "Tom")
    with pytest.raises(Unavailable) as info:
        await speak(settings_for("http://127.0.0.1:9"), tmp_path, "Tom")
    assert "kokoro-fastapi" in (info.value.hint or "")
    with FakeServer() as server:
        kokoro(server)
        with pytest.raises(ProviderError, match="Unsupported model") as info:
            await speak(settings_for(server.url), tmp_path, "Tom", name="local:piper")
    assert "local:kokoro" in (info.value.hint or "")


def project_with_lines(folder):
    folder.mkdir()
    (folder / "shots.json").write_text(
        make_shots(2, lines={0: "The keeper climbs.", 1: "Light."}).to_json())
    return folder


def test_a_film_speaks_locally_and_falls_back_when_the_server_is_down(tmp_path, monkeypatch):
    project = project_with_lines(tmp_path / "p")
    with FakeServer() as server:
        kokoro(server)
        monkeypatch.setenv("LOCAL_TTS_BASE_URL", f"{server.url}/v1")
        ok = CliRunner().invoke(cli, ["speech", "-p", str(project), "--provider", "local",
                                      "--json"])
    assert ok.exit_code == 0, ok.output
    assert len(server.seen) == 2
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["artifacts"]["audio/shot_001.wav"]["provider"] == "local:kokoro"
    assert manifest["ledger"] == []  # free
    monkeypatch.setenv("LOCAL_TTS_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens
    monkeypatch.setenv("FILM_MAX_ATTEMPTS", "1")  # no waiting between attempts
    monkeypatch.setenv("FILM_SHARED_CACHE", "0")  # else q reuses the lines p just made
    get_settings.cache_clear()
    down = CliRunner().invoke(cli, ["speech", "-p", str(project_with_lines(tmp_path / "q")),
                                    "--provider", "local", "--json"])
    assert down.exit_code == 0, down.output
    events = [json.loads(line) for line in down.stdout.splitlines()]
    fallbacks = {e["shot_id"] for e in events if e["event"] == "fallback"}
    assert fallbacks == {"shot_001", "shot_002"}  # eSpeak stood in; the film goes on
