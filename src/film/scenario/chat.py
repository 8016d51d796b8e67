"""The shared logic of scenario providers that speak OpenAI-compatible chat completions.

One generation: build [system, user] messages (fitting the description to the context), send
`POST {base}/chat/completions` (plain JSON or an SSE stream, with retries), validate the reply
against the shot-list schema, run ONE repair round when it is invalid, and store the validated
result in the LLM cache. Subclasses add headers, the response_format policy and costs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from film.errors import ContentRefused, ProviderError, RateLimited, Unavailable, redact
from film.scenario.cache import USER_TEMPLATE_TOKENS, LLMCache, cache_key, fit_description
from film.scenario.catalogue import OUTPUT_TOKENS_PER_SHOT, SYSTEM_PROMPT_TOKENS, ResolvedModel
from film.scenario.contract import ScenarioProvider, ScenarioRequest, ScenarioResult
from film.scenario.prompt import (
    ReplyInvalid,
    build_messages,
    repair_message,
    response_format,
    response_schema,
    validate_reply,
)
from film.schema import ShotList, Usage
from film.vendors.http import RetryPolicy, looks_like_refusal, make_client, send_with_retries

if TYPE_CHECKING:
    from film.config import Settings

Progress = Callable[[float, int], None]
DEFAULT_CONTEXT = 16_385


@dataclass(frozen=True)
class Question:
    """One structured question: the messages, the reply's JSON Schema, how to check a reply
    (`parse(text, first_round)` returns the JSON-able value or raises ReplyInvalid) and how to
    ask for a repair."""

    messages: list[dict[str, str]]
    name: str
    schema: dict[str, Any]
    parse: Callable[[str | None, bool], Any]
    repair: Callable[[list[str]], str]
    temperature: float = 0.7
    #: what the reply is, for messages ("shot list", "critique")
    noun: str = "reply"


@dataclass(frozen=True)
class Answer:
    """A checked reply: its value, what it cost, whether the cache or a repair gave it."""

    value: Any
    usage: Usage
    cached: bool
    repaired: bool
    seconds: float


@dataclass
class ChatReply:
    """One completion: its text, its usage, the model that served it."""

    content: str | None
    usage: Usage
    model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _text_of(content: Any) -> str | None:
    """Message content as text (some servers send a list of parts)."""
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return content if isinstance(content, str) or content is None else str(content)


def _sum_usage(parts: list[Usage]) -> Usage:
    sources = {u.cost_source for u in parts if u.cost_source != "none"}
    source = "none" if not sources else sources.pop() if len(sources) == 1 else "price-table"
    return Usage(
        prompt_tokens=sum(u.prompt_tokens for u in parts),
        completion_tokens=sum(u.completion_tokens for u in parts),
        total_tokens=sum(u.total_tokens for u in parts),
        cost_usd=round(sum(u.cost_usd for u in parts), 8),
        cost_source=source,
    )


class _StreamOpener:
    """Lets `send_with_retries` open a streaming response; error bodies are read and closed."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        request = self._client.build_request(method, url, **kwargs)
        response = await self._client.send(request, stream=True)
        if not response.is_success:
            try:
                await response.aread()
            finally:
                await response.aclose()
        return response


class ChatScenarioProvider(ScenarioProvider):
    """Shared logic of OpenAI-compatible chat providers."""

    #: the manifest's provider name ("openrouter", "local")
    vendor = "chat"
    key_var: str | None = None
    remote = True
    #: per-request timeout (None: the client's); local servers can take minutes to answer
    request_timeout: httpx.Timeout | None = None

    def __init__(
        self,
        resolved: ResolvedModel,
        settings: Settings,
        *,
        base_url: str,
        label: str,
        client: httpx.AsyncClient | None = None,
        cache: LLMCache | None = None,
        retry: RetryPolicy | None = None,
        stream: bool = False,
        on_progress: Progress | None = None,
        on_retry: Callable[[int, float, str], None] | None = None,
        context_tokens: int = DEFAULT_CONTEXT,
        max_tokens: int | None = None,
        progress_interval: float = 0.5,
    ) -> None:
        super().__init__(self.vendor, label, settings)
        self.resolved = resolved
        #: who is named in messages ("openrouter", "local LLM server at http://...")
        self.speaker = self.vendor
        self.base_url = base_url.rstrip("/")
        self.label = label
        self.cache = cache
        self.retry = retry or RetryPolicy.from_settings(settings)
        self.stream = stream
        self.on_progress = on_progress
        self.on_retry = on_retry
        self.context_tokens = context_tokens
        self.max_tokens = max_tokens
        self.progress_interval = progress_interval
        self.structured = resolved.structured
        self.strict = True
        self.notes: list[str] = [resolved.note] if resolved.note else []
        self._client = client
        self._owns_client = client is None

    def params(self) -> dict[str, Any]:
        """What changes the shot list besides the request: the model, the server, the mode."""
        return {"model_id": self.resolved.model_id, "base_url": self.base_url,
                "structured": self.structured}

    def estimate_cost(self, request: ScenarioRequest) -> float:
        """The expected USD of one generation (free for a local server)."""
        if not self.remote:
            return 0.0
        from film.scenario.catalogue import estimate_scenario_cost

        return estimate_scenario_cost(self.resolved, request.description,
                                      request.num_shots)["cost_usd"]

    def price_known(self) -> bool:
        return not self.remote or bool(self.resolved.input_per_m or self.resolved.output_per_m)

    async def write(self, request: ScenarioRequest, out: Any, ctx: Any) -> Any:
        """As the base, over the run's HTTP client and retry reporting when it has them."""
        if self._client is None and ctx.client is not None:
            self._client, self._owns_client = ctx.client, False
        self.on_retry = self.on_retry or ctx.on_retry
        return await super().write(request, out, ctx)

    # -- subclass hooks ---------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {}

    def _secret(self) -> str | None:
        return None

    def _usage(self, raw: dict[str, Any]) -> Usage:
        pt, ct = int(raw.get("prompt_tokens") or 0), int(raw.get("completion_tokens") or 0)
        return Usage(prompt_tokens=pt, completion_tokens=ct,
                     total_tokens=int(raw.get("total_tokens") or pt + ct))

    def _extra_body(self, streaming: bool) -> dict[str, Any]:
        return {}

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = make_client(self.settings.film_http_timeout)
        return self._client

    async def aclose(self) -> None:
        if self._owns_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def _scrub(self, text: str) -> str:
        return redact(text, self._secret()) if text else text

    def _body(self, messages: list[dict[str, str]], question: Question) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.resolved.model_id, "messages": messages,
                                "temperature": question.temperature}
        if self.max_tokens:
            body["max_tokens"] = self.max_tokens
        fmt = response_format(self.structured, strict=self.strict, name=question.name,
                              schema=question.schema)
        if fmt is not None:
            body["response_format"] = fmt
        return body

    def _report(self, started: float, tokens: int) -> None:
        if self.on_progress is not None:
            self.on_progress(time.perf_counter() - started, tokens)

    def _error_object(self, error: Any, status: int | None = None) -> ProviderError:
        """A ProviderError for an {"error": {...}} object inside a 200 reply or a stream."""
        err = error if isinstance(error, dict) else {"message": str(error)}
        code = err.get("code")
        message = self._scrub(str(err.get("message") or err))[:500]
        raw = (err.get("metadata") or {}).get("raw") if isinstance(err.get("metadata"), dict) \
            else None
        if raw:
            message += f" ({self._scrub(str(raw))[:200]})"
        if isinstance(code, str) and code.isdigit():
            code = int(code)
        code_num = code if isinstance(code, int) else (status if status and status >= 400 else None)
        cls: type[ProviderError] = ProviderError
        if code_num == 429:
            cls = RateLimited
        elif code_num and code_num >= 500:
            cls = Unavailable
        elif looks_like_refusal(message):
            cls = ContentRefused
        if code_num == 402:
            message = f"out of credits: {message}"
        return cls(f"{self.speaker} reported an error: {message}", provider=self.speaker,
                   status=code_num, body=self._scrub(json.dumps(err)[:2000]))

    async def _send(self, body: dict[str, Any], started: float) -> ChatReply:
        """One chat completion round trip (streamed or not), with retries."""
        url = f"{self.base_url}/chat/completions"
        kwargs: dict[str, Any] = {"provider": self.speaker, "policy": self.retry,
                                  "key_var": self.key_var, "on_retry": self.on_retry,
                                  "headers": self._headers()}
        if self.request_timeout is not None:
            kwargs["timeout"] = self.request_timeout
        try:
            if not self.stream:
                response = await send_with_retries(self.client, "POST", url, json=body, **kwargs)
                return self._parse_reply(response, started)
            body = {**body, "stream": True, **self._extra_body(True)}
            opener: Any = _StreamOpener(self.client)
            response = await send_with_retries(opener, "POST", url, json=body, **kwargs)
            try:
                if "text/event-stream" not in response.headers.get("content-type", ""):
                    await response.aread()
                    return self._parse_reply(response, started)
                return await self._read_stream(response, started)
            finally:
                await response.aclose()
        except ProviderError as exc:
            raise self._explain(exc) from exc

    def _explain(self, exc: ProviderError) -> ProviderError:
        """Add what to do to an HTTP error; never let the key into a message."""
        message = self._scrub(exc.message)
        if exc.status in (401, 403) and self.key_var:
            message = f"{message}; check {self.key_var}"
        if message == exc.message and exc.body == self._scrub(exc.body):
            return exc
        return type(exc)(message, provider=exc.provider, status=exc.status,
                         body=self._scrub(exc.body), hint=exc.hint, request_id=exc.request_id)

    def _parse_reply(self, response: httpx.Response, started: float) -> ChatReply:
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.speaker} answered {response.status_code} with a body that "
                                "is not JSON", provider=self.speaker, status=response.status_code,
                                body=self._scrub(response.text)) from exc
        if not isinstance(data, dict):
            raise ProviderError(f"{self.speaker} answered with unexpected JSON",
                                provider=self.speaker, body=self._scrub(response.text))
        if data.get("error"):
            raise self._error_object(data["error"], response.status_code)
        choices = data.get("choices") or [{}]
        choice = choices[0] if isinstance(choices[0], dict) else {}
        if choice.get("error"):
            raise self._error_object(choice["error"])
        content = _text_of((choice.get("message") or {}).get("content"))
        usage = self._usage(data.get("usage") or {})
        self._report(started, usage.completion_tokens)
        return ChatReply(content, usage, data.get("model"),
                      {"finish_reason": choice.get("finish_reason"), "id": data.get("id")})

    async def _read_stream(self, response: httpx.Response, started: float) -> ChatReply:
        """Assemble content deltas from SSE lines; usage arrives in the final chunk."""
        parts: list[str] = []
        raw_usage: dict[str, Any] = {}
        model: str | None = None
        finish: str | None = None
        deltas, buffer, last = 0, "", time.perf_counter()
        async for line in response.aiter_lines():
            if line.startswith(":"):  # SSE comment, e.g. ": OPENROUTER PROCESSING"
                continue
            if not line.strip():
                if buffer:
                    raise ProviderError(f"{self.speaker} sent a malformed stream event",
                                        provider=self.speaker, body=self._scrub(buffer))
                continue
            if not line.startswith("data:"):
                continue  # event:, id:, retry: fields are not used here
            data = line[5:].removeprefix(" ")
            buffer = f"{buffer}\n{data}" if buffer else data
            if buffer.strip() == "[DONE]":
                break
            try:
                chunk = json.loads(buffer)
            except json.JSONDecodeError:
                continue  # a multi-line data field: wait for the rest
            buffer = ""
            if not isinstance(chunk, dict):
                continue
            if chunk.get("error"):
                raise self._error_object(chunk["error"])
            model = chunk.get("model") or model
            if chunk.get("usage"):
                raw_usage = chunk["usage"]
            for choice in chunk.get("choices") or []:
                text = _text_of((choice.get("delta") or {}).get("content"))
                if text:
                    parts.append(text)
                    deltas += 1
                finish = choice.get("finish_reason") or finish
                if finish == "error":
                    raise self._error_object(choice.get("error") or "generation failed")
            now = time.perf_counter()
            if self.on_progress and now - last >= self.progress_interval:
                last = now
                self._report(started, max(deltas, len("".join(parts)) // 4))
        usage = self._usage(raw_usage)
        self._report(started, usage.completion_tokens or deltas)
        return ChatReply("".join(parts), usage, model, {"finish_reason": finish})

    async def _chat(self, messages: list[dict[str, str]], question: Question,
                    started: float) -> ChatReply:
        return await self._send(self._body(messages, question), started)

    # -- generation -------------------------------------------------------------------------

    def _prepare(self, request: ScenarioRequest) -> list[dict[str, str]]:
        reserved = (SYSTEM_PROMPT_TOKENS + USER_TEMPLATE_TOKENS
                    + request.num_shots * OUTPUT_TOKENS_PER_SHOT)
        description, note = fit_description(request.description, self.context_tokens, reserved)
        if note:
            self.notes.append(note)
        return build_messages(description, request, note)

    async def _answer(self, question: Question, started: float) -> dict[str, Any]:
        """Call, check, repair once if needed; the JSON-able payload the cache stores."""
        reply = await self._chat(question.messages, question, started)
        usages = [reply.usage]
        repaired = False
        try:
            value = question.parse(reply.content, True)
        except ReplyInvalid as first:
            repair = [*question.messages, {"role": "assistant", "content": reply.content or ""},
                      {"role": "user", "content": question.repair(first.errors)}]
            second_reply = await self._chat(repair, question, started)
            usages.append(second_reply.usage)
            try:
                value = question.parse(second_reply.content, False)
            except ReplyInvalid as second:
                error = ProviderError(
                    f"{self.label} did not return a valid {question.noun}, even after one "
                    "repair round:\n" + "\n".join(f"  {e}" for e in second.errors),
                    provider=self.speaker, body=second_reply.content or "",
                    hint="Run it again, pick a stronger model (e.g. claude-sonnet-4.6), "
                    "or use --model offline.",
                )
                error.cost_usd = _sum_usage(usages).cost_usd
                raise error from None
            repaired = True
        return {"value": value, "usage": _sum_usage(usages).model_dump(), "repaired": repaired}

    async def ask(self, question: Question) -> Answer:
        """One structured call: a reply checked by `question.parse`, one repair round that
        sends the problems back, answered from the reply cache when asked before."""
        started = time.perf_counter()
        cached = False
        if self.cache is None:
            payload = await self._answer(question, started)
        else:
            params = {k: v for k, v in self._body([], question).items()
                      if k not in ("model", "messages")}
            key = cache_key(self.base_url, self.resolved.model_id, question.messages, params)
            payload, source = await self.cache.get_or_call(
                key, lambda: self._answer(question, started),
                meta={"base_url": self.base_url, "model": self.resolved.model_id},
            )
            cached = source != "call"
        usage = Usage() if cached else Usage.model_validate(payload["usage"])
        return Answer(payload["value"], usage, cached, bool(payload.get("repaired")),
                      round(time.perf_counter() - started, 3))

    async def generate(self, request: ScenarioRequest) -> ScenarioResult:
        """Ask the model for a shot list, validate it (one repair round), cache the result."""

        def parse(content: str | None, first: bool) -> dict[str, Any]:
            shots = validate_reply(content, request, self.label, exact_count=first)
            return shots.model_dump(mode="json", exclude={"usage"})

        question = Question(self._prepare(request), name="shot_list", schema=response_schema(),
                            parse=parse, repair=repair_message, temperature=request.temperature,
                            noun="shot list")
        answer = await self.ask(question)
        shot_list = ShotList.model_validate({**answer.value, "usage": answer.usage.model_dump()})
        return ScenarioResult(shot_list=shot_list, usage=answer.usage, model=self.label,
                              seconds=answer.seconds, repaired=answer.repaired,
                              cached=answer.cached, notes=list(self.notes))
