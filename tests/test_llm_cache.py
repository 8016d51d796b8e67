"""The LLM reply cache: disk hits are free, identical concurrent calls share one request."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import respx

from film.config import Settings
from film.errors import ProviderError
from film.scenario.cache import LLMCache, cache_key, fit_description
from film.scenario.catalogue import estimate_tokens, resolve_model
from film.scenario.contract import ScenarioRequest
from film.scenario.planner import plan_shot_list
from film.scenario.providers import OpenRouterScenarioProvider
from film.vendors.http import RetryPolicy

KEY = "sk-or-v1-CACHESECRET"
BASE = "https://openrouter.test/api/v1"
URL = f"{BASE}/chat/completions"
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def cfg(tmp_path) -> Settings:
    return Settings(_env_file=None, openrouter_api_key=KEY, openrouter_base_url=BASE,
                    film_home=tmp_path)


def req(text: str = "A fox crosses a snowy field at dawn.") -> ScenarioRequest:
    return ScenarioRequest(description=text, num_shots=2)


def reply(text: str = "A fox crosses a snowy field at dawn.") -> httpx.Response:
    data = plan_shot_list(req(text)).model_dump(mode="json", exclude={"usage", "model"})
    return httpx.Response(200, json={
        "choices": [{"message": {"content": json.dumps(data)}}],
        "usage": {"prompt_tokens": 800, "completion_tokens": 400, "cost": 0.004}})


def provider(cfg, cache) -> OpenRouterScenarioProvider:
    return OpenRouterScenarioProvider(resolve_model("claude-3-haiku"), cfg, cache=cache,
                                      retry=RetryPolicy(max_attempts=1))


def test_key_depends_on_every_part():
    base = cache_key("https://a/v1", "m", MESSAGES, {"temperature": 0.7})
    assert base == cache_key("https://a/v1/", "m", MESSAGES, {"temperature": 0.7})
    assert len(base) == 64
    assert base != cache_key("https://b/v1", "m", MESSAGES, {"temperature": 0.7})
    assert base != cache_key("https://a/v1", "n", MESSAGES, {"temperature": 0.7})
    assert base != cache_key("https://a/v1", "m", [{"role": "user", "content": "ho"}],
                             {"temperature": 0.7})
    assert base != cache_key("https://a/v1", "m", MESSAGES, {"temperature": 0.2})


async def test_get_or_call_stores_atomically_and_counts(tmp_path):
    cache = LLMCache(tmp_path / "llm-cache")
    calls = []

    async def call():
        calls.append(1)
        return {"answer": 42}

    first = await cache.get_or_call("ab" * 32, call)
    second = await cache.get_or_call("ab" * 32, call)
    assert first == ({"answer": 42}, "call") and second == ({"answer": 42}, "disk")
    assert len(calls) == 1 and cache.stats() == {"hits": 1, "misses": 1, "calls": 1}
    files = list((tmp_path / "llm-cache").rglob("*"))
    assert [f.name for f in files if f.is_file()] == ["ab" * 32 + ".json"]
    assert LLMCache(tmp_path / "llm-cache").get("ab" * 32) == {"answer": 42}


async def test_corrupt_entry_is_a_miss_and_failures_are_not_stored(tmp_path):
    cache = LLMCache(tmp_path)
    key = "cd" * 32
    cache.path_for(key).parent.mkdir(parents=True)
    cache.path_for(key).write_text("{half a file")
    assert cache.get(key) is None

    async def boom():
        raise ProviderError("nope")

    with pytest.raises(ProviderError):
        await cache.get_or_call(key, boom)
    from film.scenario import cache as cache_module

    assert cache.get(key) is None and not any(k.endswith(key) for k in cache_module._INFLIGHT)


async def test_concurrent_identical_calls_share_one(tmp_path):
    cache = LLMCache(tmp_path)
    gate = asyncio.Event()
    calls = []

    async def call():
        calls.append(1)
        await gate.wait()
        return {"v": 1}

    async def release():
        while not calls:
            await asyncio.sleep(0)
        gate.set()

    results = await asyncio.gather(cache.get_or_call("ef" * 32, call),
                                   cache.get_or_call("ef" * 32, call), release())
    assert len(calls) == 1
    assert sorted(src for _, src in results[:2]) == ["call", "inflight"]
    assert cache.stats() == {"hits": 1, "misses": 1, "calls": 1}


@respx.mock
async def test_cached_reply_is_free_and_makes_no_request(cfg, tmp_path):
    route = respx.post(URL).mock(return_value=reply())
    cache = LLMCache(tmp_path / "llm-cache")
    first = await provider(cfg, cache).generate(req())
    second = await provider(cfg, LLMCache(tmp_path / "llm-cache")).generate(req())
    assert route.call_count == 1
    assert first.cost_usd == pytest.approx(0.004) and not first.cached
    assert second.cached and second.cost_usd == 0 and second.usage.cost_source == "none"
    assert second.shot_list.model_dump(exclude={"usage"}) == \
        first.shot_list.model_dump(exclude={"usage"})
    stored = "".join(p.read_text() for p in (tmp_path / "llm-cache").rglob("*.json"))
    assert KEY not in stored and "fox" in stored
    await provider(cfg, cache).generate(req("A bear sleeps in a cave."))
    assert route.call_count == 2


@respx.mock
async def test_single_flight_two_concurrent_generations_one_request(cfg, tmp_path):
    gate = asyncio.Event()
    started = []

    async def slow(request):
        started.append(request)
        await gate.wait()
        return reply()

    route = respx.post(URL).mock(side_effect=slow)

    async def release():
        while not started:
            await asyncio.sleep(0)
        gate.set()

    cache = LLMCache(tmp_path)
    p = provider(cfg, cache)
    a, b, _ = await asyncio.gather(p.generate(req()), p.generate(req()), release())
    assert route.call_count == 1 and cache.calls == 1
    assert sorted([a.cached, b.cached]) == [False, True]
    assert a.cost_usd + b.cost_usd == pytest.approx(0.004)


@respx.mock
async def test_failed_generation_is_not_cached(cfg, tmp_path):
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(400, json={"error": {"message": "bad request"}}), reply()])
    cache = LLMCache(tmp_path)
    with pytest.raises(ProviderError):
        await provider(cfg, cache).generate(req())
    result = await provider(cfg, cache).generate(req())
    assert route.call_count == 2 and not result.cached


def test_fit_description_keeps_the_start():
    text = " ".join(f"Beat {i} happens here." for i in range(1000))
    kept, note = fit_description(text, context_tokens=4000, reserved_tokens=2000)
    assert note and "truncated" in note and "4,000" in note
    assert kept.startswith("Beat 0 happens here.") and kept.endswith(".")
    assert estimate_tokens(kept) <= 2000
    same, none = fit_description("short text", 4000, 2000)
    assert same == "short text" and none is None


def test_an_expired_reply_is_a_miss(tmp_path):
    import json
    import time

    cache = LLMCache(tmp_path, max_age_days=1)
    cache.put("ef" * 32, {"answer": 1})
    assert cache.get("ef" * 32) == {"answer": 1}
    entry = json.loads(cache.path_for("ef" * 32).read_text())
    entry["created"] = time.time() - 2 * 86_400
    cache.path_for("ef" * 32).write_text(json.dumps(entry))
    assert cache.get("ef" * 32) is None


def test_pruning_keeps_the_newest_entries(tmp_path):
    import os
    import time

    cache = LLMCache(tmp_path, max_entries=3)
    keys = [f"{n:02x}" * 32 for n in range(6)]
    now = time.time()
    for n, key in enumerate(keys):
        cache.put(key, {"n": n})
        os.utime(cache.path_for(key), (now - 100 + n, now - 100 + n))
    assert cache.prune() == 3
    assert [cache.get(k) is not None for k in keys] == [False] * 3 + [True] * 3


async def test_identical_calls_from_two_caches_on_one_folder_share_one(tmp_path):
    first, second = LLMCache(tmp_path), LLMCache(tmp_path)
    gate = asyncio.Event()
    calls = []

    async def call():
        calls.append(1)
        await gate.wait()
        return {"answer": 7}

    one = asyncio.ensure_future(first.get_or_call("aa" * 32, call))
    two = asyncio.ensure_future(second.get_or_call("aa" * 32, call))
    await asyncio.sleep(0)
    gate.set()
    assert await one == ({"answer": 7}, "call") and (await two)[1] == "inflight"
    assert calls == [1]
