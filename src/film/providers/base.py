"""The interface of each provider kind, the context a call gets, and the name registry.

Providers are addressed by name: `offline`, `fal:flux-schnell`, `replicate:owner/model`,
`openai:tts-1`, ... `get_provider(kind, name)` imports the vendor module only when asked, so
`film --help` never loads an SDK.
"""

from __future__ import annotations

import difflib
import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from film.errors import ConfigError
from film.schema import AspectRatio, Shot, ShotList, Usage

if TYPE_CHECKING:
    import httpx

    from film.config import Settings
    from film.providers.http import RetryPolicy

Kind = Literal["scenario", "image", "video", "speech"]


# ---- what every media call gets ------------------------------------------------------------


def _noop(*_args: Any) -> None:
    return None


@dataclass
class JobContext:
    """What a provider call gets besides its request.

    `resume_id` is a remote job an earlier (killed) run submitted for the same inputs: collect
    it instead of submitting again. `on_submitted(id)` must be called as soon as a remote job
    has an id, before waiting on it: the pipeline saves it in the manifest right away.
    """

    client: httpx.AsyncClient | None
    settings: Settings
    retry: RetryPolicy | None = None
    resume_id: str | None = None
    on_submitted: Callable[[str], None] = _noop
    report: Callable[[str], None] = _noop
    #: called before each retry wait: (attempt, delay seconds, reason); pass it on to
    #: `send_with_retries(on_retry=...)` so the user sees what is being retried
    on_retry: Callable[[int, float, str], None] | None = None


@dataclass
class MediaResult:
    """What a media call produced besides its file: cost, remote id, facts for the manifest."""

    cost_usd: float = 0.0
    request_id: str | None = None
    model: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class ImageRequest(BaseModel):
    shot: Shot
    width: int = Field(ge=16, le=4096)
    height: int = Field(ge=16, le=4096)
    seed: int = 0
    style: str | None = None
    mood: str | None = None
    title: str | None = None
    index: int = 0
    total: int = 1


class VideoRequest(BaseModel):
    shot: Shot
    image_path: Path
    duration: float
    width: int
    height: int
    fps: int = 24
    seed: int = 0


class SpeechRequest(BaseModel):
    text: str
    role: str = "narrator"
    voice: str | None = None
    shot_id: str = ""
    roles: list[str] = Field(default_factory=list, description="All speaking roles, in order.")


class MediaProvider(ABC):
    """Common shape of image, video and speech providers."""

    kind: ClassVar[str]
    remote: ClassVar[bool] = True
    #: env variable holding the key (for messages), None for keyless providers
    key_var: ClassVar[str | None] = None

    def __init__(self, name: str, model: str, settings: Settings) -> None:
        self.name = name
        self.model = model
        self.settings = settings

    def params(self) -> dict[str, Any]:
        """Parameters that change the output (part of the input hash)."""
        return {}

    def fingerprint(self) -> dict[str, Any]:
        return {"provider": self.name, "model": self.model, "params": self.params()}

    def estimate_cost(self, request: Any) -> float:
        return 0.0

    def price_known(self) -> bool:
        """Whether costs of this provider can be estimated (free ones always can)."""
        from film.costs import MEDIA_PRICES

        return not self.remote or self.name in MEDIA_PRICES

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class ImageProvider(MediaProvider):
    kind = "image"

    @abstractmethod
    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write a PNG for the shot to `out` (a temporary path the stage renames)."""


class VideoProvider(MediaProvider):
    kind = "video"

    @abstractmethod
    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write an H.264 MP4 clip made from `request.image_path` to `out`."""


class SpeechProvider(MediaProvider):
    kind = "speech"

    @abstractmethod
    async def synthesize(self, request: SpeechRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write a WAV of `request.text` to `out`; put its length in meta["duration"]."""


# ---- scenario ------------------------------------------------------------------------------


class ScenarioRequest(BaseModel):
    """What the scenario stage asks an LLM (or the offline planner) for."""

    description: str = Field(min_length=1, max_length=20_000)
    num_shots: int = Field(default=5, ge=1, le=30)
    style: str | None = None
    mood: str | None = None
    aspect_ratio: AspectRatio = "16:9"
    shot_duration: float = Field(default=5.0, ge=0.5, le=30)
    temperature: float = Field(default=0.7, ge=0, le=2)


class ScenarioResult(BaseModel):
    """A validated shot list plus what it cost to make."""

    shot_list: ShotList
    usage: Usage = Field(default_factory=Usage)
    model: str
    seconds: float = 0.0
    repaired: bool = False
    cached: bool = False
    notes: list[str] = Field(default_factory=list, description="e.g. description truncated")

    @property
    def shots(self) -> list[Shot]:
        return self.shot_list.shots

    @property
    def cost_usd(self) -> float:
        return self.usage.cost_usd


class BaseScenarioProvider(ABC):
    """Turns a ScenarioRequest into a ScenarioResult."""

    name: str = "scenario"

    @abstractmethod
    async def generate(self, request: ScenarioRequest) -> ScenarioResult:
        """Make and validate a shot list."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Release the provider's resources (HTTP client)."""


# ---- registry ------------------------------------------------------------------------------

#: kind -> vendor prefix -> "module:Class". Classes take (model, settings) via `from_name`.
REGISTRY: dict[str, dict[str, str]] = {
    "image": {
        "offline": "film.providers.storyboard:StoryboardImageProvider",
        "fal": "film.providers.image_providers:FalImageProvider",
        "replicate": "film.providers.image_providers:ReplicateImageProvider",
    },
    "video": {
        "offline": "film.providers.camera_moves:CameraMoveVideoProvider",
        "fal": "film.providers.video_providers:FalVideoProvider",
        "replicate": "film.providers.video_providers:ReplicateVideoProvider",
    },
    "speech": {
        "offline": "film.providers.espeak:EspeakSpeechProvider",
        "openai": "film.providers.speech_providers:OpenAISpeechProvider",
    },
}

#: default model for a bare vendor name (`fal` → `fal:flux-schnell`)
DEFAULT_MODELS: dict[str, dict[str, str]] = {
    "image": {"offline": "storyboard", "fal": "flux-schnell",
              "replicate": "black-forest-labs/flux-schnell"},
    "video": {"offline": "camera-moves", "fal": "minimax", "replicate": "minimax/video-01"},
    "speech": {"offline": "espeak-ng", "openai": "tts-1"},
}


def split_name(name: str) -> tuple[str, str | None]:
    vendor, _, model = name.strip().partition(":")
    return vendor.lower(), (model or None)


def provider_names(kind: str) -> list[str]:
    return sorted(REGISTRY[kind])


def get_provider(kind: str, name: str, settings: Settings) -> Any:
    """Build the provider `name` of `kind`; unknown names get a "did you mean" ConfigError."""
    if kind not in REGISTRY:
        raise ConfigError(f"unknown provider kind {kind!r}")
    vendor, model = split_name(name)
    target = REGISTRY[kind].get(vendor)
    if target is None:
        close = difflib.get_close_matches(vendor, REGISTRY[kind], n=2, cutoff=0.4)
        hint = f"Did you mean {' or '.join(close)}? " if close else ""
        raise ConfigError(
            f"unknown {kind} provider {name!r}",
            hint=f"{hint}Known: {', '.join(provider_names(kind))}.",
        )
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if (exc.name or "").startswith("film"):
            raise
        raise ConfigError(
            f"the {vendor} {kind} provider needs a package that is not installed: {exc.name}",
            hint="pip install 'film[remote]'",
        ) from exc
    cls = getattr(module, class_name)
    model = model or DEFAULT_MODELS[kind][vendor]
    full = "offline" if vendor == "offline" else f"{vendor}:{model}"
    return cls(full, model, settings)
