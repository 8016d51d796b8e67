"""Providers that only wait a fixed time (the pipeline benchmark's stand-ins for remote APIs)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, ClassVar

from film.providers.contract import (
    ImageProvider,
    JobContext,
    MediaResult,
    SpeechProvider,
    VideoProvider,
)


class Latency:
    image: ClassVar[float] = 1.0
    video: ClassVar[float] = 3.0
    speech: ClassVar[float] = 0.5
    calls: ClassVar[int] = 0


async def _wait(seconds: float, out: Path, payload: bytes) -> MediaResult:
    Latency.calls += 1
    await asyncio.sleep(seconds)
    out.write_bytes(payload)
    return MediaResult(request_id="bench")


class SlowImage(ImageProvider):
    async def generate(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        return await _wait(Latency.image, out, request.shot.shot_id.encode())


class SlowVideo(VideoProvider):
    async def animate(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        return await _wait(Latency.video, out, request.image_path.read_bytes())


class SlowSpeech(SpeechProvider):
    async def synthesize(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        return await _wait(Latency.speech, out, request.text.encode())
