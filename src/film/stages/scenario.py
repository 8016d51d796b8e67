"""The scenario stage: a description becomes a validated `shots.json`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from film.errors import InputError
from film.fsutil import file_digest
from film.scenario.contract import MAX_DESCRIPTION_CHARS, ScenarioRequest, ShotsFile
from film.stages.base import Run

if TYPE_CHECKING:
    import httpx

    from film.config import Settings
    from film.scenario.contract import ScenarioResult


def plan(run: Run, shot: Any, provider: Any) -> tuple[Any, dict[str, Any]]:
    """The run's scenario request (a description, or a shots file to copy); its input hash
    covers every field of it (of a file, its content)."""
    request = run.options.scenario
    if request is None:
        raise InputError("there is no description to plan a shot list from",
                         hint='Give one: film run -d "..." (or --description-file F).')
    if isinstance(request, ShotsFile):
        return request, {"copy": file_digest(request.path)}
    inputs = request.model_dump(mode="json")
    if inputs.get("language") is None:  # shot lists planned before languages stay current
        inputs.pop("language", None)
    return request, inputs


def read_description(text: str | None, file: str | Path | None) -> str:
    """The description from an option, a file, or stdin (`-`); InputError when unusable."""
    if text is not None and file is not None:
        raise InputError("give the description either as text or as a file, not both")
    if file is not None:
        text = _read(str(file))
    elif text == "-":
        text = _read("-")
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
    if "\x00" in text:
        raise InputError("the description contains a NUL byte: is it a binary file?")
    return text


def _read(source: str) -> str:
    """A file's (or stdin's, for "-") text, which must be UTF-8."""
    where = "standard input" if source == "-" else source
    try:
        if source == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode()
        else:
            data = Path(source).read_bytes()
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read the description from {where}: it is not UTF-8 text "
                         f"(byte {exc.start})",
                         hint="Save it as UTF-8, e.g. iconv -t UTF-8 FILE.") from exc
    except OSError as exc:
        raise InputError(f"cannot read the description from {where}: "
                         f"{exc.strerror or exc}") from exc


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
    """A shot list from `model` (a preset, an OpenRouter id, ollama:<m> or offline), in memory:
    the Python API's way to look before writing anything."""
    from film.scenario.providers import get_scenario_provider

    provider = get_scenario_provider(model, settings, client=client, stream=stream,
                                     use_cache=use_cache, on_progress=on_progress)
    try:
        return await provider.generate(request)
    finally:
        await provider.aclose()
