"""film-solid: an example provider plugin for film.

`SolidImageProvider` makes a still per shot from flat colour blocks: the sky and the ground
take colours from the shot's time of day and mood, a block stands for each character. It
needs no key and no network. Installed, it is `--image-provider solid` (or `solid:bands` for
three horizontal bands instead of blocks), listed by `film providers`.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any, ClassVar

from PIL import Image, ImageDraw

from film.providers.contract import ImageProvider, ImageRequest, JobContext, MediaResult

__all__ = ["SolidImageProvider"]

_SKIES = {"night": (18, 24, 52), "dusk": (170, 86, 96), "dawn": (236, 170, 150),
          "evening": (140, 80, 110), "day": (120, 170, 226)}


class SolidImageProvider(ImageProvider):
    """Flat colour stills: `solid` (blocks) or `solid:bands`."""

    remote: ClassVar[bool] = False  # local work: no budget, no retries, no fallback
    default_model: ClassVar[str] = "blocks"

    def params(self) -> dict[str, Any]:
        """What changes the picture (part of every still's input hash)."""
        return {"style": self.model, "version": 1}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write the still to `out` (a temporary path film renames into place)."""
        image = await asyncio.to_thread(self.draw, request)
        image.save(out, format="PNG")
        return MediaResult(model=self.model, meta={"style": self.model})

    def draw(self, request: ImageRequest) -> Image.Image:
        shot = request.shot
        sky = _SKIES.get((shot.time_of_day or "day").lower(), _SKIES["day"])
        ground = _tint(shot.mood or "", request.seed)
        image = Image.new("RGB", (request.width, request.height), sky)
        draw = ImageDraw.Draw(image)
        horizon = int(request.height * (0.5 if self.model == "bands" else 0.62))
        draw.rectangle((0, horizon, request.width, request.height), fill=ground)
        if self.model == "bands":
            draw.rectangle((0, horizon - request.height // 10, request.width, horizon),
                           fill=_mix(sky, ground))
        for i, name in enumerate(shot.characters):
            width = request.width // (2 * max(1, len(shot.characters)) + 1)
            x = width * (2 * i + 1)
            draw.rectangle((x, horizon - request.height // 3, x + width, horizon),
                           fill=_tint(name, 0))
        return image


def _tint(text: str, seed: int) -> tuple[int, int, int]:
    digest = hashlib.sha256(f"{text}:{seed}".encode()).digest()
    return (60 + digest[0] % 160, 60 + digest[1] % 160, 60 + digest[2] % 160)


def _mix(a: tuple[int, int, int], b: tuple[int, int, int]) -> tuple[int, int, int]:
    return (a[0] + b[0]) // 2, (a[1] + b[1]) // 2, (a[2] + b[2]) // 2
