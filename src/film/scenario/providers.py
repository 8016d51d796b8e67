"""Scenario providers: OpenRouter, any local OpenAI-compatible server, the offline planner.

`get_scenario_provider("claude-haiku-4.5" | "vendor/model" | "ollama:llama3.1" | "offline")`
picks one. The chat logic they share (retries, streaming, repair, cache) is in chat_scenario.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import httpx

from film.errors import ProviderError, Unavailable
from film.scenario.cache import LLMCache
from film.scenario.catalogue import ResolvedModel, cost_from_usage, load_price_cache, resolve_model
from film.scenario.chat import DEFAULT_CONTEXT, ChatReply, ChatScenarioProvider, Progress, Question
from film.scenario.contract import ScenarioProvider
from film.scenario.planner import OfflineScenarioProvider
from film.schema import Usage
from film.vendors.http import RetryPolicy

if TYPE_CHECKING:
    from film.config import Settings

__all__ = ["LocalLLMScenarioProvider", "OfflineScenarioProvider", "OpenRouterScenarioProvider",
           "get_scenario_provider"]

LOCAL_CONTEXT = 8_192
LMSTUDIO_URL = "http://localhost:1234/v1"


class OpenRouterScenarioProvider(ChatScenarioProvider):
    """Any OpenRouter chat model; costs from `usage.cost`, else from the price table."""

    vendor = "openrouter"
    key_var = "OPENROUTER_API_KEY"

    def __init__(self, model: ResolvedModel | str, settings: Settings, *,
                 api_key: str | None = None, **options: Any) -> None:
        resolved = model if isinstance(model, ResolvedModel) else resolve_model(model)
        self._given_key = api_key
        context = resolved.preset.context if resolved.preset else None
        if context is None:
            live = load_price_cache(settings.user_dir()).get(resolved.model_id, {})
            context = live.get("context") or DEFAULT_CONTEXT
        options.setdefault("context_tokens", context)
        super().__init__(resolved, settings, base_url=settings.openrouter_base_url,
                         label=resolved.model_id, **options)

    @property
    def _key(self) -> str:
        """The key, required only when a call is made (status and estimate need none)."""
        return self._given_key or self.settings.require("openrouter_api_key")

    def _secret(self) -> str | None:
        key = self.settings.openrouter_api_key
        return self._given_key or (key.get_secret_value().strip() if key else None)

    def _headers(self) -> dict[str, str]:
        """The key, and the app's attribution: HTTP-Referer (required for it) and the title
        under its current name, X-OpenRouter-Title (`X-Title` is its old name)."""
        return {"Authorization": f"Bearer {self._key}",
                "HTTP-Referer": self.settings.openrouter_app_url,
                "X-OpenRouter-Title": self.settings.openrouter_app_title}

    def _body(self, messages: list[dict[str, str]], question: Question) -> dict[str, Any]:
        """A structured-output request is routed only to providers that honour all of its
        parameters (`require_parameters`); otherwise a provider may ignore the schema and
        answer in free text. Usage and cost come back in every reply without asking."""
        body = super()._body(messages, question)
        if "response_format" in body:
            body["provider"] = {"require_parameters": True}
        return body

    def _explain(self, exc: ProviderError) -> ProviderError:
        """As the base, with what to do when OpenRouter says the model is not available
        (`error.availability.code`): gone, or no provider honours the request's schema."""
        exc = super()._explain(exc)
        code = _availability_code(exc.body)
        model = self.resolved.model_id
        if code in ("model_not_found", "model_deprecated", "model_unavailable_upstream"):
            exc.hint = (f"OpenRouter no longer serves {model} ({code}): run `film models "
                        "--refresh` and pick a model that is listed.")
        elif code in ("no_endpoints", "constraint_filtered"):
            exc.hint = (f"No provider of {model} honours structured output "
                        f"({code}): pick a model with structured outputs (film models).")
        return exc

    def _usage(self, raw: dict[str, Any]) -> Usage:
        usage = super()._usage(raw)
        cost = raw.get("cost")
        try:
            usage.cost_usd, usage.cost_source = float(cost), "provider"
        except (TypeError, ValueError):
            if usage.prompt_tokens or usage.completion_tokens:
                usage.cost_usd = cost_from_usage(self.resolved, usage.prompt_tokens,
                                                 usage.completion_tokens)
                usage.cost_source = "price-table"
        return usage


def _availability_code(body: str | None) -> str | None:
    """`error.availability.code` of an OpenRouter error body, if it has one."""
    import json

    try:
        data = json.loads(body or "")
    except ValueError:
        return None
    error = data.get("error") if isinstance(data, dict) else None
    availability = error.get("availability") if isinstance(error, dict) else None
    code = availability.get("code") if isinstance(availability, dict) else None
    return code if isinstance(code, str) else None


class LocalLLMScenarioProvider(ChatScenarioProvider):
    """A local OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM). Costs nothing."""

    vendor = "local"
    key_var = "LOCAL_LLM_API_KEY"
    remote = False
    request_timeout = httpx.Timeout(900.0, connect=5.0)

    def __init__(self, model: ResolvedModel | str, settings: Settings, *,
                 flavour: str = "ollama", base_url: str | None = None, **options: Any) -> None:
        resolved = model if isinstance(model, ResolvedModel) else resolve_model(f"local:{model}")
        if base_url is None:
            base_url = settings.local_llm_base_url
            if flavour == "lmstudio" and "local_llm_base_url" not in settings.model_fields_set:
                base_url = LMSTUDIO_URL
        self._key = settings.local_llm_api_key.get_secret_value().strip() \
            if settings.local_llm_api_key else None
        options.setdefault("context_tokens", LOCAL_CONTEXT)
        options.setdefault("retry", RetryPolicy(max_attempts=2, max_total_wait=10.0))
        super().__init__(resolved, settings, base_url=base_url,
                         label=f"{flavour}:{resolved.model_id}", **options)
        self.speaker = f"local LLM server at {self.base_url}"

    def _secret(self) -> str | None:
        return self._key

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key}"} if self._key else {}

    def _extra_body(self, streaming: bool) -> dict[str, Any]:
        return {"stream_options": {"include_usage": True}} if streaming else {}

    async def _chat(self, messages: list[dict[str, str]], question: Question,
                    started: float) -> ChatReply:
        """As the base, but a 400 about response_format falls back to prompt-only JSON once."""
        try:
            return await super()._chat(messages, question, started)
        except ProviderError as exc:
            text = f"{exc.message} {exc.body}".lower()
            if self.structured == "prompt" or exc.status not in (400, 422) or not any(
                w in text for w in ("response_format", "json_schema", "json_object")
            ):
                if exc.status is None and isinstance(exc, Unavailable):
                    exc.hint = ("Is the server running? Start `ollama serve` or LM Studio's "
                                "server, or set LOCAL_LLM_BASE_URL.")
                raise
            self.structured = "prompt"
            self.notes.append("the server rejected response_format; asked for JSON by prompt")
            return await super()._chat(messages, question, started)


def get_scenario_provider(
    model: str,
    settings: Settings,
    *,
    client: httpx.AsyncClient | None = None,
    cache: LLMCache | None = None,
    use_cache: bool = True,
    on_progress: Progress | None = None,
    stream: bool = False,
    retry: RetryPolicy | None = None,
    on_retry: Callable[[int, float, str], None] | None = None,
) -> ScenarioProvider:
    """The provider for a `--model` value: offline, an OpenRouter preset or id, or a local one.

    Replies are cached on disk (under the user's cache folder) unless `use_cache` is False."""
    resolved = resolve_model(model, settings.user_dir())
    if resolved.provider == "offline":
        return OfflineScenarioProvider(settings=settings)
    if cache is None and use_cache:
        cache = LLMCache(settings.user_dir() / "llm-cache",
                         max_entries=settings.film_llm_cache_entries,
                         max_age_days=settings.film_llm_cache_days)
    options: dict[str, Any] = {"client": client, "cache": cache, "on_progress": on_progress,
                               "stream": stream, "on_retry": on_retry}
    if retry is not None:
        options["retry"] = retry
    if resolved.provider == "local":
        flavour = model.strip().split(":", 1)[0]
        return LocalLLMScenarioProvider(resolved, settings, flavour=flavour, **options)
    return OpenRouterScenarioProvider(resolved, settings, **options)


def scenario_provider(kind: str, name: str, settings: Settings, **options: Any
                      ) -> ScenarioProvider:
    """The scenario stage's resolver (see film.stages.table): `name` is a `--model` value,
    or `file` (a shot list a person wrote)."""
    if name == "file":
        from film.scenario.contract import ShotsFileProvider

        return ShotsFileProvider(settings=settings)
    return get_scenario_provider(name, settings, **options)
