"""Remote image providers: text-to-image models on fal's queue and on Replicate.

Each model's input field names, fixed values and price come from the media catalogue
(film.providers.catalogue), so `fal:<catalogue name>`, `fal:<app id>` and
`replicate:owner/name[:version]` all work. Both run a remote job (film.providers.remote_job),
download the image into the caller's temp path, and make it a PNG of the requested size.
"""

from __future__ import annotations

import asyncio
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

import httpx

from film.config import Settings
from film.errors import ConfigError, ContentRefused, ProviderError
from film.providers.catalogue import MediaModel, find_model
from film.providers.contract import (
    ImageProvider,
    ImageRequest,
    JobContext,
    MediaResult,
    ReferenceRequest,
)
from film.providers.inputs import check_usable, chosen_references, image_arguments, styled_prompt
from film.providers.remote_job import (
    Arguments,
    Uploader,
    fal_job_state,
    remote_url_for_meta,
    replicate_job_state,
    replicate_model,
    run_fal,
    run_replicate,
)
from film.vendors.http import RetryPolicy, download

__all__ = ["FalImageProvider", "ReplicateImageProvider", "fetch_image", "styled_prompt"]


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


class CatalogueImageProvider(ImageProvider):
    """What the fal and Replicate image providers share: their catalogue entry and price."""

    vendor: ClassVar[str]
    catalogue_model: MediaModel

    def price_known(self) -> bool:
        return self.catalogue_model.price is not None

    def estimate_cost(self, request: ImageRequest) -> float:
        return self.catalogue_model.cost(width=request.width, height=request.height)

    @property
    def uses_references(self) -> bool:
        """Models with a reference-image field get the sheets and plates of the shot."""
        return self.catalogue_model.references is not None

    def arguments(self, request: ImageRequest) -> Arguments:
        """The model's input for one shot, in its own field names; with reference images, an
        async maker that uploads them first (only when a job is submitted)."""
        model = self.catalogue_model
        check_usable(model, self.vendor, request.references)
        refs = chosen_references(model, request.references)
        if not refs:
            return image_arguments(model, request)

        async def make(upload: Uploader) -> dict[str, Any]:
            urls = [await upload(ref.path) for ref in refs]
            return image_arguments(model, request, urls)

        return make

    async def reference(self, request: ReferenceRequest, out: Path, ctx: JobContext
                        ) -> MediaResult:
        """A sheet or plate from its prompt (a model that needs a reference image to run
        cannot make one: the run draws references with the vendor's text-to-image model)."""
        if self.catalogue_model.requires_reference:
            raise ConfigError(f"{self.name} needs a reference image, so it cannot draw the "
                              "references themselves",
                              hint=f"Add --reference-provider {self.vendor} (its text-to-image "
                              "default) or another provider.")
        return await super().reference(request, out, ctx)


class FalImageProvider(CatalogueImageProvider):
    """A text-to-image model on fal's queue: `fal:<catalogue name>` (flux-schnell, flux-dev,
    ...) or `fal:<app id>`."""

    vendor: ClassVar[str] = "fal"
    key_var: ClassVar[str | None] = "FAL_KEY"
    poll_timeout: float = 300.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, model, settings)
        self.catalogue_model = find_model("fal", "image", model)
        self.app_id = self.catalogue_model.id

    def params(self) -> dict[str, Any]:
        fixed = {k: v for k, v in self.catalogue_model.fixed.items() if k != "num_images"}
        return {"app": self.app_id, **fixed, "fit": "cover"}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_fal(self, ctx, self.app_id, self.arguments(request),
                            pick_url=self._image_url, out=out,
                            fetch=partial(fetch_image, width=request.width, height=request.height))
        job.meta.update(url=remote_url_for_meta(job.url),
                        seed=job.result.get("seed", request.seed))
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=self.app_id, meta=job.meta)

    async def job_state(self, request_id: str, ctx: JobContext) -> str:
        """What fal says about a request a stopped run left (film jobs)."""
        return await fal_job_state(self, ctx, self.app_id, request_id)

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


class ReplicateImageProvider(CatalogueImageProvider):
    """A text-to-image model on Replicate: `replicate:owner/name` (an official model) or
    `replicate:owner/name:version` (any model); FLUX schnell by default."""

    vendor: ClassVar[str] = "replicate"
    key_var: ClassVar[str | None] = "REPLICATE_API_TOKEN"
    poll_timeout: float = 300.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, replicate_model(model), settings)
        self.catalogue_model = find_model("replicate", "image", model)

    def params(self) -> dict[str, Any]:
        aspect = {"aspect_ratio": "nearest"} if self.catalogue_model.fields.aspect_ratio else {}
        return {**self.catalogue_model.fixed, **aspect, "fit": "cover"}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_replicate(self, ctx, self.arguments(request), kind="image", out=out,
                                  fetch=partial(fetch_image, width=request.width,
                                                height=request.height))
        job.meta.update(url=remote_url_for_meta(job.url), seed=request.seed,
                        version=job.result.get("version"))
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=self.model, meta=job.meta)

    async def job_state(self, request_id: str, ctx: JobContext) -> str:
        """What Replicate says about a prediction a stopped run left (film jobs)."""
        return await replicate_job_state(self, ctx, request_id)
