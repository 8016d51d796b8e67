"""The speech stage: a voice track per shot that has a line, `audio/<shot_id>.wav`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.providers.base import SpeechRequest
from film.schema import Shot, ShotList

if TYPE_CHECKING:
    from film.pipeline import Engine


def speaking_roles(shot_list: ShotList) -> list[str]:
    """Every role that speaks, in order of first line (the narrator included)."""
    roles: list[str] = []
    for shot in shot_list.shots:
        if shot.spoken_text and shot.voice_role not in roles:
            roles.append(shot.voice_role)
    return roles


def plan_speech(
    engine: Engine, shot: Shot, provider: Any
) -> tuple[SpeechRequest, dict[str, Any]]:
    """The request for the shot's line; the hash covers the text and the voice it gets."""
    role = shot.voice_role
    roles = speaking_roles(engine.shot_list)
    voice = engine.shot_list.voices.get(role)
    if voice is None and hasattr(provider, "voice_for"):
        voice = provider.voice_for(role, roles)
    request = SpeechRequest(text=shot.spoken_text or "", role=role, voice=voice,
                            shot_id=shot.shot_id, roles=roles)
    inputs: dict[str, Any] = {"text": request.text, "role": role, "voice": voice}
    if voice is None:
        inputs["roles"] = roles
    return request, inputs


async def make_speech(engine: Engine, shot: Shot) -> Path | None:
    """Make (or reuse) the shot's voice track; None for a silent shot or a skipped failure."""
    if not shot.spoken_text:
        return None
    provider = engine.provider("speech")
    request, inputs = plan_speech(engine, shot, provider)
    out = engine.project.audio_path(shot.shot_id)

    async def call(p: Any, req: SpeechRequest, tmp: Path, ctx: Any) -> Any:
        return await p.synthesize(req, tmp, ctx)

    entry = await engine.produce("speech", shot, provider, request, out, inputs, call)
    return out if entry is not None else None
