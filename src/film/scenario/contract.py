"""What the scenario stage asks for and gets back, and the shape of a scenario provider."""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from film.providers.contract import JobContext, MediaResult, Provider
from film.schema import AspectRatio, Shot, ShotList, Usage

MAX_DESCRIPTION_CHARS = 20_000


class ScenarioRequest(BaseModel):
    """What the scenario stage asks an LLM (or the offline planner) for."""

    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)
    num_shots: int = Field(default=5, ge=1, le=30)
    style: str | None = None
    mood: str | None = None
    aspect_ratio: AspectRatio = "16:9"
    shot_duration: float = Field(default=5.0, ge=0.5, le=30, allow_inf_nan=False)
    temperature: float = Field(default=0.7, ge=0, le=2, allow_inf_nan=False)
    #: the names of the people who may appear (a story's scene): no one else is a character
    cast: list[str] = Field(default_factory=list, max_length=20)
    #: the language of the dialogue and narration (None: the description's own, guessed)
    language: str | None = Field(default=None, max_length=16)

    @field_validator("language", mode="before")
    @classmethod
    def _language_code(cls, value: Any) -> Any:
        from film.lang import check_language

        return check_language(value) if isinstance(value, str) else value


class ShotsFile(BaseModel):
    """A shot list a person wrote, to bring into a project as its shots.json."""

    path: Path


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

    def metrics(self) -> dict[str, Any]:
        """The LLM facts a run reports and the manifest keeps: calls, cache, latency, tokens."""
        usage = self.usage
        return {
            "model": self.model,
            "calls": 0 if self.cached or self.model == "offline" else (2 if self.repaired else 1),
            "cache_hit": self.cached, "latency_s": self.seconds,
            "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "cost_usd": usage.cost_usd, "repaired": self.repaired, "notes": self.notes,
        }


class ScenarioProvider(Provider):
    """Turns a ScenarioRequest into a ScenarioResult. The engine calls `write`."""

    kind = "scenario"
    remote = False

    @abstractmethod
    async def generate(self, request: ScenarioRequest) -> ScenarioResult:
        """Make and validate a shot list."""

    async def aclose(self) -> None:
        """Release the provider's resources (its own HTTP client)."""

    def answers(self, out: Path, request: ScenarioRequest) -> bool:
        """Whether the shot list at `out` was made from this request's description (a shot
        list a person edited or copied in is then used as it is)."""
        from film.errors import FilmError
        from film.schema import load_shot_list

        try:
            return load_shot_list(out).description.strip() == request.description.strip()
        except FilmError:
            return False

    async def write(self, request: ScenarioRequest, out: Path, ctx: JobContext) -> MediaResult:
        """The stage's method: generate, write shots.json to `out` (a temp path)."""
        try:
            result = await self.generate(request)
        finally:
            await self.aclose()
        out.write_text(result.shot_list.to_json(), encoding="utf-8")
        return MediaResult(cost_usd=result.cost_usd, model=result.model,
                           meta={"llm": result.metrics(), "usage": result.usage.model_dump()})


class ShotsFileProvider(ScenarioProvider):
    """`--shots FILE`: the shot list a person wrote, validated and copied in."""

    def __init__(self, name: str = "file", model: str = "file", settings: Any = None) -> None:
        super().__init__(name, model, settings)

    def answers(self, out: Path, request: Any) -> bool:
        return False

    async def generate(self, request: Any) -> ScenarioResult:  # pragma: no cover - unused
        raise NotImplementedError

    async def write(self, request: ShotsFile, out: Path, ctx: JobContext) -> MediaResult:
        from film.schema import load_shot_list

        load_shot_list(request.path)  # InputError naming the file and every problem
        out.write_bytes(request.path.read_bytes())
        return MediaResult(meta={"copied_from": str(request.path)})
