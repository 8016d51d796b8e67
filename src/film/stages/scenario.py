"""The scenario stage: a description becomes a validated `shots.json`."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from film.errors import BudgetExceeded, InputError
from film.fsutil import atomic_write_text

if TYPE_CHECKING:
    import httpx

    from film.config import Settings
    from film.costs import ResolvedModel
    from film.project import Project
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


def check_scenario_budget(
    project: Project, model: ResolvedModel, request: ScenarioRequest, cap: float | None
) -> None:
    """Refuse the LLM call when the project's spend plus its estimate would pass `cap`."""
    from film.costs import estimate_scenario_cost

    if cap is None or model.provider != "openrouter":
        return
    spent = project.load_manifest().total_cost
    estimate = estimate_scenario_cost(model, request.description, request.num_shots)["cost_usd"]
    if spent + estimate > cap + 1e-9:
        raise BudgetExceeded(
            f"budget cap ${cap:.4g} reached: the shot list would cost about ${estimate:.4f} "
            f"with ${spent:.4f} already spent", spent=spent, estimate=estimate, cap=cap)


def edited_by_hand(project: Project) -> bool:
    """Whether the project's shots.json differs from the one film last wrote there."""
    from film.fsutil import file_digest

    if not project.shots_path.exists():
        return False
    entry = project.load_manifest().artifacts.get("shots.json")
    written = entry.meta.get("digest") if entry else None
    return written != file_digest(project.shots_path)


def record_scenario(project: Project, result: ScenarioResult, path: Path) -> dict:
    """Put the shot list's provenance, cost and LLM metrics into the project's manifest;
    returns the metrics (for the run summary)."""
    from film.fsutil import canonical_hash, file_digest
    from film.project import Artifact

    with project.lock():
        manifest = project.load_manifest()
        usage = result.usage
        manifest.artifacts[project.rel(path)] = Artifact(
            stage="scenario", path=project.rel(path), provider=_provider_of(result.model),
            model=result.model, input_hash=canonical_hash(result.shot_list.description),
            cost_usd=usage.cost_usd, seconds=result.seconds,
            meta={"usage": usage.model_dump(), "cached": result.cached,
                  "repaired": result.repaired, "notes": result.notes,
                  "digest": file_digest(path)},
        )
        if usage.cost_usd:
            manifest.ledger.append({"stage": "scenario", "shot_id": None,
                                    "provider": _provider_of(result.model),
                                    "model": result.model,
                                    "cost_usd": usage.cost_usd,
                                    "tokens": usage.total_tokens})
        manifest.llm = {
            "model": result.model,
            "calls": 0 if result.cached or result.model == "offline"
            else (2 if result.repaired else 1),
            "cache_hit": result.cached, "latency_s": result.seconds,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd,
        }
        project.save_manifest(manifest)
    return manifest.llm


def _provider_of(model_label: str) -> str:
    if model_label == "offline":
        return "offline"
    return "local" if model_label.startswith("ollama:") else "openrouter"
