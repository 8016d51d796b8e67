"""The keyless image and video providers as the registry builds them.

Light classes: their work (Pillow drawing in film.offline.composite and .storyboard, the ffmpeg
camera moves in film.offline.camera_moves) is imported when they are first asked to make
something, so planning a run, and a rerun with nothing to do, never loads it.
"""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path
from typing import Any

from film.errors import InputError, MediaError
from film.providers.contract import (
    ImageProvider,
    ImageRequest,
    JobContext,
    MediaResult,
    ReferenceRequest,
    VideoProvider,
    VideoRequest,
)

#: bump when a change to the drawing should make existing frames stale
DRAWING_VERSION = 4  # 4: Noto fonts, every script
#: bump when a change to the camera moves should make existing clips stale
CAMERA_MOVES_VERSION = 2


class DrawnImageProvider(ImageProvider):
    """What the offline image providers share: local and free, and the references (a sheet per
    character, a plate per location) drawn offline."""

    remote = False
    uses_references = True  # type: ignore[assignment]

    async def reference(self, request: ReferenceRequest, out: Path, ctx: JobContext
                        ) -> MediaResult:
        """A character's sheet or a location's plate, drawn offline (choose
        --reference-provider to have them made by a model)."""
        from film.offline.composite import write_reference

        return await write_reference(request, out, self.model)


class StoryboardImageProvider(DrawnImageProvider):
    """Keyless images: a painted storyboard panel per shot (deterministic, no network), its
    people drawn from their looks on their location's plate."""

    def params(self) -> dict[str, Any]:
        return {"renderer": f"storyboard-v{DRAWING_VERSION}"}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Render the shot's panel and write it to `out` as PNG."""
        from PIL.PngImagePlugin import PngInfo

        from film.offline.camera_moves import HOLD_KEY, choose_move
        from film.offline.storyboard import render_storyboard_frame
        from film.offline.storyboard_overlays import bars

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
            "renderer": f"storyboard-v{DRAWING_VERSION}", "move": choose_move(request.shot),
        })


class CompositeImageProvider(DrawnImageProvider):
    """Each shot from its location's plate and its characters cut out of their sheets (made
    by --reference-provider, fal or the storyboard), placed by shot type. Local and free."""

    def params(self) -> dict[str, Any]:
        return {"renderer": f"composite-v{DRAWING_VERSION}"}

    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        missing = [r.name for r in request.references if not r.path.is_file()]
        if missing:
            raise InputError(f"{request.shot.shot_id}: no reference yet for "
                             f"{', '.join(missing)}",
                             hint="Run the sheets and plates stages first (film run does).")
        from film.offline.composite import render_shot, sheet_person

        def work() -> None:
            image = render_shot(request, people=sheet_person, captions=False,
                                rng=random.Random(request.seed))
            image.save(out, format="PNG", compress_level=1)

        await asyncio.to_thread(work)
        return MediaResult(model=self.model)


class CameraMoveVideoProvider(VideoProvider):
    """Keyless video: pans, pushes and a subtle handheld wobble over the shot's still."""

    remote = False
    makes_keyframes = True

    def params(self) -> dict[str, Any]:
        return {"renderer": f"camera-moves-v{CAMERA_MOVES_VERSION}"}

    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write a clip of exactly the shot's duration made from `request.image_path`."""
        from film.media.ffmpeg import run_ffmpeg
        from film.offline.camera_moves import (
            camera_move_args,
            choose_move,
            even,
            frame_count,
            held_bars,
        )

        if not Path(request.image_path).is_file():
            raise InputError(f"no still to animate at {request.image_path}")
        move = choose_move(request.shot)
        top, bottom = held_bars(Path(request.image_path))
        args = camera_move_args(
            Path(request.image_path), out, move=move, duration=request.duration,
            width=request.width, height=request.height, fps=request.fps, seed=request.seed,
            hold_top=top, hold_bottom=bottom, keyframes=request.keyframes,
        )
        await run_ffmpeg(args, what=f"camera move for {request.shot.shot_id}")
        frames = frame_count(request.duration, request.fps)
        return MediaResult(model=self.model, meta={
            "move": move, "frames": frames, "fps": request.fps,
            "duration": frames / request.fps, "size": [even(request.width), even(request.height)],
            "held": [top, bottom],
        })
