"""Remote image-to-video providers: MiniMax and Kling on fal's queue, any model on Replicate.

The shot's still reaches the model as a data URI; the prompt is the shot's prompt plus words
for its camera movement. The clip is downloaded as it is (compose normalises its length,
size and frame rate) and checked with ffmpeg; its real length goes into meta["duration"].
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

import httpx

from film.config import Settings
from film.costs import media_cost
from film.errors import InputError, MediaError, ProviderError
from film.media.ffmpeg import probe
from film.providers.contract import JobContext, MediaResult, VideoProvider, VideoRequest
from film.providers.remote_job import (
    app_id_for,
    nearest_aspect,
    remote_url_for_meta,
    replicate_model,
    run_fal,
    run_replicate,
)
from film.schema import Shot
from film.vendors.http import RetryPolicy, download

MAX_DATA_URI_IMAGE = 4_000_000

CAMERA_WORDS: dict[str, str] = {
    "static": "static camera, locked-off shot",
    "push-in": "slow push-in, the camera moves toward the subject",
    "pull-out": "slow pull-out, the camera moves back from the subject",
    "pan-left": "the camera pans slowly to the left",
    "pan-right": "the camera pans slowly to the right",
    "tilt-up": "the camera tilts slowly up",
    "tilt-down": "the camera tilts slowly down",
    "tracking": "tracking shot, the camera follows the subject",
    "handheld": "handheld camera with a subtle natural shake",
    "crane": "crane shot, the camera rises smoothly",
}


def video_prompt(shot: Shot) -> str:
    """The shot's prompt plus words describing its camera movement."""
    prompt = shot.enhanced_prompt.strip()
    words = CAMERA_WORDS.get(shot.camera_movement or "")
    return f"{prompt.rstrip('.')}. {words[0].upper()}{words[1:]}." if words else prompt


def image_data_uri(path: Path, max_bytes: int = MAX_DATA_URI_IMAGE) -> str:
    """A local image as a data URI: PNG as it is, re-encoded as JPEG (q90) if over max_bytes."""
    from PIL import Image

    try:
        data = path.read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
            fmt = im.format
            if fmt != "PNG" or len(data) > max_bytes:
                buf = io.BytesIO()
                if len(data) > max_bytes:
                    im.convert("RGB").save(buf, "JPEG", quality=90)
                    fmt = "JPEG"
                else:
                    im.save(buf, "PNG")
                data = buf.getvalue()
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(f"cannot read the shot's image {path}: {exc}") from exc
    mime = "image/jpeg" if fmt == "JPEG" else "image/png"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


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
        await download(client, url, out, provider=provider, expect=("video/",), policy=policy)
        return await asyncio.to_thread(_check_clip, out, provider)
    except BaseException:
        out.unlink(missing_ok=True)
        raise


def with_still(arguments: Callable[[VideoRequest, str], dict[str, Any]],
               request: VideoRequest) -> Callable[[], Awaitable[dict[str, Any]]]:
    """An async maker of the model's input: `arguments(request, the still as a data URI)`."""

    async def make() -> dict[str, Any]:
        image_uri = await asyncio.to_thread(image_data_uri, request.image_path)
        return arguments(request, image_uri)

    return make


# ---- fal ------------------------------------------------------------------------------------


class FalVideoProvider(VideoProvider):
    """Image-to-video on fal's queue (`fal:minimax`, `fal:kling`, or `fal:<app id>`)."""

    key_var: ClassVar[str | None] = "FAL_KEY"
    MODELS: ClassVar[dict[str, str]] = {
        "minimax": "fal-ai/minimax/video-01/image-to-video",
        "kling": "fal-ai/kling-video/v1.6/standard/image-to-video",
    }
    poll_timeout: float = 900.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, model, settings)
        self.app_id = app_id_for("fal", model, self.MODELS)
        self.is_kling = "kling" in self.app_id

    def params(self) -> dict[str, Any]:
        return {"app": self.app_id, "camera_words": True,
                "duration": "5 if <= 5.5 s else 10" if self.is_kling else None}

    def clip_seconds(self, request: VideoRequest) -> float:
        """How long the model's clip will be (Kling: 5 or 10 s; others: the shot's length)."""
        if self.is_kling:
            return 5.0 if request.duration <= 5.5 else 10.0
        return request.duration

    def arguments(self, request: VideoRequest, image_uri: str) -> dict[str, Any]:
        args: dict[str, Any] = {"prompt": video_prompt(request.shot), "image_url": image_uri}
        if self.is_kling:
            args["duration"] = str(int(self.clip_seconds(request)))
            args["aspect_ratio"] = nearest_aspect(request.width, request.height,
                                                  ("16:9", "9:16", "1:1"))
            if request.shot.negative_prompt:
                args["negative_prompt"] = request.shot.negative_prompt
        return args

    def estimate_cost(self, request: VideoRequest) -> float:
        return media_cost(self.name, seconds=self.clip_seconds(request))

    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_fal(self, ctx, self.app_id, with_still(self.arguments, request),
                            pick_url=self._video_url, fetch=fetch_video, out=out)
        job.meta["url"] = remote_url_for_meta(job.url)
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=self.app_id, meta=job.meta)

    def _video_url(self, output: dict[str, Any], request_id: str) -> str:
        video = output.get("video")
        url = video.get("url") if isinstance(video, dict) else None
        if not url:
            raise ProviderError(f"{self.name}: the result has no video", provider=self.name,
                                request_id=request_id, body=str(output)[:2000])
        return url


# ---- Replicate ------------------------------------------------------------------------------


class ReplicateVideoProvider(VideoProvider):
    """An image-to-video model on Replicate (`replicate:owner/name`), MiniMax video-01 default."""

    key_var: ClassVar[str | None] = "REPLICATE_API_TOKEN"
    #: the input field that takes the first frame, per model (default "image")
    IMAGE_FIELDS: ClassVar[dict[str, str]] = {
        "minimax/video-01": "first_frame_image",
        "minimax/video-01-live": "first_frame_image",
        "kwaivgi/kling-v1.6-standard": "start_image",
    }
    poll_timeout: float = 900.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        super().__init__(name, replicate_model(model), settings)
        self.image_field = self.IMAGE_FIELDS.get(self.model, "image")

    def params(self) -> dict[str, Any]:
        return {"image_field": self.image_field, "camera_words": True}

    def arguments(self, request: VideoRequest, image_uri: str) -> dict[str, Any]:
        return {"prompt": video_prompt(request.shot), self.image_field: image_uri}

    def estimate_cost(self, request: VideoRequest) -> float:
        return media_cost(self.name, seconds=request.duration)

    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        job = await run_replicate(self, ctx, with_still(self.arguments, request), kind="video",
                                  fetch=fetch_video, out=out)
        job.meta.update(url=remote_url_for_meta(job.url), version=job.result.get("version"))
        return MediaResult(cost_usd=self.estimate_cost(request), request_id=job.request_id,
                           model=self.model, meta=job.meta)
