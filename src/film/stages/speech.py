"""The speech stage: a voice track per shot that has a line, `audio/<shot_id>.wav`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from film.lang import line_language
from film.providers.contract import SpeechRequest
from film.schema import Shot
from film.stages.base import Run
from film.stages.table import stage

#: the shortest a shot fitted to its line lasts (audio-first)
MIN_FITTED_SECONDS = 1.0
#: silence after a line before the cut (as the compose timeline pads a line)
LINE_PADDING = 0.35


def plan(run: Run, shot: Shot, provider: Any) -> tuple[SpeechRequest, dict[str, Any]]:
    """The request for the shot's line; the hash covers the text and the voice it gets."""
    role = shot.voice_role
    request = SpeechRequest(text=shot.spoken_text or "", role=role,
                            voice=run.shot_list.voices.get(role), shot_id=shot.shot_id,
                            roles=run.roles, language=run.shot_list.language)
    # The voice the provider will really use (cast from the roles, or the shot list's
    # `voices`), so adding a character elsewhere does not redo this line.
    voice = provider.resolve_voice(request) if hasattr(provider, "resolve_voice") \
        else request.voice
    resolved = voice if isinstance(voice, (str, type(None))) else repr(voice)
    inputs: dict[str, Any] = {"text": request.text, "role": role, "voice": resolved}
    if resolved is None:
        inputs["roles"] = request.roles
    language = line_language(request.text, request.language)
    if language != "en":  # a remote voice is told the language; English lines stay as they were
        inputs["language"] = language
    return request, inputs


def speech_duration(run: Run, path: Path) -> float:
    """A voice track's length: from the manifest when the file is as recorded, else probed."""
    entry = run.manifest.artifacts.get(run.project.rel(path))
    if (entry and entry.status == "done" and entry.meta.get("duration")
            and entry.size == path.stat().st_size):
        return float(entry.meta["duration"])
    from film.media.ffmpeg import probe

    return float(probe(path).duration or 0.0)


def shot_length(run: Run, shot: Shot) -> float:
    """How long the shot lasts: as planned, or, when the run fits shots to their lines
    (audio-first), as long as its voice track needs (padding and the transition included)."""
    if not run.options.fit_to_speech or not shot.spoken_text:
        return shot.duration
    audio = stage("speech").path(run.project.root, shot.shot_id)
    if not audio.is_file():
        return shot.duration
    compose = run.options.compose
    overlap = compose.transition_duration if compose.transition == "crossfade" else 0.0
    needed = speech_duration(run, audio) + LINE_PADDING + overlap
    return round(max(MIN_FITTED_SECONDS, needed), 2)
