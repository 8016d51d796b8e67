"""Remote image providers: FLUX on fal's queue and any text-to-image model on Replicate.

Both run a remote job (film.providers.remote_job), download the image into the caller's temp
path, and make it a PNG of the requested size.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import httpx

from film.config import Settings
from film.costs import media_cost
from film.errors import ContentRefused, ProviderError
from film.providers.contract import ImageProvider, ImageRequest, JobContext, MediaResult
from film.providers.remote_job import (
    app_id_for,
    nearest_aspect,
    remote_url_for_meta,
    replicate_model,
    run_fal,
    run_replicate,
)
from film.vendors.http import RetryPolicy, download

# ---- shared with video_providers -----------------------------------------------------------


def styled_prompt(request: ImageRequest) -> str:
    """The shot's prompt, each character in frame described in the same words every time,
    plus style words it does not already contain."""
    prompt = request.shot.enhanced_prompt.strip()
    looks = [f"{r.name}: {r.visual}" for r in request.references
             if r.kind == "character" and r.visual and r.visual.lower() not in prompt.lower()]
    words = [request.style or "", *request.shot.styles]
    extra: list[str] = []
    for word in (w.strip() for w in words):
        if word and word.lower() not in prompt.lower() and word not in extra:
            extra.append(word)
    parts = [prompt, *extra]
    return ", ".join(parts) + (". " + ". ".join(looks) if looks else "")


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
        self.app_id = app_id_for("fal", model, self.MODELS)
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
