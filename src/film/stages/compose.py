"""The compose stage: clips + voices + music + subtitles → `final.mp4` and `subtitles.srt`."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.errors import InputError, MediaError, ProviderError
from film.fsutil import canonical_hash, file_digest
from film.project import Artifact

if TYPE_CHECKING:
    from film.media.timeline import TimelineShot
    from film.pipeline import Engine


def speech_duration(engine: Engine, path: Path) -> float:
    """A voice track's length: from the manifest when the file is as recorded, else probed."""
    entry = engine.manifest.artifacts.get(engine.project.rel(path))
    if (entry and entry.status == "done" and entry.meta.get("duration")
            and entry.size == path.stat().st_size):
        return float(entry.meta["duration"])
    from film.media.ffmpeg import probe

    return float(probe(path).duration or 0.0)


@dataclass
class ComposePlan:
    """What final.mp4 is made from, and the hash of all of it."""

    parts: list[TimelineShot]
    settings: dict[str, Any]
    input_hash: str


def plan_compose(engine: Engine) -> ComposePlan:
    """The shots that go into the film (skipped ones left out) and the compose input hash."""
    from film.media.timeline import TimelineShot

    project, options = engine.project, engine.options
    parts: list[TimelineShot] = []
    digests = []
    for shot in engine.shot_list.shots:
        clip = project.clip_path(shot.shot_id)
        if shot.shot_id in engine.summary.skipped or (
                not clip.is_file() and _failed(engine, shot.shot_id)):
            engine.sink.emit("message", text=f"compose: {shot.shot_id} is left out (its "
                             "image or clip failed; `film regen` tries again)")
            continue
        if not clip.is_file():
            raise InputError(f"no clip for {shot.shot_id} at {clip}",
                             hint=f"Run `film video -p {project.root}` first.")
        audio = project.audio_path(shot.shot_id)
        has_audio = bool(shot.spoken_text) and audio.is_file()
        parts.append(TimelineShot(
            shot_id=shot.shot_id, clip=clip, planned=shot.duration,
            speech=audio if has_audio else None,
            speech_duration=speech_duration(engine, audio) if has_audio else 0.0,
            text=shot.spoken_text, role=shot.voice_role,
        ))
        digests.append([shot.shot_id, file_digest(clip),
                        file_digest(audio) if has_audio else None, shot.duration,
                        shot.spoken_text])
    if not parts and engine.summary.failures:
        raise ProviderError("every shot failed, so there is no film to compose:\n  "
                            + "\n  ".join(engine.summary.failures[:5]),
                            hint="Fix the cause above and run again, or use --on-error "
                            "fallback to get offline stand-ins.")
    if not parts:
        raise InputError("nothing to compose: no shot has a clip")
    settings = {
        "transition": options.transition, "transition_duration": options.transition_duration,
        "fps": options.fps, "size": list(engine.size), "burn": options.burn_subtitles,
        "music": file_digest(options.music) if options.music else None,
        "music_volume": options.music_volume,
    }
    return ComposePlan(parts, settings, canonical_hash(
        {"stage": "compose", "shots": digests, "settings": settings}))


def _failed(engine: Engine, shot_id: str) -> bool:
    """Whether the shot's image or clip failed last time (an --on-error skip run)."""
    project = engine.project
    return any(
        (entry := engine.manifest.artifacts.get(project.rel(path))) is not None
        and entry.status in ("failed", "submitted")
        for path in (project.image_path(shot_id), project.clip_path(shot_id)))


async def compose_project(engine: Engine) -> Path | None:
    """Compose every shot that has a clip; skip when nothing that feeds final.mp4 changed."""
    from film.media.compose import compose_film
    from film.media.timeline import build_timeline

    project, options = engine.project, engine.options
    metrics = engine.summary.stages["compose"]
    plan = plan_compose(engine)
    rel = project.rel(project.final_path)
    entry = engine.manifest.artifacts.get(rel)
    if (entry and entry.status == "done" and entry.input_hash == plan.input_hash
            and project.final_path.is_file() and project.subtitles_path.exists()
            and ("compose", "final") not in options.force):
        metrics.reused += 1
        engine.sink.emit("artifact_done", stage="compose", shot_id=None, cached=True,
                         provider="ffmpeg", path=rel, cost_usd=0.0)
        return project.final_path
    timeline = build_timeline(plan.parts, transition=options.transition,
                              transition_duration=options.transition_duration, fps=options.fps)
    started = time.monotonic()
    width, height = engine.size
    try:
        report = await compose_film(
            timeline, out=project.final_path, srt_out=project.subtitles_path, width=width,
            height=height, fps=options.fps, music=options.music,
            music_volume=options.music_volume, burn_subtitles=options.burn_subtitles,
            cache_dir=project.work_dir / "segments", workers=engine.settings.local_workers,
        )
    except MediaError as exc:
        exc.hint = exc.hint or (
            "If a clip or voice file was damaged or replaced by hand, make it again: "
            f"film regen -p {project.root} --shot ID --stage video (or speech).")
        raise
    seconds = time.monotonic() - started
    meta = {k: v for k, v in vars(report).items() if isinstance(v, (int, float, str, dict))}
    engine.manifest.artifacts[rel] = Artifact(
        stage="compose", path=rel, input_hash=plan.input_hash, provider="ffmpeg", model=None,
        params=plan.settings, seconds=round(seconds, 3), meta=meta,
        size=project.final_path.stat().st_size,
    )
    engine.save()
    metrics.record(started, started + seconds)
    engine.sink.emit("artifact_done", stage="compose", shot_id=None, cached=False,
                     provider="ffmpeg", path=rel, seconds=round(seconds, 3), cost_usd=0.0)
    return project.final_path
