"""The offline image provider: a storyboard panel per shot, painted with Pillow.

`render_storyboard_frame(request)` is pure (request in, image out, same request → same
pixels): the shot's location plate framed by its shot type (a small group in a big space for
a wide shot, a face filling the frame for a close-up, one object for an insert), its
characters drawn from their looks (the same person in every shot), its light and mood, and a
caption band naming the shot, its move, characters and setting. The work is done in
film.offline.framing (reading the shot) and film.offline.composite (building the frame).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

from film.errors import MediaError
from film.offline.camera_moves import HOLD_KEY, choose_move
from film.offline.composite import RENDERER_VERSION, DrawnImageProvider, drawn_person, render_shot
from film.offline.framing import cast, read_look
from film.offline.storyboard_overlays import bars
from film.providers.contract import ImageRequest, JobContext, MediaResult

__all__ = ["RENDERER_VERSION", "StoryboardImageProvider", "cast", "read_look",
           "render_storyboard_frame"]




def render_storyboard_frame(request: ImageRequest) -> Image.Image:
    """Paint the storyboard panel for `request` (pure: same request, same pixels)."""
    return render_shot(request, people=drawn_person, captions=True)


class StoryboardImageProvider(DrawnImageProvider):
    """Keyless images: a painted storyboard panel per shot (deterministic, no network), its
    people drawn from their looks on their location's plate."""

    def params(self) -> dict[str, Any]:
        return {"renderer": f"storyboard-v{RENDERER_VERSION}"}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Render the shot's panel and write it to `out` as PNG."""

        top, bottom = bars(request.width, request.height)
        info = PngInfo()  # tells the camera-move provider to hold the bars still
        info.add_text(HOLD_KEY, json.dumps({"top": top / request.height,
                                            "bottom": bottom / request.height}))

        def work() -> None:
            image = render_storyboard_frame(request)
            try:
                # fast deflate: the camera move reads it once
                image.save(out, format="PNG", pnginfo=info, compress_level=1)
            except OSError as exc:
                raise MediaError(f"cannot write the storyboard frame {out}: {exc}") from exc

        await asyncio.to_thread(work)
        return MediaResult(model=self.model, meta={
            "width": request.width, "height": request.height,
            "renderer": f"storyboard-v{RENDERER_VERSION}", "move": choose_move(request.shot),
        })
