"""The compose stage: clips + voices + music + subtitles → `final.mp4` and `subtitles.srt`.

Each shot's normalised clip (the normalise stage's) is used when it was made from the clip
there now: its body is then copied, not encoded. Otherwise the clip itself is used (the
compose encodes its body, as for any clip)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from film.errors import InputError, ProviderError
from film.fsutil import file_digest, shell_path
from film.lang import line_language
from film.media.ffmpeg import FPS
from film.media.timeline import TimelineShot
from film.schema import Shot
from film.stages.base import Run, failed_before
from film.stages.options import ComposeOptions
from film.stages.speech import shot_length, speech_duration
from film.stages.table import stage


@dataclass(frozen=True)
class ComposeRequest:
    """What final.mp4 is made from."""

    parts: tuple[TimelineShot, ...]
    options: ComposeOptions
    size: tuple[int, int]
    fps: int
    #: where subtitles.srt goes (written beside the film)
    subtitles: Path
    #: the composer's segment cache
    cache_dir: Path
    workers: int


def plan(run: Run, shot: Shot | None, provider: Any) -> tuple[ComposeRequest, dict[str, Any]]:
    """The shots that go into the film (those left out by a failure are skipped) and what the
    compose input hash covers: every clip's and voice's content and the compose settings."""
    root = run.project.root
    options: ComposeOptions = run.options.compose
    parts: list[TimelineShot] = []
    digests = []
    for one in run.shot_list.shots:
        clip = stage("video").path(root, one.shot_id)
        if one.shot_id in run.left_out or (not clip.is_file() and failed_before(run, one.shot_id)):
            run.sink.emit("message", text=f"compose: {one.shot_id} is left out (its image or "
                          "clip failed; `film regen` tries again)")
            continue
        if not clip.is_file():
            raise InputError(f"no clip for {one.shot_id} at {clip}",
                             hint=f"Run `film video -p {shell_path(root)}` first.")
        clip = normalised_clip(run, one.shot_id, clip)
        audio = stage("speech").path(root, one.shot_id)
        has_audio = bool(one.spoken_text) and audio.is_file()
        language = line_language(one.spoken_text or "", run.shot_list.language)
        parts.append(TimelineShot(
            shot_id=one.shot_id, clip=clip, planned=shot_length(run, one),
            speech=audio if has_audio else None,
            speech_duration=speech_duration(run, audio) if has_audio else 0.0,
            text=one.spoken_text, role=one.voice_role, language=language,
        ))
        digests.append([one.shot_id, file_digest(clip),
                        file_digest(audio) if has_audio else None, shot_length(run, one),
                        one.spoken_text, *([language] if language != "en" else [])])
    if not parts and run.failures:
        raise ProviderError("every shot failed, so there is no film to compose:\n  "
                            + "\n  ".join(run.failures[:5]),
                            hint="Fix the cause above and run again, or use --on-error "
                            "fallback to get offline stand-ins.")
    if not parts:
        raise InputError("nothing to compose: no shot has a clip")
    settings = {**options.remembered(), "fps": FPS, "size": list(run.size),
                "music": file_digest(options.music) if options.music else None}
    request = ComposeRequest(
        parts=tuple(parts), options=options, size=run.size, fps=FPS,
        subtitles=root / stage("compose").extra_outputs[0],
        cache_dir=run.project.work_dir / "segments", workers=run.settings.local_workers)
    return request, {"shots": digests, "settings": settings}


def normalised_clip(run: Run, shot_id: str, clip: Path) -> Path:
    """The shot's normalised clip when it is as recorded and was made from `clip` as it is
    now, else `clip`."""
    norm = stage("normalise").path(run.project.root, shot_id)
    entry = run.manifest.artifacts.get(run.project.rel(norm))
    if (entry is None or entry.status != "done" or not norm.is_file()
            or entry.size != norm.stat().st_size):
        return clip
    return norm if entry.meta.get("source") == file_digest(clip) else clip

