"""The compose stage's provider: ffmpeg, through film.media (local, free)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.errors import MediaError
from film.providers.contract import JobContext, MediaResult, Provider


class FfmpegComposer(Provider):
    """Builds the timeline of a ComposeRequest and renders it segment by segment."""

    kind = "compose"
    remote = False

    async def compose(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        """Write final.mp4 to `out` and subtitles.srt beside the film."""
        from film.media.compose import compose_film
        from film.media.timeline import build_timeline

        options = request.options
        timeline = build_timeline(list(request.parts), transition=options.transition,
                                  transition_duration=options.transition_duration,
                                  fps=request.fps)
        width, height = request.size
        try:
            report = await compose_film(
                timeline, out=out, srt_out=request.subtitles, width=width, height=height,
                fps=request.fps, music=options.music, music_volume=options.music_volume,
                burn_subtitles=options.burn_subtitles, cache_dir=request.cache_dir,
                workers=request.workers)
        except MediaError as exc:
            exc.hint = exc.hint or (
                "If a clip or voice file was damaged or replaced by hand, make it again: "
                "film regen -p DIR --shot ID --stage video (or speech).")
            raise
        meta = {k: v for k, v in vars(report).items() if isinstance(v, (int, float, str, dict))}
        params = {**options.remembered(), "fps": request.fps, "size": list(request.size)}
        return MediaResult(meta=meta, params=params)
