"""The speech stage: a voice track per shot that has a line, `audio/<shot_id>.wav`."""

from __future__ import annotations

from typing import Any

from film.lang import line_language
from film.providers.contract import SpeechRequest
from film.schema import Shot
from film.stages.base import Run


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
