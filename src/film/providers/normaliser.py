"""The normalise stage's provider: ffmpeg, through film.media.normalise (local, free)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.errors import MediaError
from film.providers.contract import JobContext, MediaResult, Provider


class FfmpegNormaliser(Provider):
    """Brings a clip to the film's format once: copied when it is in it already, else
    encoded with the shared settings and the compose's key frames."""

    kind = "normalise"
    remote = False

    def params(self) -> dict[str, Any]:
        """What changes the output: the normaliser's version, the encoder settings, the
        ffmpeg build (another x264 may write other parameter sets)."""
        from film.media.ffmpeg import VIDEO_CODEC_ARGS, ffmpeg_binary
        from film.media.normalise import NORMALISE_VERSION

        return {"normaliser": f"v{NORMALISE_VERSION}", "codec": VIDEO_CODEC_ARGS,
                "ffmpeg": Path(ffmpeg_binary()).name}

    async def normalise(self, request: Any, out: Path, ctx: JobContext) -> MediaResult:
        """Write the shot's clip in the film's format to `out`."""
        from film.media.normalise import normalise_clip

        width, height = request.size
        try:
            meta = await normalise_clip(request.clip, out, width=width, height=height,
                                        fps=request.fps, keyframes=request.keyframes,
                                        cache_dir=request.cache_dir)
        except MediaError as exc:
            exc.hint = exc.hint or (
                f"If the clip was damaged or replaced by hand, make it again: film regen -p "
                f"DIR --shot {request.shot_id} --stage video.")
            raise
        return MediaResult(model=self.model, meta=meta)
