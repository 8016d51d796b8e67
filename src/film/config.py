"""Settings from the environment and a `.env` file: keys, base URLs, defaults.

Every variable is documented in `.env_template`. Keys are `SecretStr`, so they never show up
in a repr, a log line or a manifest.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from film.errors import ConfigError


class Settings(BaseSettings):
    """film's configuration. Env vars win over `.env`; CLI options win over both."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        env_ignore_empty=True, allow_inf_nan=False,
    )

    # Scenario (LLM)
    openrouter_api_key: SecretStr | None = None
    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openrouter_app_url: str = "https://github.com/film-cli/film"
    openrouter_app_title: str = "film"
    local_llm_base_url: str = "http://localhost:11434/v1"
    local_llm_api_key: SecretStr | None = None
    scenario_default_model: str | None = None

    # Images and video
    fal_key: SecretStr | None = None
    fal_queue_url: str = "https://queue.fal.run"
    fal_rest_url: str = "https://rest.fal.ai"
    replicate_api_token: SecretStr | None = None
    replicate_base_url: str = "https://api.replicate.com"
    # Local images and video: a ComfyUI server and workflows exported in its API format
    comfyui_base_url: str = "http://127.0.0.1:8188"
    comfyui_image_workflow: Path | None = None
    comfyui_video_workflow: Path | None = None

    # Speech
    openai_api_key: SecretStr | None = None
    openai_base_url: str = "https://api.openai.com/v1"
    # A local server with OpenAI's speech API (Kokoro-FastAPI's port by default)
    local_tts_base_url: str = "http://localhost:8880/v1"
    local_tts_api_key: SecretStr | None = None
    local_tts_voices: str | None = None

    # Defaults for `film run` and the stages
    film_image_provider: str | None = None
    film_video_provider: str | None = None
    film_tts_provider: str | None = None
    film_reference_provider: str | None = None
    film_max_cost: float | None = Field(default=None, ge=0)
    film_on_error: Literal["fallback", "skip", "fail"] = "fallback"
    ffmpeg_binary: str | None = None
    film_home: Path | None = None

    # Concurrency per provider kind (remote calls) and for local ffmpeg work
    film_concurrency_remote: int = Field(default=4, ge=1, le=64)
    film_concurrency_local: int = Field(default=0, ge=0, le=64)
    film_http_timeout: float = Field(default=120.0, gt=0)
    film_max_attempts: int = Field(default=4, ge=1, le=20)
    film_max_retry_wait: float = Field(default=90.0, ge=0)
    # The LLM reply cache: how many replies it keeps, and for how many days
    film_llm_cache_entries: int = Field(default=5000, ge=1, le=10_000_000)
    film_llm_cache_days: float = Field(default=30.0, gt=0, le=36_500)
    # The shared media cache: stills, clips, lines and reference sheets made for one project
    # are reused by any other that needs the very same artifact (film.build.cache)
    film_shared_cache: bool = True
    film_cache_dir: Path | None = None
    film_cache_link: bool = False

    @property
    def local_workers(self) -> int:
        """How many ffmpeg jobs may run at once (default: the CPU count)."""
        return self.film_concurrency_local or max(1, os.cpu_count() or 1)

    def require(self, name: str) -> str:
        """The secret value of setting `name`, or a ConfigError naming its env variable."""
        value = getattr(self, name)
        if value is None or not value.get_secret_value().strip():
            raise ConfigError(
                f"{name.upper()} is not set",
                hint=f"Export {name.upper()}=... or add it to .env (see .env_template), "
                "or pick the offline provider.",
            )
        return value.get_secret_value().strip()

    def user_dir(self) -> Path:
        """Where film keeps caches (LLM replies, refreshed prices). FILM_HOME moves it."""
        if self.film_home:
            return Path(self.film_home)
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("film"))

    def media_cache_dir(self) -> Path:
        """Where the shared media cache lives: FILM_CACHE_DIR, else `media/` in user_dir()."""
        return Path(self.film_cache_dir).expanduser() if self.film_cache_dir \
            else self.user_dir() / "media"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once. A bad value in the environment or in .env is a
    ConfigError naming the variable (never a traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigError(_explain(exc),
                          hint="Fix it in the environment or in .env (see .env_template).",
                          ) from exc
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise ConfigError(f".env cannot be read: {exc}",
                          hint="Save .env as UTF-8 text with NAME=value lines.") from exc


def _explain(exc: ValidationError) -> str:
    """One line per bad variable: its name, its value, what is wrong."""
    lines = []
    for error in exc.errors():
        name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        value = error.get("input")
        shown = "***" if "key" in name.lower() or "token" in name.lower() else repr(value)
        lines.append(f"{name}={shown} is not valid: {error['msg'].lower()}")
    return "; ".join(lines)
