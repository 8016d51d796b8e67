"""Remote image-to-video providers: models on fal's queue and on Replicate.

Each model's input field names (the start image, the clip's length and the values it allows,
...), fixed values and price come from the media catalogue (film.providers.catalogue). The
shot's still reaches the model as an uploaded file (or, on Replicate, inline when small); the
prompt is the shot's prompt plus words for its camera movement. The clip is downloaded as it
is (compose normalises its length, size and frame rate) and checked with ffmpeg; its real
length goes into meta["duration"].
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import httpx

from film.config import Settings
from film.errors import MediaError, ProviderError
from film.media.ffmpeg import probe
from film.providers.catalogue import MediaModel, find_model
from film.providers.contract import JobContext, MediaResult, VideoProvider, VideoRequest
from film.providers.inputs import (
    CAMERA_WORDS,
    check_usable,
    chosen_references,
    video_arguments,
    video_prompt,
)
from film.providers.remote_job import (
    Uploader,
    fal_job_state,
    remote_url_for_meta,
    replicate_job_state,
    replicate_model,
    run_fal,
    run_replicate,
)
from film.vendors.http import RetryPolicy, download

__all__ = ["CAMERA_WORDS", "FalVideoProvider", "ReplicateVideoProvider", "fetch_video",
           "video_prompt"]


def _check_clip(path: Path, provider: str) -> dict[str, Any]:
    try:
        info = probe(path)
    except MediaError as exc:
        raise ProviderError(f"{provider}: corrupt video (ffmpeg cannot read it)",
                            provider=provider) from exc
    if not info.video:
        raise ProviderError(f"{provider}: corrupt video (no video stream)", provider=provider)
    stream = info.video[0]
    return {"duration": info.duration, "codec": stream.codec, "width": stream.width,
            "height": stream.height, "fps": stream.fps}


async def fetch_video(client: httpx.AsyncClient, url: str, out: Path, *, provider: str,
                      policy: RetryPolicy) -> dict[str, Any]:
    """Download `url` into `out` and check it is a readable video; no file left on error."""
    try:
        await download(client, url, out, provider=provider, expect=("video/", "image/gif"),
                       policy=policy)
        return await asyncio.to_thread(_check_clip, out, provider)
    except BaseException:
        out.unlink(missing_ok=True)
        raise


class CatalogueVideoProvider(VideoProvider):
    """What the fal and Replicate video providers share: their catalogue entry, the clip's
    billed length and price, and the input made once the still has a URL."""

    vendor: ClassVar[str]
    catalogue_model: MediaModel

    def _use(self, model: str) -> None:
        self.catalogue_model = find_model(self.vendor, "video", model)

    @property
    def uses_references(self) -> bool:
        """Models with a reference-image field get the sheets of the characters in frame."""
        return self.catalogue_model.references is not None

    def price_known(self) -> bool:
        return self.catalogue_model.price is not None

    def clip_seconds(self, request: VideoRequest) -> float:
        """How long the model's clip will be (an allowed length, its fixed one, the shot's)."""
        return self.catalogue_model.clip_length(request.duration)

    def estimate_cost(self, request: VideoRequest) -> float:
        return self.catalogue_model.cost(seconds=self.clip_seconds(request))

    def arguments(self, request: VideoRequest, still_url: str,
                  references: Sequence[str] = ()) -> dict[str, Any]:
        """The model's input for one clip, in its own field names."""
        return video_arguments(self.catalogue_model, request, still_url, references)

    def with_still(self, request: VideoRequest
                   ) -> Callable[[Uploader], Awaitable[dict[str, Any]]]:
        """An async maker of the input: the still's URL (uploaded when needed) in place, and
        the URLs of the reference images the model takes."""
        check_usable(self.catalogue_model, self.vendor, request.references)
        refs = chosen_references(self.catalogue_model, request.references)

        async def make(upload: Uploader) -> dict[str, Any]:
            still = await upload(request.image_path)
            return self.arguments(request, still, [await upload(r.path) for r in refs])

        return make

    def result(self, request: VideoRequest, job: Any, model: str) -> MediaResult:
        job.meta["url"] = remote_url_for_meta(job.url)
        job.meta["billed_seconds"] = self.clip_seconds(request)
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=model, meta=job.meta)


# ---- fal ------------------------------------------------------------------------------------


class FalVideoProvider(CatalogueVideoProvider):
    """Image-to-video on fal's queue: `fal:<catalogue name>` (hailuo-02-standard,
    kling-2.1-pro, ...; `minimax` and `kling` are the older MiniMax video-01 and Kling 1.6)
    or `fal:<app id>`."""

    vendor: ClassVar[str] = "fal"
    key_var: ClassVar[str | None] = "FAL_KEY"
    poll_timeout: float = 900.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, model, settings)
        self._use(model)
        self.app_id = self.catalogue_model.id

    def params(self) -> dict[str, Any]:
        return {"app": self.app_id, "camera_words": True,
                "duration": self.catalogue_model.duration_rule(), **self.catalogue_model.fixed}

    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_fal(self, ctx, self.app_id, self.with_still(request),
                            pick_url=self._video_url, fetch=fetch_video, out=out)
        return self.result(request, job, self.app_id)

    async def job_state(self, request_id: str, ctx: JobContext) -> str:
        """What fal says about a request a stopped run left (film jobs)."""
        return await fal_job_state(self, ctx, self.app_id, request_id)

    def _video_url(self, output: dict[str, Any], request_id: str) -> str:
        video = output.get("video")
        url = video.get("url") if isinstance(video, dict) else None
        if not url:
            raise ProviderError(f"{self.name}: the result has no video", provider=self.name,
                                request_id=request_id, body=str(output)[:2000])
        return url


# ---- Replicate ------------------------------------------------------------------------------


class ReplicateVideoProvider(CatalogueVideoProvider):
    """An image-to-video model on Replicate: `replicate:owner/name` (an official model) or
    `replicate:owner/name:version` (any model); MiniMax video-01 by default."""

    vendor: ClassVar[str] = "replicate"
    key_var: ClassVar[str | None] = "REPLICATE_API_TOKEN"
    poll_timeout: float = 900.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, replicate_model(model), settings)
        self._use(model)
        self.image_field = self.catalogue_model.fields.start_image

    def params(self) -> dict[str, Any]:
        rule = self.catalogue_model.duration_rule()
        return {"image_field": self.image_field, "camera_words": True,
                **({"duration": rule} if rule else {}), **self.catalogue_model.fixed}

    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_replicate(self, ctx, self.with_still(request), kind="video",
                                  fetch=fetch_video, out=out)
        result = self.result(request, job, self.model)
        result.meta["version"] = job.result.get("version")
        return result

    async def job_state(self, request_id: str, ctx: JobContext) -> str:
        """What Replicate says about a prediction a stopped run left (film jobs)."""
        return await replicate_job_state(self, ctx, request_id)
