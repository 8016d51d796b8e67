"""What a run of the stages is told: RunOptions (providers, budget, size, what to redo) and
ComposeOptions. The CLI and the Python API build one (film.build.runner.build_options)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from film.stages.table import MEDIA_STAGES

OnError = Literal["fallback", "skip", "fail"]
ON_ERROR: tuple[str, ...] = ("fallback", "skip", "fail")
TRANSITIONS: tuple[str, ...] = ("crossfade", "fade", "cut")
#: the frame size of each aspect ratio unless a project is given another
ASPECT_SIZES: dict[str, tuple[int, int]] = {
    "16:9": (1280, 720), "9:16": (720, 1280), "1:1": (1080, 1080),
}


@dataclass(frozen=True)
class ComposeOptions:
    """How the compose stage assembles the film."""

    transition: str = "crossfade"
    transition_duration: float = 0.5
    music: Path | None = None
    music_volume: float = 0.25
    burn_subtitles: bool = False

    def remembered(self) -> dict[str, Any]:
        """The values a project keeps for its next compose (music by absolute path)."""
        return {"transition": self.transition, "transition_duration": self.transition_duration,
                "music": str(self.music) if self.music else None,
                "music_volume": self.music_volume, "burn_subtitles": self.burn_subtitles}


#: the names of ComposeOptions' fields (they are options of the CLI and the API too)
COMPOSE_FIELDS: tuple[str, ...] = tuple(ComposeOptions.__dataclass_fields__)


@dataclass
class RunOptions:
    """Everything a run can be told; the CLI and the Python API both build one."""

    #: the provider of each stage that has a choice, by stage name ({"images": "fal"})
    providers: dict[str, str] = field(default_factory=dict)
    stages: tuple[str, ...] = MEDIA_STAGES
    on_error: OnError = "fallback"
    max_cost: float | None = None
    resolution: tuple[int, int] | None = None
    compose: ComposeOptions = field(default_factory=ComposeOptions)
    #: (shot id or "film", stage) pairs to make again even if current or made by hand (`film
    #: regen`, `--overwrite`: the user's consent)
    force: frozenset[tuple[str, str]] = frozenset()
    #: stages to make again even if current, a person's files still kept (`--no-cache`)
    refresh: frozenset[str] = frozenset()
    concurrency: int | None = None
    retry: Any = None
    #: only these shots (film regen); None: every shot
    only: frozenset[str] | None = None
    #: candidates per item of a stage with takes ({"images": 3}: `--takes 3`); absent: one
    takes: dict[str, int] = field(default_factory=dict)
    #: more stages a stage waits for, for every item ({"video": ("speech",)}: audio-first, where
    #: a clip's cuts depend on its neighbours' lines); an item whose own one failed is skipped
    after: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: functions called with the run after a stage's phase (a workflow's review and choose
    #: steps), by stage name; one may stop the run (WaitingForChoice)
    checkpoints: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    #: each shot lasts as long as its line needs (audio-first): clips are made that long
    fit_to_speech: bool = False
    #: the workflow this run follows (its name, or the path of its file)
    workflow: str | None = None
    #: the scenario stage's request (a ScenarioRequest), when the run plans the shots
    scenario: Any = None
    #: the story's options (a StoryOptions), when the run develops a story
    story: Any = None
    #: options handed to a stage's provider when it is built ({"scenario": {"stream": True}})
    provider_options: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: where a film-wide stage writes instead of its place in the project (`film scenario -o`)
    outputs: dict[str, Path] = field(default_factory=dict)

    def provider(self, stage: str) -> str:
        """The provider name the run uses for `stage` ("offline" when none was chosen)."""
        return self.providers.get(stage, "offline")
