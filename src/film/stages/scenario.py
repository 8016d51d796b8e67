"""The scenario stage: a description becomes a validated `shots.json`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from film.errors import InputError
from film.fsutil import atomic_write_text

if TYPE_CHECKING:
    import httpx

    from film.config import Settings
    from film.providers.base import ScenarioRequest, ScenarioResult

MAX_DESCRIPTION_CHARS = 20_000


def read_description(text: str | None, file: str | Path | None) -> str:
    """The description from an option, a file, or stdin (`-`); InputError when unusable."""
    if text is not None and file is not None:
        raise InputError("give the description either as text or as a file, not both")
    if file is not None:
        try:
            text = sys.stdin.read() if str(file) == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read description file {file}: {exc}") from exc
    elif text == "-":
        text = sys.stdin.read()
    text = (text or "").strip()
    if not text:
        raise InputError(
            "the description is empty",
            hint='Describe the film in a sentence or more, e.g. -d "A detective enters ..."',
        )
    if len(text) > MAX_DESCRIPTION_CHARS:
        raise InputError(
            f"the description is {len(text):,} characters; the limit is "
            f"{MAX_DESCRIPTION_CHARS:,}",
            hint="Summarise it, or split the film into several descriptions.",
        )
    return text


async def generate_scenario(
    request: ScenarioRequest,
    model: str,
    settings: Settings,
    *,
    stream: bool = False,
    use_cache: bool = True,
    client: httpx.AsyncClient | None = None,
    on_progress: Callable[[float, int], None] | None = None,
) -> ScenarioResult:
    """Make a shot list with `model` (a preset, an OpenRouter id, ollama:<m> or offline)."""
    from film.llm_cache import LLMCache
    from film.providers.scenario_providers import get_scenario_provider

    cache = LLMCache(settings.user_dir() / "llm-cache") if use_cache else None
    provider = get_scenario_provider(
        model, settings, client=client, cache=cache, on_progress=on_progress, stream=stream
    )
    try:
        return await provider.generate(request)
    finally:
        await provider.aclose()


def write_shot_list(result: ScenarioResult, path: str | Path) -> Path:
    """Write the shot list atomically: a failure never leaves half a shots.json."""
    path = Path(path)
    if path.is_dir():
        path = path / "shots.json"
    atomic_write_text(path, result.shot_list.to_json())
    return path
