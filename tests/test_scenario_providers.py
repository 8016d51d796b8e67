"""OpenRouter and local LLM scenario providers against respx mocks (no network)."""

from __future__ import annotations

import json
import random

import httpx
import pytest
import respx

from film.config import Settings
from film.errors import ConfigError, ProviderError
from film.scenario.catalogue import ResolvedModel, cost_from_usage, resolve_model
from film.scenario.contract import ScenarioRequest
from film.scenario.planner import plan_shot_list
from film.scenario.prompt import SYSTEM_PROMPT, response_schema
from film.scenario.providers import (
    LocalLLMScenarioProvider,
    OfflineScenarioProvider,
    OpenRouterScenarioProvider,
    get_scenario_provider,
)
from film.vendors.http import RetryPolicy

KEY = "sk-or-v1-TESTSECRET0123456789"
BASE = "https://openrouter.test/api/v1"
URL = f"{BASE}/chat/completions"
LOCAL = "http://127.0.0.1:11434/v1"
DESCRIPTION = "A detective enters his dimly lit office on a rainy night. He finds a letter."


class Sleeps(list):
    """A RetryPolicy.sleep that records delays instead of waiting."""

    async def __call__(self, delay: float) -> None:
        self.append(delay)


@pytest.fixture
def cfg(tmp_path) -> Settings:
    return Settings(_env_file=None, openrouter_api_key=KEY, openrouter_base_url=BASE,
                    openrouter_app_url="https://example.test/film",
                    openrouter_app_title="film-tests", local_llm_base_url=LOCAL,
                    film_home=tmp_path)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def policy(sleeps) -> RetryPolicy:
    return RetryPolicy(max_attempts=3, sleep=sleeps, rng=random.Random(1))


def request(n: int = 3, **kw) -> ScenarioRequest:
    return ScenarioRequest(description=DESCRIPTION, num_shots=n, style="film noir", **kw)


def valid_json(n: int = 3, drop: tuple[str, ...] = ("usage", "model")) -> dict:
    data = plan_shot_list(request(n)).model_dump(mode="json", exclude=set(drop))
    return data


def completion(content: str, usage: dict | None = None, model: str = "x/y") -> httpx.Response:
    body = {"id": "gen-1", "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}]}
    if usage is not None:
        body["usage"] = usage
    return httpx.Response(200, json=body)


def sent(route, i: int = -1) -> dict:
    return json.loads(route.calls[i].request.content)


async def make(cfg, model="claude-sonnet-4.6", policy=None, **kw) -> OpenRouterScenarioProvider:
    return OpenRouterScenarioProvider(resolve_model(model), cfg, retry=policy, **kw)


@respx.mock
async def test_openrouter_request_as_sent_and_provider_cost(cfg, policy):
    usage = {"prompt_tokens": 1200, "completion_tokens": 900, "total_tokens": 2100,
             "cost": 0.0171}
    route = respx.post(URL).mock(return_value=completion(json.dumps(valid_json()), usage))
    provider = await make(cfg, policy=policy)
    result = await provider.generate(request())
    await provider.aclose()

    req = route.calls[0].request
    assert str(req.url) == URL
    assert req.headers["authorization"] == f"Bearer {KEY}"
    assert req.headers["http-referer"] == "https://example.test/film"
    assert req.headers["x-openrouter-title"] == "film-tests"  # the title header's current name
    assert "x-title" not in req.headers
    body = sent(route)
    assert body["model"] == "anthropic/claude-sonnet-4.6"
    # only providers that honour the schema may answer; usage comes back without asking
    assert body["provider"] == {"require_parameters": True}
    assert "usage" not in body
    assert body["temperature"] == 0.7
    fmt = body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "shot_list" and fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"] == response_schema()
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert body["messages"][0]["content"] == SYSTEM_PROMPT
    user = body["messages"][1]["content"]
    assert DESCRIPTION in user and "exactly 3" in user and "film noir" in user
    assert "16:9" in user and "enhanced_prompt" in user and "usage" not in user

    assert len(result.shots) == 3 and result.model == "anthropic/claude-sonnet-4.6"
    assert result.usage.prompt_tokens == 1200 and result.usage.completion_tokens == 900
    assert result.cost_usd == pytest.approx(0.0171)
    assert result.usage.cost_source == "provider"
    assert result.shot_list.usage.cost_usd == pytest.approx(0.0171)
    assert not result.repaired and not result.cached


def test_strict_schema_shape():
    schema = response_schema()

    def check(node):
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert set(node["required"]) == set(node["properties"])
                for value in node["properties"].values():
                    check(value)
            for key in ("default", "minLength", "maxLength", "pattern", "$ref", "title"):
                assert key not in node
            for name, value in node.items():
                if name != "properties":
                    check(value)
        elif isinstance(node, list):
            for value in node:
                check(value)

    check(schema)
    shot = schema["properties"]["shots"]["items"]["properties"]
    assert "usage" not in schema["properties"] and "model" not in schema["properties"]
    assert "wide" in shot["shot_type"]["enum"]


@respx.mock
async def test_json_object_model_and_price_table_cost(cfg, policy):
    usage = {"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000}
    fenced = "```json\n" + json.dumps(valid_json()) + "\n```"
    route = respx.post(URL).mock(return_value=completion(fenced, usage))
    resolved = ResolvedModel("openrouter", "some/json-model", None, 0.25, 1.25, "json_object")
    provider = OpenRouterScenarioProvider(resolved, cfg, retry=policy)
    result = await provider.generate(request())
    assert sent(route)["response_format"] == {"type": "json_object"}
    assert sent(route)["provider"] == {"require_parameters": True}
    assert result.cost_usd == pytest.approx(cost_from_usage(resolved, 1000, 2000))
    assert result.cost_usd == pytest.approx(0.00275)
    assert result.usage.cost_source == "price-table"


@respx.mock
async def test_prompt_only_model_sends_no_response_format(cfg, policy):
    route = respx.post(URL).mock(return_value=completion(json.dumps(valid_json())))
    resolved = ResolvedModel("openrouter", "some/model", structured="prompt")
    provider = OpenRouterScenarioProvider(resolved, cfg, retry=policy)
    await provider.generate(request())
    assert "response_format" not in sent(route) and "provider" not in sent(route)


@respx.mock
async def test_missing_fields_are_filled_from_the_request(cfg, policy):
    data = valid_json()
    for key in ("title", "style", "mood", "aspect_ratio", "description"):
        data.pop(key)
    for shot in data["shots"]:
        shot.pop("shot_id"), shot.pop("duration")
        shot["shot_number"] = 7
    respx.post(URL).mock(return_value=completion(json.dumps(data)))
    provider = await make(cfg, policy=policy)
    result = await provider.generate(request(shot_duration=4.0, aspect_ratio="9:16"))
    shots = result.shot_list
    assert [s.shot_id for s in shots.shots] == ["shot_001", "shot_002", "shot_003"]
    assert [s.shot_number for s in shots.shots] == [1, 2, 3]
    assert {s.duration for s in shots.shots} == {4.0}
    assert shots.aspect_ratio == "9:16" and shots.style == "film noir"
    assert shots.description == DESCRIPTION and shots.title
    assert shots.model == "anthropic/claude-sonnet-4.6"


@respx.mock
async def test_malformed_reply_is_repaired_once(cfg, policy):
    route = respx.post(URL).mock(side_effect=[
        completion('{"shots": [ oops', {"prompt_tokens": 100, "completion_tokens": 10,
                                       "cost": 0.001}),
        completion(json.dumps(valid_json()), {"prompt_tokens": 200, "completion_tokens": 50,
                                              "cost": 0.002}),
    ])
    provider = await make(cfg, policy=policy)
    result = await provider.generate(request())
    assert route.call_count == 2
    messages = sent(route, 1)["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[2]["content"] == '{"shots": [ oops'
    assert "not valid JSON" in messages[3]["content"] and "line 1" in messages[3]["content"]
    assert "JSON object only" in messages[3]["content"]
    assert result.repaired
    assert result.usage.prompt_tokens == 300 and result.usage.completion_tokens == 60
    assert result.cost_usd == pytest.approx(0.003)


@respx.mock
async def test_schema_errors_are_listed_in_the_repair_round(cfg, policy):
    bad = valid_json()
    bad["shots"][1]["shot_type"] = "banana"
    bad["shots"] = bad["shots"][:2]
    route = respx.post(URL).mock(side_effect=[completion(json.dumps(bad)),
                                              completion(json.dumps(valid_json()))])
    provider = await make(cfg, policy=policy)
    await provider.generate(request())
    repair = sent(route, 1)["messages"][3]["content"]
    assert "shots.1.shot_type" in repair and "Input should be" in repair


@respx.mock
async def test_second_failure_is_reported_clearly(cfg, policy):
    bad = valid_json()
    bad["shots"][0]["shot_type"] = "banana"
    bad["shots"][2]["duration"] = "long"
    route = respx.post(URL).mock(side_effect=[completion("Sure! Here is your film."),
                                              completion(json.dumps(bad))])
    provider = await make(cfg, policy=policy)
    with pytest.raises(ProviderError) as info:
        await provider.generate(request())
    assert route.call_count == 2
    message = str(info.value)
    assert "after one repair round" in message
    assert "shots.0.shot_type" in message and "shots.2.duration" in message
    assert info.value.hint and KEY not in message


@respx.mock
async def test_429_then_success_honours_retry_after(cfg, policy, sleeps):
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "7"},
                       json={"error": {"code": 429, "message": "slow down"}}),
        completion(json.dumps(valid_json())),
    ])
    provider = await make(cfg, policy=policy)
    result = await provider.generate(request())
    assert route.call_count == 2 and sleeps == [7.0]
    assert len(result.shots) == 3


@respx.mock
async def test_500_then_success(cfg, policy, sleeps):
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(500, json={"error": {"code": 500, "message": "upstream"}}),
        completion(json.dumps(valid_json())),
    ])
    provider = await make(cfg, policy=policy)
    await provider.generate(request())
    assert route.call_count == 2 and len(sleeps) == 1 and 0 < sleeps[0] <= policy.base_delay


@respx.mock
async def test_401_names_the_variable_and_never_the_key(cfg, policy, sleeps):
    respx.post(URL).mock(return_value=httpx.Response(
        401, json={"error": {"code": 401, "message": f"Invalid key {KEY}"}}))
    provider = await make(cfg, policy=policy)
    with pytest.raises(ProviderError) as info:
        await provider.generate(request())
    err = info.value
    assert err.status == 401 and "OPENROUTER_API_KEY" in err.message
    assert KEY not in str(err) and KEY not in err.body and KEY not in (err.hint or "")
    assert sleeps == []


@respx.mock
async def test_402_says_out_of_credits(cfg, policy):
    respx.post(URL).mock(return_value=httpx.Response(
        402, json={"error": {"code": 402, "message": "Insufficient credits"}}))
    provider = await make(cfg, policy=policy)
    with pytest.raises(ProviderError, match="out of credits") as info:
        await provider.generate(request())
    assert info.value.status == 402 and KEY not in str(info.value)


@respx.mock
async def test_error_object_in_a_200_reply(cfg, policy):
    respx.post(URL).mock(return_value=httpx.Response(200, json={
        "error": {"code": 502, "message": "Provider returned error",
                  "metadata": {"raw": "upstream timeout"}}}))
    provider = await make(cfg, policy=policy)
    with pytest.raises(ProviderError, match="upstream timeout") as info:
        await provider.generate(request())
    assert info.value.status == 502


def sse(*events: str) -> httpx.Response:
    text = "".join(f"{e}\n\n" for e in events)
    return httpx.Response(200, content=text.encode(),
                          headers={"content-type": "text/event-stream"})


def chunk(content: str | None = None, usage: dict | None = None, finish=None) -> str:
    body: dict = {"id": "gen-9", "model": "anthropic/claude-3.5-sonnet",
                  "choices": [{"index": 0, "delta": {"content": content} if content else {},
                               "finish_reason": finish}]}
    if usage:
        body["usage"] = usage
    return "data: " + json.dumps(body)


@respx.mock
async def test_streaming_assembles_sse_chunks(cfg, policy):
    text = json.dumps(valid_json())
    pieces = [text[i:i + 200] for i in range(0, len(text), 200)]
    usage = {"prompt_tokens": 1500, "completion_tokens": 700, "total_tokens": 2200,
             "cost": 0.0123}
    events = [": OPENROUTER PROCESSING", *[chunk(p) for p in pieces],
              ": OPENROUTER PROCESSING", chunk(finish="stop", usage=usage), "data: [DONE]"]
    route = respx.post(URL).mock(return_value=sse(*events))
    progress: list[tuple[float, int]] = []
    provider = await make(cfg, policy=policy, stream=True, progress_interval=0.0,
                          on_progress=lambda s, t: progress.append((s, t)))
    result = await provider.generate(request())
    assert sent(route)["stream"] is True
    assert result.shot_list.shots[0].enhanced_prompt == valid_json()["shots"][0]["enhanced_prompt"]
    assert result.cost_usd == pytest.approx(0.0123) and result.usage.completion_tokens == 700
    assert len(progress) >= len(pieces) and progress[-1][1] == 700
    assert [t for _, t in progress[:-1]] == sorted(t for _, t in progress[:-1])


@respx.mock
async def test_streaming_error_event_raises(cfg, policy):
    events = [chunk('{"title": "x"'), 'data: {"error": {"code": 503, "message": "overloaded"}}']
    respx.post(URL).mock(return_value=sse(*events))
    provider = await make(cfg, policy=policy, stream=True)
    with pytest.raises(ProviderError, match="overloaded"):
        await provider.generate(request())


@respx.mock
async def test_streaming_retries_a_429_before_the_stream(cfg, policy, sleeps):
    route = respx.post(URL).mock(side_effect=[
        httpx.Response(429, headers={"Retry-After": "2"}, json={"error": {"message": "wait"}}),
        sse(chunk(json.dumps(valid_json())), chunk(finish="stop"), "data: [DONE]"),
    ])
    provider = await make(cfg, policy=policy, stream=True)
    result = await provider.generate(request())
    assert route.call_count == 2 and sleeps == [2.0] and len(result.shots) == 3


@respx.mock
async def test_local_provider_uses_json_schema_and_costs_nothing(cfg, policy):
    route = respx.post(f"{LOCAL}/chat/completions").mock(
        return_value=completion(json.dumps(valid_json()),
                                {"prompt_tokens": 900, "completion_tokens": 800}))
    provider = get_scenario_provider("ollama:llama3.1", cfg, retry=policy)
    assert isinstance(provider, LocalLLMScenarioProvider)
    result = await provider.generate(request())
    await provider.aclose()
    body = sent(route)
    assert body["model"] == "llama3.1"
    assert body["response_format"]["type"] == "json_schema"
    assert "authorization" not in route.calls[0].request.headers
    assert result.cost_usd == 0 and result.usage.prompt_tokens == 900
    assert result.model == "ollama:llama3.1" and result.shot_list.model == "ollama:llama3.1"


@respx.mock
async def test_local_provider_falls_back_to_prompt_only_json(cfg, policy):
    route = respx.post(f"{LOCAL}/chat/completions").mock(side_effect=[
        httpx.Response(400, json={"error": "response_format json_schema is not supported"}),
        completion(json.dumps(valid_json())),
    ])
    provider = get_scenario_provider("local:qwen2.5", cfg, retry=policy)
    result = await provider.generate(request())
    assert route.call_count == 2
    assert "response_format" in sent(route, 0) and "response_format" not in sent(route, 1)
    assert len(result.shots) == 3 and provider.notes


@respx.mock
async def test_lmstudio_prefix_defaults_to_port_1234_and_sends_key(tmp_path, policy):
    cfg = Settings(_env_file=None, local_llm_api_key="lm-key", film_home=tmp_path)
    route = respx.post("http://localhost:1234/v1/chat/completions").mock(
        return_value=completion(json.dumps(valid_json())))
    provider = get_scenario_provider("lmstudio:qwen2.5-7b", cfg, retry=policy)
    result = await provider.generate(request())
    assert route.called and route.calls[0].request.headers["authorization"] == "Bearer lm-key"
    assert result.model == "lmstudio:qwen2.5-7b"


@respx.mock
async def test_local_server_down_gives_a_hint(cfg, sleeps):
    respx.post(f"{LOCAL}/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
    provider = get_scenario_provider("ollama:llama3.1", cfg,
                                     retry=RetryPolicy(max_attempts=2, sleep=sleeps))
    with pytest.raises(ProviderError) as info:
        await provider.generate(request())
    assert "ollama serve" in (info.value.hint or "") and len(sleeps) == 1


@respx.mock
async def test_long_description_is_truncated_with_a_note(cfg, policy):
    route = respx.post(URL).mock(return_value=completion(json.dumps(valid_json())))
    provider = await make(cfg, policy=policy, context_tokens=3000)
    long = " ".join(f"Sentence number {i} describes the rainy city." for i in range(400))
    await provider.generate(ScenarioRequest(description=long, num_shots=3))
    user = sent(route)["messages"][1]["content"]
    assert "truncated" in user and "Sentence number 0 " in user
    assert "Sentence number 399" not in user and provider.notes


def test_factory_resolves_names(cfg):
    assert isinstance(get_scenario_provider("offline", cfg), OfflineScenarioProvider)
    preset = get_scenario_provider("claude-3-haiku", cfg)  # retired: its successor runs
    assert isinstance(preset, OpenRouterScenarioProvider)
    assert preset.resolved.model_id == "anthropic/claude-haiku-4.5"
    assert any("claude-3-haiku" in note and "retired" in note for note in preset.notes)
    raw = get_scenario_provider("openrouter:mistralai/mistral-large", cfg)
    assert raw.resolved.model_id == "mistralai/mistral-large"
    with pytest.raises(ConfigError, match="unknown model"):
        get_scenario_provider("claude-3-hiaku", cfg)


async def test_missing_key_is_a_config_error_when_a_call_is_made(tmp_path):
    cfg = Settings(_env_file=None, film_home=tmp_path)
    provider = get_scenario_provider("claude-3-haiku", cfg)  # status and estimate need no key
    with pytest.raises(ConfigError, match="OPENROUTER_API_KEY"):
        await provider.generate(ScenarioRequest(description="A keeper climbs."))
    await provider.aclose()


async def test_provider_owns_and_closes_its_client(cfg):
    provider = await make(cfg)
    client = provider.client
    await provider.aclose()
    assert client.is_closed
    shared = httpx.AsyncClient()
    provider = OpenRouterScenarioProvider(resolve_model("claude-3-haiku"), cfg, client=shared)
    await provider.aclose()
    assert not shared.is_closed
    await shared.aclose()
