"""Local stills and image-to-video through a ComfyUI server (`comfyui`, `comfyui:<workflow>`).

The provider fills a workflow (film.providers.comfyui_workflow) with the shot's prompt,
negative prompt, seed, size and, for a clip, the still (uploaded to ComfyUI's input folder)
and its frame count, queues it on COMFYUI_BASE_URL, hands the prompt id over before waiting,
and downloads the output through /view. Free: nothing is billed.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

import httpx

from film.config import Settings
from film.errors import ConfigError, ProviderError
from film.providers.comfyui_workflow import Workflow, load_workflow
from film.providers.contract import (
    ImageProvider,
    ImageRequest,
    JobContext,
    MediaResult,
    VideoProvider,
    VideoRequest,
)
from film.providers.images import fetch_image
from film.providers.inputs import styled_prompt, video_prompt
from film.providers.remote_job import client_for
from film.providers.video import fetch_video
from film.vendors.comfyui import ComfyUI, file_items
from film.vendors.uploads import read_image

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")
VIDEO_EXTENSIONS = (".mp4", ".webm", ".mov", ".mkv", ".gif")


class ComfyProvider:
    """What the ComfyUI image and video providers share (mixed into each)."""

    name: str
    model: str
    settings: Settings
    kind: ClassVar[str]
    remote: ClassVar[bool] = True  # a server: its jobs are saved, resumed, fallen back from
    key_var: ClassVar[str | None] = None
    poll_timeout: float = 1800.0
    workflow: Workflow

    def _load(self, model: str, settings: Settings) -> None:
        setting = f"comfyui_{self.kind}_workflow"
        path = getattr(settings, setting) if model == "workflow" else Path(model)
        if path is None:
            raise ConfigError(f"no ComfyUI {self.kind} workflow is set ({setting.upper()})",
                              hint=f"Set {setting.upper()} to a workflow exported with "
                              f"Export (API), or use comfyui:<file.json> (examples/comfyui/).")
        self.workflow = load_workflow(Path(path).expanduser(), self.kind)

    def params(self) -> dict[str, Any]:
        return {"workflow": self.workflow.digest}

    def price_known(self) -> bool:
        return True

    def estimate_cost(self, request: Any) -> float:
        return 0.0

    def client(self, http: httpx.AsyncClient, ctx: JobContext) -> ComfyUI:
        return ComfyUI(http, self.settings.comfyui_base_url, provider=self.name,
                       policy=ctx.retry_policy(), timeout=self.poll_timeout,
                       report=ctx.report, on_retry=ctx.on_retry)

    async def job_state(self, request_id: str, ctx: JobContext) -> str:
        """What the server says about a prompt a stopped run left (film jobs)."""
        async with client_for(ctx) as http:
            comfy = self.client(http, ctx)
            entry = await comfy.history(request_id)
            if entry is not None:
                failed = (entry.get("status") or {}).get("status_str") == "error"
                return "failed" if failed else "completed, not collected yet"
            return await comfy.queued(request_id) or "gone (not queued, no result)"

    def pick(self, comfy: ComfyUI, entry: dict[str, Any], extensions: tuple[str, ...],
             prompt_id: str) -> str:
        """The /view URL of the output file to keep: of the mapped output node if any,
        saved ("output") before previews, in the order of `extensions`."""
        items = file_items(entry.get("outputs") or {}, self.workflow.option("output"))
        usable = [i for i in items if i["filename"].lower().endswith(extensions)]
        if not usable:
            names = ", ".join(i["filename"] for i in items) or "none"
            raise ProviderError(f"{self.name}: prompt {prompt_id} made no "
                                f"{'/'.join(extensions)} file (its outputs: {names})",
                                provider=self.name, request_id=prompt_id,
                                hint="Give the workflow a SaveImage / SaveVideo node.")

        def rank(item: dict[str, Any]) -> tuple[int, int]:
            ext = next(i for i, e in enumerate(extensions)
                       if item["filename"].lower().endswith(e))
            return (item.get("type") != "output", ext)

        return comfy.view_url(min(usable, key=rank))


class ComfyImageProvider(ComfyProvider, ImageProvider):
    """A still from a ComfyUI text-to-image workflow."""

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        ImageProvider.__init__(self, name, model, settings)
        self._load(model, settings)

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        width, height = self.workflow.size(request.width, request.height)
        graph = self.workflow.filled({
            "prompt": styled_prompt(request), "negative_prompt": request.shot.negative_prompt,
            "seed": request.seed, "width": width, "height": height})

        async def make() -> dict[str, Any]:
            return graph

        async with client_for(ctx) as http:
            comfy = self.client(http, ctx)
            prompt_id, entry = await comfy.run(make, resume_id=ctx.resume_id,
                                               on_submitted=ctx.on_submitted)
            url = self.pick(comfy, entry, IMAGE_EXTENSIONS, prompt_id)
            meta = await fetch_image(http, url, out, provider=self.name,
                                     policy=ctx.retry_policy(), width=request.width,
                                     height=request.height)
        meta.update(workflow=str(self.workflow.path), seed=request.seed)
        return MediaResult(request_id=prompt_id, model=self.model, meta=meta)


class ComfyVideoProvider(ComfyProvider, VideoProvider):
    """A clip from a ComfyUI image-to-video workflow, starting from the shot's still."""

    poll_timeout: float = 3600.0

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        VideoProvider.__init__(self, name, model, settings)
        self._load(model, settings)

    def params(self) -> dict[str, Any]:
        return {"workflow": self.workflow.digest, "fps": self.workflow.option("fps")}

    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        width, height = self.workflow.size(request.width, request.height)
        frames = self.workflow.frames(request.duration)

        async with client_for(ctx) as http:
            comfy = self.client(http, ctx)

            async def make() -> dict[str, Any]:
                still = await asyncio.to_thread(read_image, request.image_path)
                name = f"film-{still.digest[:16]}{Path(still.name).suffix or '.png'}"
                image = await comfy.upload_image(still, name)
                return self.workflow.filled({
                    "prompt": video_prompt(request.shot),
                    "negative_prompt": request.shot.negative_prompt, "seed": request.seed,
                    "width": width, "height": height, "image": image, "frames": frames})

            prompt_id, entry = await comfy.run(make, resume_id=ctx.resume_id,
                                               on_submitted=ctx.on_submitted)
            url = self.pick(comfy, entry, VIDEO_EXTENSIONS, prompt_id)
            meta = await fetch_video(http, url, out, provider=self.name,
                                     policy=ctx.retry_policy())
        meta.update(workflow=str(self.workflow.path), frames=frames)
        return MediaResult(request_id=prompt_id, model=self.model, meta=meta)
