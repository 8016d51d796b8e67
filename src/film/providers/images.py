"""Remote image providers: FLUX on fal's queue and any text-to-image model on Replicate.

Both submit (or resume) a remote job, hand its id to `ctx.on_submitted` before waiting,
download the image into the caller's temp path, and make it a PNG of the requested size.
The helpers at the top are shared with `video_providers`.
"""

from __future__ import annotations

import asyncio
import difflib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Protocol

import httpx

from film.config import Settings
from film.costs import media_cost
from film.errors import ConfigError, ContentRefused, FilmError, ProviderError
from film.providers.contract import ImageProvider, ImageRequest, JobContext, MediaResult
from film.vendors.fal import FalQueue, queue_base_url
from film.vendors.http import RetryPolicy, download, make_client
from film.vendors.replicate import ReplicateAPI, output_urls, split_model

# ---- shared with video_providers -----------------------------------------------------------


@asynccontextmanager
async def client_for(ctx: JobContext) -> AsyncIterator[httpx.AsyncClient]:
    """The run's shared client, or a short-lived one when the caller passed none."""
    if ctx.client is not None:
        yield ctx.client
        return
    async with make_client(ctx.settings.film_http_timeout) as client:
        yield client


def scrub(exc: FilmError, secret: str) -> FilmError:
    """Remove `secret` from an error's message, hint and body (in place), return the error."""
    if not secret:
        return exc
    for attr in ("message", "hint", "body"):
        value = getattr(exc, attr, None)
        if isinstance(value, str) and secret in value:
            setattr(exc, attr, value.replace(secret, "***"))
    exc.args = (exc.message,)
    return exc


def resolve_model(vendor: str, model: str, known: dict[str, str]) -> str:
    """A short model name → the vendor's id; ids with a slash pass through unchanged."""
    if model in known:
        return known[model]
    if "/" in model and " " not in model:
        return model
    close = difflib.get_close_matches(model, known, n=2, cutoff=0.4)
    hint = f"Did you mean {' or '.join(close)}? " if close else ""
    raise ConfigError(f"unknown {vendor} model {model!r}",
                      hint=f"{hint}Known: {', '.join(sorted(known))}, or a full app id.")


def replicate_model(model: str) -> str:
    try:
        split_model(model)
    except ValueError as exc:
        raise ConfigError(str(exc), hint="e.g. replicate:black-forest-labs/flux-schnell") from exc
    return model


def nearest_aspect(width: int, height: int, choices: tuple[str, ...]) -> str:
    """The aspect ratio among `choices` ("16:9", ...) closest to width:height."""
    target = math.log(width / height)

    def distance(choice: str) -> float:
        w, h = (int(x) for x in choice.split(":"))
        return abs(math.log(w / h) - target)

    return min(choices, key=distance)


def styled_prompt(request: ImageRequest) -> str:
    """The shot's prompt plus style words it does not already contain."""
    prompt = request.shot.enhanced_prompt.strip()
    words = [request.style or "", *request.shot.styles]
    extra: list[str] = []
    for word in (w.strip() for w in words):
        if word and word.lower() not in prompt.lower() and word not in extra:
            extra.append(word)
    return ", ".join([prompt, *extra]) if extra else prompt


def _make_png(path: Path, width: int, height: int, provider: str) -> dict[str, Any]:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            im.verify()
        with Image.open(path) as im:
            im.load()
            fmt, size = im.format, im.size
            image = im.copy()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ProviderError(f"{provider}: the image it returned cannot be decoded ({exc})",
                            provider=provider) from exc
    if fmt != "PNG" or size != (width, height) or image.mode != "RGB":
        image = image.convert("RGB")
        if image.size != (width, height):
            image = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS)
        image.save(path, "PNG")
    return {"remote_format": fmt, "remote_size": list(size)}


async def fetch_image(client: httpx.AsyncClient, url: str, out: Path, *, provider: str,
                      policy: RetryPolicy, width: int, height: int) -> dict[str, Any]:
    """Download `url` into `out` and make it a PNG of width x height; no file left on error."""
    try:
        await download(client, url, out, provider=provider, expect=("image/",), policy=policy,
                       max_bytes=200_000_000)
        return await asyncio.to_thread(_make_png, out, width, height, provider)
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def remote_url_for_meta(url: str) -> str:
    """The URL to record (a data URI is shortened to its header)."""
    return url.split(",", 1)[0] + ",..." if url.startswith("data:") else url


class RemoteProvider(Protocol):
    """What `run_fal` / `run_replicate` read from a provider."""

    name: str
    model: str
    settings: Settings
    poll_timeout: float


class RemoteJob(NamedTuple):
    """A finished remote job: its id, the fal output or Replicate prediction, the file's URL
    and the meta `fetch` returned."""

    request_id: str
    result: dict[str, Any]
    url: str
    meta: dict[str, Any]


#: the job's input, or an async function making it (run inside the key-scrubbing block)
Arguments = dict[str, Any] | Callable[[], Awaitable[dict[str, Any]]]
#: `fetch(client, url, out, provider=..., policy=...)` → meta (fetch_image, fetch_video)
Fetch = Callable[..., Awaitable[dict[str, Any]]]
#: `submit(client, secret, policy, arguments)` → (request id, result, the URL to fetch)
_Submit = Callable[[httpx.AsyncClient, str, RetryPolicy, dict[str, Any]],
                   Awaitable[tuple[str, dict[str, Any], str]]]


async def _run_remote(provider: RemoteProvider, ctx: JobContext, secret_name: str,
                      arguments: Arguments, submit: _Submit, fetch: Fetch,
                      out: Path) -> RemoteJob:
    secret = provider.settings.require(secret_name)
    policy = ctx.retry_policy()
    try:
        args = arguments if isinstance(arguments, dict) else await arguments()
        async with client_for(ctx) as client:
            request_id, result, url = await submit(client, secret, policy, args)
            meta = await fetch(client, url, out, provider=provider.name, policy=policy)
    except FilmError as exc:
        scrub(exc, secret)
        raise
    return RemoteJob(request_id, result, url, meta)


async def run_fal(provider: RemoteProvider, ctx: JobContext, app_id: str, arguments: Arguments,
                  *, pick_url: Callable[[dict[str, Any], str], str], fetch: Fetch,
                  out: Path) -> RemoteJob:
    """Run (or resume) `app_id` on fal's queue, `fetch` the URL `pick_url(output, id)` names
    into `out`; errors are scrubbed of the key."""

    async def submit(client: httpx.AsyncClient, key: str, policy: RetryPolicy,
                     args: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        queue = FalQueue(client, key, provider=provider.name, policy=policy,
                         base_url=queue_base_url(provider.settings),
                         timeout=provider.poll_timeout, report=ctx.report, on_retry=ctx.on_retry)
        request_id, output = await queue.run(app_id, args, resume_id=ctx.resume_id,
                                             on_submitted=ctx.on_submitted)
        return request_id, output, pick_url(output, request_id)

    return await _run_remote(provider, ctx, "fal_key", arguments, submit, fetch, out)


async def run_replicate(provider: RemoteProvider, ctx: JobContext, arguments: Arguments, *,
                        kind: str, fetch: Fetch, out: Path) -> RemoteJob:
    """Run (or resume) a prediction of `provider.model`, `fetch` its first output (a `kind`,
    for the message if there is none) into `out`; errors are scrubbed of the token."""

    async def submit(client: httpx.AsyncClient, token: str, policy: RetryPolicy,
                     args: dict[str, Any]) -> tuple[str, dict[str, Any], str]:
        api = ReplicateAPI(client, token, base_url=provider.settings.replicate_base_url,
                           provider=provider.name, policy=policy, timeout=provider.poll_timeout,
                           report=ctx.report, on_retry=ctx.on_retry)
        prediction = await api.run(provider.model, args, resume_id=ctx.resume_id,
                                   on_submitted=ctx.on_submitted)
        urls = output_urls(prediction.get("output"))
        if not urls:
            raise ProviderError(f"{provider.name}: the prediction has no {kind} output",
                                provider=provider.name, request_id=prediction["id"],
                                body=str(prediction.get("output"))[:2000])
        return prediction["id"], prediction, urls[0]

    return await _run_remote(provider, ctx, "replicate_api_token", arguments, submit, fetch, out)


# ---- fal ------------------------------------------------------------------------------------


class FalImageProvider(ImageProvider):
    """FLUX on fal's queue (`fal:flux-schnell`, `fal:flux-dev`, or `fal:<app id>`)."""

    key_var: ClassVar[str | None] = "FAL_KEY"
    MODELS: ClassVar[dict[str, str]] = {"flux-schnell": "fal-ai/flux/schnell",
                                        "flux-dev": "fal-ai/flux/dev"}
    STEPS: ClassVar[dict[str, int]] = {"fal-ai/flux/schnell": 4, "fal-ai/flux/dev": 28}
    poll_timeout: float = 300.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, model, settings)
        self.app_id = resolve_model("fal", model, self.MODELS)
        self.steps = self.STEPS.get(self.app_id)

    def params(self) -> dict[str, Any]:
        return {"app": self.app_id, "num_inference_steps": self.steps,
                "enable_safety_checker": True, "output_format": "png", "fit": "cover"}

    def arguments(self, request: ImageRequest) -> dict[str, Any]:
        """The app's input for one shot."""
        args: dict[str, Any] = {
            "prompt": styled_prompt(request),
            "image_size": {"width": request.width, "height": request.height},
            "seed": request.seed,
            "num_images": 1,
            "enable_safety_checker": True,
            "output_format": "png",
        }
        if self.steps:
            args["num_inference_steps"] = self.steps
        return args

    def estimate_cost(self, request: ImageRequest) -> float:
        return media_cost(self.name, width=request.width, height=request.height)

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_fal(self, ctx, self.app_id, self.arguments(request),
                            pick_url=self._image_url, out=out,
                            fetch=partial(fetch_image, width=request.width, height=request.height))
        job.meta.update(url=remote_url_for_meta(job.url),
                        seed=job.result.get("seed", request.seed))
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=self.app_id, meta=job.meta)

    def _image_url(self, output: dict[str, Any], request_id: str) -> str:
        if any(output.get("has_nsfw_concepts") or []):
            raise ContentRefused(
                f"{self.name}: the safety checker flagged the image as NSFW",
                provider=self.name, request_id=request_id, hint="Rephrase the shot's prompt.",
            )
        images = output.get("images") or []
        url = images[0].get("url") if images and isinstance(images[0], dict) else None
        if not url:
            raise ProviderError(f"{self.name}: the result has no image", provider=self.name,
                                body=str(output)[:2000], request_id=request_id)
        return str(url)


# ---- Replicate ------------------------------------------------------------------------------


class ReplicateImageProvider(ImageProvider):
    """A text-to-image model on Replicate (`replicate:owner/name`), FLUX schnell by default."""

    key_var: ClassVar[str | None] = "REPLICATE_API_TOKEN"
    ASPECTS: ClassVar[tuple[str, ...]] = ("1:1", "16:9", "21:9", "3:2", "2:3", "4:5", "5:4",
                                          "3:4", "4:3", "9:16", "9:21")
    poll_timeout: float = 300.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, replicate_model(model), settings)

    def params(self) -> dict[str, Any]:
        return {"output_format": "png", "num_outputs": 1, "aspect_ratio": "nearest",
                "fit": "cover"}

    def arguments(self, request: ImageRequest) -> dict[str, Any]:
        """The model's input for one shot (FLUX schnell takes no negative prompt)."""
        return {
            "prompt": styled_prompt(request),
            "aspect_ratio": nearest_aspect(request.width, request.height, self.ASPECTS),
            "output_format": "png",
            "num_outputs": 1,
            "seed": request.seed,
        }

    def estimate_cost(self, request: ImageRequest) -> float:
        return media_cost(self.name, width=request.width, height=request.height)

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_replicate(self, ctx, self.arguments(request), kind="image", out=out,
                                  fetch=partial(fetch_image, width=request.width,
                                                height=request.height))
        job.meta.update(url=remote_url_for_meta(job.url), seed=request.seed,
                        version=job.result.get("version"))
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=self.model, meta=job.meta)
