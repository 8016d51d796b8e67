"""What a provider is: the context a call gets, what it returns, the requests of each kind.

Every stage's provider (scenario, image, video, speech, compose) subclasses `Provider`: the
engine asks it for its fingerprint (part of every input hash), its cost estimate (reserved
against the budget before the call) and then calls the one method its stage names in the
stage table, handing it a temporary output path and a `JobContext`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from film.media.ffmpeg import FPS
from film.schema import Shot

if TYPE_CHECKING:
    import httpx

    from film.config import Settings
    from film.vendors.retry import RetryPolicy


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

    def retry_policy(self) -> RetryPolicy:
        """The run's retry policy, or the one the settings describe."""
        from film.vendors.retry import RetryPolicy

        return self.retry or RetryPolicy.from_settings(self.settings)


@dataclass
class MediaResult:
    """What a media call produced besides its file: cost, remote id, facts for the manifest."""

    cost_usd: float = 0.0
    request_id: str | None = None
    model: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    #: the parameters this call used, when they are not the provider's own (compose's settings)
    params: dict[str, Any] | None = None


class Reference(BaseModel):
    """A character's sheet or a location's plate that a shot uses, and what it shows."""

    kind: Literal["character", "location"]
    key: str
    name: str
    path: Path
    #: how it looks, in the words every shot prompt repeats
    visual: str = ""
    #: offline: the character's drawn look (film.offline.identity.Appearance fields), or a
    #: location's painting facts (interior, time)
    look: dict[str, Any] = Field(default_factory=dict)


class ReferenceRequest(BaseModel):
    """Make one reference: a character's sheet (front, side and back on a flat chroma-key
    green) or a location's plate (the place, empty, seen wide)."""

    reference: Reference
    width: int = Field(ge=16, le=4096)
    height: int = Field(ge=16, le=4096)
    style: str | None = None
    seed: int = 0

    def prompt(self) -> str:
        """The prompt a text-to-image model gets for this reference."""
        ref = self.reference
        style = f", {self.style}" if self.style else ""
        if ref.kind == "character":
            return (f"Character reference sheet of {ref.name}: {ref.visual or ref.name}. "
                    "Three full-body views side by side: front, side, back; same clothes in "
                    "each; even studio light; flat chroma-key green background; no text"
                    f"{style}")
        return (f"Establishing plate of {ref.name}: {ref.visual or ref.name}. Wide view, "
                f"empty of people, eye level, natural light, no text{style}")


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
    #: the sheets of the characters in frame and the plate of the shot's location
    references: list[Reference] = Field(default_factory=list)
    #: the film's language (captions and name tags pick glyph shapes by it)
    language: str | None = None
    #: which take of the shot this is (0: the first); the storyboard varies its framing by it
    take: int = 0

    def noted(self) -> dict[str, Any]:
        """What the manifest records of this request: the references the shot used."""
        return {"references": [f"{r.kind}:{r.key}" for r in self.references]}


class VideoRequest(BaseModel):
    shot: Shot
    image_path: Path
    duration: float
    width: int
    height: int
    fps: int = FPS
    seed: int = 0
    #: the characters' sheets (and location's plate) for a model that takes references
    references: list[Reference] = Field(default_factory=list)
    #: frames a renderer that makes key frames (`VideoProvider.makes_keyframes`) makes key
    #: frames: where the compose will cut the clip
    keyframes: tuple[int, ...] = ()

    def noted(self) -> dict[str, Any]:
        """What the manifest records of this request: the references the clip used."""
        refs = [f"{r.kind}:{r.key}" for r in self.references]
        return {"references": refs} if refs else {}


class SpeechRequest(BaseModel):
    text: str
    role: str = "narrator"
    voice: str | None = None
    shot_id: str = ""
    roles: list[str] = Field(default_factory=list, description="All speaking roles, in order.")
    #: the film's language; a line in another script is spoken in its own (film.lang)
    language: str | None = None


class Provider(ABC):
    """Common shape of every provider: a name, a model, settings, a fingerprint and a price."""

    kind: ClassVar[str]
    remote: ClassVar[bool] = True
    #: env variable holding the key (for messages), None for keyless providers
    key_var: ClassVar[str | None] = None
    #: whether what it makes is fully decided by its fingerprint and the request, so the
    #: shared cache may hand it to another film (False for a provider that draws at random)
    shareable: ClassVar[bool] = True

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

    @property
    def uses_references(self) -> bool:
        """Whether what it makes is made from the characters' sheets and the locations'
        plates (when no provider of a run uses them, the run makes none)."""
        return False

    def price_known(self) -> bool:
        """Whether costs of this provider can be estimated (free ones always can; a remote
        one says so from its price rule in the media catalogue)."""
        return not self.remote

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class ImageProvider(Provider):
    kind = "image"

    @abstractmethod
    async def generate(self, request: ImageRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write a PNG for the shot to `out` (a temporary path the stage renames)."""

    async def reference(self, request: ReferenceRequest, out: Path, ctx: JobContext
                        ) -> MediaResult:
        """Write a reference (sheet or plate) to `out`: by default, one still made from the
        reference's prompt."""
        shot = Shot(shot_id="reference", shot_number=1, shot_type="full",
                    enhanced_prompt=request.prompt(), duration=1.0)
        return await self.generate(ImageRequest(shot=shot, width=request.width,
                                                height=request.height, seed=request.seed,
                                                style=request.style), out, ctx)


class VideoProvider(Provider):
    kind = "video"
    #: whether it renders in the film's format with `VideoRequest.keyframes` as key frames
    #: (then the request's key frames are part of the clip's input hash)
    makes_keyframes: ClassVar[bool] = False

    @abstractmethod
    async def animate(self, request: VideoRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write an H.264 MP4 clip made from `request.image_path` to `out`."""


class SpeechProvider(Provider):
    kind = "speech"

    @abstractmethod
    async def synthesize(self, request: SpeechRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write a WAV of `request.text` to `out`; put its length in meta["duration"]."""
