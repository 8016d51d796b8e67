"""Fake remote providers for engine tests: count calls, cost money, fail on request."""

from __future__ import annotations

import asyncio
import hashlib
import io
import struct
import wave
from collections import Counter
from pathlib import Path
from typing import Any, ClassVar

from film.errors import ContentRefused, ProviderError, Unavailable
from film.providers.contract import (
    ImageProvider,
    JobContext,
    MediaResult,
    SpeechProvider,
    VideoProvider,
)


class Script:
    """Shared knobs and counters (reset by the `fakes` fixture)."""

    calls: ClassVar[Counter] = Counter()
    submits: ClassVar[list[str]] = []
    resumed: ClassVar[list[str]] = []
    fail: ClassVar[set[str]] = set()
    fail_after_submit: ClassVar[set[str]] = set()
    unauthorized: ClassVar[set[str]] = set()
    refuse: ClassVar[set[str]] = set()
    cost: ClassVar[float] = 0.0
    delay: ClassVar[dict[str, float]] = {}
    gate: ClassVar[asyncio.Event | None] = None
    on_submit_check: ClassVar[Any] = None

    @classmethod
    def reset(cls) -> None:
        cls.calls = Counter()
        cls.submits, cls.resumed = [], []
        cls.fail, cls.refuse, cls.fail_after_submit = set(), set(), set()
        cls.unauthorized = set()
        cls.cost, cls.delay, cls.gate, cls.on_submit_check = 0.0, {}, None, None


#: the fakes as the registry names them: `--image-provider fake` and so on
FAKE = {"image": "fake_providers:FakeImage", "video": "fake_providers:FakeVideo",
        "speech": "fake_providers:FakeSpeech"}


def register_fakes(monkeypatch: Any) -> None:
    """Make `fake` a provider of each kind (model m1) for one test, with fresh counters."""
    from film.providers import registry

    for kind, target in FAKE.items():
        monkeypatch.setitem(registry.REGISTRY[kind], "fake", target)
        monkeypatch.setitem(registry.DEFAULT_MODELS[kind], "fake", "m1")
    Script.reset()


def png_bytes(seed: int) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 36), ((seed * 40) % 256, 80, 120)).save(buf, "PNG")
    return buf.getvalue()


async def _job(kind: str, shot_id: str, ctx: JobContext) -> str:
    key = f"{kind}:{shot_id}"
    Script.calls[key] += 1
    if shot_id in Script.refuse:
        raise ContentRefused(f"fake {kind}: refused", provider=f"fake-{kind}", status=400)
    if shot_id in Script.unauthorized:
        raise ProviderError(f"fake {kind} answered 401", provider=f"fake-{kind}", status=401)
    if shot_id in Script.fail:
        raise Unavailable(f"fake {kind}: 500 after retries", provider=f"fake-{kind}", status=500)
    if ctx.resume_id:
        Script.resumed.append(ctx.resume_id)
        job = ctx.resume_id
    else:
        job = f"job-{key}-{len(Script.submits)}"
        Script.submits.append(job)
        ctx.on_submitted(job)
        if Script.on_submit_check:
            Script.on_submit_check(job)
    if shot_id in Script.fail_after_submit:
        raise Unavailable(f"fake {kind}: timed out waiting for {job}", provider=f"fake-{kind}")
    if Script.gate is not None:
        await Script.gate.wait()
    await asyncio.sleep(Script.delay.get(kind, 0.0))
    return job


class Priced:
    """The fakes price themselves (Script.cost), so they may run under --max-cost."""

    def price_known(self) -> bool:
        return True


class FakeImage(Priced, ImageProvider):

    def params(self) -> dict[str, Any]:
        return {"steps": 4}

    def estimate_cost(self, request: Any) -> float:
        return Script.cost

    async def generate(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        job = await _job("image", request.shot.shot_id, ctx)
        out.write_bytes(png_bytes(request.shot.shot_number + 7 * (request.seed % 31)))
        return MediaResult(cost_usd=Script.cost, request_id=job)


class FakeVideo(Priced, VideoProvider):
    def estimate_cost(self, request: Any) -> float:
        return Script.cost

    async def animate(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        job = await _job("video", request.shot.shot_id, ctx)
        image = hashlib.sha256(request.image_path.read_bytes()).hexdigest()
        out.write_bytes(f"fake-mp4:{image}:{request.seed}".encode())
        return MediaResult(cost_usd=Script.cost, request_id=job)


class FakeSpeech(Priced, SpeechProvider):
    def resolve_voice(self, request: Any) -> str:
        return request.voice or f"voice-{request.roles.index(request.role)}"

    async def synthesize(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        job = await _job("speech", request.shot_id, ctx)
        with wave.open(str(out), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(8000)
            wav.writeframes(struct.pack("<h", 1000) * (8000 + 8 * len(request.text)))
        return MediaResult(request_id=job, meta={"duration": 1.0, "voice": request.voice})
