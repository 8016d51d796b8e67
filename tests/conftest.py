"""Shared fixtures: an isolated environment (no keys, no ~ writes) and small shot lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from film.config import Settings, get_settings

KEY_VARS = ["OPENROUTER_API_KEY", "FAL_KEY", "REPLICATE_API_TOKEN", "OPENAI_API_KEY",
            "SCENARIO_DEFAULT_MODEL", "FILM_IMAGE_PROVIDER", "FILM_VIDEO_PROVIDER",
            "FILM_TTS_PROVIDER", "FILM_MAX_COST", "FILM_ON_ERROR", "FAL_QUEUE_URL"]
REFERENCE_SHOT = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "reference_shot.json"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory, monkeypatch):
    """No real keys, caches under a temp FILM_HOME, no .env from the developer's folder."""
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    home = tmp_path_factory.mktemp("film-home")
    monkeypatch.setenv("FILM_HOME", str(home))
    monkeypatch.setitem(Settings.model_config, "env_file", None)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def settings() -> Settings:
    return get_settings()


@pytest.fixture
def reference_shot() -> dict:
    if REFERENCE_SHOT.exists():
        return json.loads(REFERENCE_SHOT.read_text())
    # the same content, for a checkout without shared/ beside it
    return {
        "shot_id": "shot_001", "shot_number": 1, "shot_type": "wide",
        "enhanced_prompt": "8K cinematic establishing shot, dimly lit detective office interior",
        "negative_prompt": "cartoon, anime, low quality", "duration": 5, "dialogue": None,
        "characters": ["detective"], "landscapes": ["office", "interior", "urban"],
        "styles": ["film noir", "cinematic", "dramatic"], "mood": "tense", "time_of_day": "night",
    }
