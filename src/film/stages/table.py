"""The stage table: every stage's facts, named once.

The engine (which stages exist, in what order, what each reads, which provider method makes
its artifact), `film status` and `film estimate` (their columns and rows), the project folder
(where each artifact lives) and the CLI (the `--image-provider` options, the single-stage
commands, what a project remembers) all read this table. Adding a stage is one entry here and
one module beside it with its `plan` function.

This module imports nothing heavy: the CLI reads it to build `--help`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Scope = Literal["shot", "scene", "character", "location", "film"]


def _always(_shot: Any) -> bool:
    return True


def _speaks(shot: Any) -> bool:
    return bool(shot.spoken_text)


@dataclass(frozen=True)
class Stage:
    """One stage of the chain."""

    #: the command, the manifest's `stage`, the status column ("images")
    name: str
    #: the provider kind the registry builds for it ("image")
    kind: str
    #: the provider method that makes one artifact ("generate")
    method: str
    #: where its artifact lives in the project; `{key}` is the shot or scene id
    output: str
    #: one artifact per shot, per scene of the story, or one for the whole film
    scope: Scope = "shot"
    #: the chain it belongs to: "plan" (description → shots.json), "story" (log line →
    #: shots.json) or "film" (shots.json → final.mp4)
    chain: Literal["plan", "story", "film"] = "film"
    #: option groups its own command takes besides the common ones ("compose")
    cli_options: tuple[str, ...] = ()
    #: stages whose artifacts it reads (for the same shot, or all shots for a film stage)
    depends: tuple[str, ...] = ()
    #: the option that picks its provider ("image-provider"); None: `fixed_provider`
    option: str | None = None
    fixed_provider: str | None = None
    #: the setting whose value is the default provider (FILM_IMAGE_PROVIDER)
    default_setting: str | None = None
    #: with no provider chosen, use the one this other stage uses ("images")
    follows: str | None = None
    #: stages the stage's own command runs first, because it reads what they make and no
    #: other command of the chain makes it (`film images` makes the references)
    brings: tuple[str, ...] = ()
    #: one line: what the stage makes (command help, README)
    help: str = ""
    #: what the provider option accepts (its --help)
    provider_help: str = ""
    #: more files it writes beside its artifact (judged present with it)
    extra_outputs: tuple[str, ...] = ()
    #: a text file a person edits: judged by content, replaced only with consent
    document: bool = False
    #: what happens to a file of this stage a person put or changed by hand: "keep" it (until
    #: `film regen`), or keep a copy in .film/history/ and make it again ("history": the final
    #: film follows its inputs); a document is never replaced without consent
    by_hand: Literal["keep", "history"] = "keep"
    #: whether a failed remote call may fall back to the offline provider
    fallback: bool = True
    #: "module:function" returning (request, inputs) for one artifact
    planner: str = ""
    #: "module:function" building its provider from a name: (kind, name, settings, **options)
    resolver: str = "film.providers.registry:get_provider"
    #: which shots have this artifact (speech: those with a line)
    applies: Callable[[Any], bool] = _always
    #: several candidates per item (`--takes N`, `film regen`, `film choose`): each a file
    #: under takes/<stage>/<key>/, the chosen one linked to `output`; its planner takes `take`
    takes: bool = False

    @property
    def dest(self) -> str | None:
        """The option as a Python name ("image_provider"), used by RunOptions and the API."""
        return self.option.replace("-", "_") if self.option else None

    def path(self, root: Path, key: str | None = None) -> Path:
        """The artifact's path in the project at `root` (key: the shot id)."""
        return root / self.output.format(key=key)

    def take_path(self, root: Path, key: str, number: int) -> Path:
        """Where take `number` of the artifact for `key` lives: takes/images/shot_001/2.png."""
        return root / "takes" / self.name / key / f"{number}{Path(self.output).suffix}"

    def plan(self, run: Any, shot: Any, provider: Any,
             take: int | None = None) -> tuple[Any, dict[str, Any]]:
        """The request for one artifact and what its input hash covers; `take` (a stage with
        takes): the variant to plan instead of the chosen one."""
        if take is None:
            return _load(self.planner)(run, shot, provider)
        return _load(self.planner)(run, shot, provider, take=take)

    def provider(self, name: str, settings: Any, **options: Any) -> Any:
        """Build the provider called `name` for this stage."""
        return _load(self.resolver)(self.kind, name, settings, **options)


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


_LLM_HELP = "offline | a preset (film models) | an OpenRouter id | ollama:<model>"


def _story(name: str, method: str, output: str, *, help: str, scope: Scope = "scene",
           depends: tuple[str, ...] = (), kind: str = "story",
           resolver: str = "film.story.agents:story_writer") -> Stage:
    """A story level: an LLM document chosen by --model, planned in film.stages.story."""
    return Stage(name, kind=kind, method=method, output=output, scope=scope, chain="story",
                 depends=depends, option="model", default_setting="scenario_default_model",
                 help=help, provider_help=_LLM_HELP, document=True, fallback=False,
                 planner=f"film.stages.story:plan_{name}", resolver=resolver)


STAGES: tuple[Stage, ...] = (
    Stage("scenario", kind="scenario", method="write", output="shots.json", scope="film",
          chain="plan", option="model", default_setting="scenario_default_model",
          help="a description becomes a shot list (shots.json)", provider_help=_LLM_HELP,
          document=True, fallback=False, planner="film.stages.scenario:plan",
          resolver="film.scenario.providers:scenario_provider"),
    _story("bible", "write_bible", "story/bible.json", scope="film",
           help="a log line becomes the bible: plot, acts, characters, locations"),
    _story("outline", "write_outline", "story/outline.json", scope="film", depends=("bible",),
           help="the bible becomes a scene outline"),
    _story("dialogue", "write_dialogue", "story/scenes/{key}/dialogue.json",
           depends=("outline",), help="each character agent writes its lines of the scene"),
    _story("direct", "direct_scene", "story/scenes/{key}/scene.json", depends=("dialogue",),
           help="the director integrates the lines into the scene"),
    _story("critique", "revise_scene", "story/scenes/{key}/final.json", depends=("direct",),
           help="the dramaturge critiques the scene; targeted rewrites until it passes"),
    _story("breakdown", "write", "story/scenes/{key}/shots.json", depends=("critique",),
           kind="scenario", help="each final scene becomes its shots",
           resolver="film.scenario.providers:scenario_provider"),
    Stage("assemble", chain="story", kind="assemble", method="assemble", output="shots.json",
          scope="film", depends=("breakdown", "critique"), fixed_provider="story",
          extra_outputs=("story/script.fountain",), document=True, fallback=False,
          help="every scene's shots become the film's shots.json, the script script.fountain",
          planner="film.stages.story:plan_assemble"),
    Stage("sheets", kind="image", method="reference", output="references/characters/{key}.png",
          scope="character", option="reference-provider", follows="images", takes=True,
          default_setting="film_reference_provider",
          help="a reference sheet per character: front, side and back on chroma-key green",
          provider_help="the image provider that draws the references (default: the one "
          "that makes the stills)", planner="film.stages.references:plan_sheet"),
    Stage("plates", kind="image", method="reference", output="references/locations/{key}.png",
          scope="location", option="reference-provider", follows="images", takes=True,
          default_setting="film_reference_provider",
          help="a plate per location: the place, empty, seen wide",
          provider_help="the image provider that draws the references (default: the one "
          "that makes the stills)", planner="film.stages.references:plan_plate"),
    Stage("images", kind="image", method="generate", output="images/{key}.png",
          depends=("sheets", "plates"), brings=("sheets", "plates"), takes=True,
          option="image-provider",
          default_setting="film_image_provider",
          help="a still per shot: images/<shot_id>.png",
          provider_help="offline (storyboard panels) | composite (references cut out and "
          "placed) | fal[:flux-schnell|flux-dev|<model>] | replicate[:owner/model[:version]] | "
          "comfyui[:workflow.json] (film models)",
          planner="film.stages.images:plan"),
    Stage("video", kind="video", method="animate", output="clips/{key}.mp4",
          depends=("images",), takes=True, option="video-provider",
          default_setting="film_video_provider",
          help="each still animated into clips/<shot_id>.mp4",
          provider_help="offline (camera moves) | fal[:hailuo-02-standard|kling-2.1-pro|<model>] | "
          "replicate[:owner/model[:version]] | comfyui[:workflow.json] (film models)",
          planner="film.stages.video:plan"),
    Stage("normalise", kind="normalise", method="normalise", output=".film/clips/{key}.mp4",
          depends=("video",), fixed_provider="ffmpeg", by_hand="history",
          help="each clip in the film's format, with key frames where the compose cuts it "
          "(.film/clips/<shot_id>.mp4)", planner="film.stages.normalise:plan"),
    Stage("speech", kind="speech", method="synthesize", output="audio/{key}.wav",
          option="tts-provider", default_setting="film_tts_provider", applies=_speaks,
          help="each shot's dialogue or narration voiced into audio/<shot_id>.wav",
          provider_help="offline (eSpeak NG) | openai[:tts-1|tts-1-hd|gpt-4o-mini-tts] | "
          "local[:model] (an OpenAI-compatible server, e.g. Kokoro-FastAPI)",
          planner="film.stages.speech:plan"),
    Stage("compose", kind="compose", method="compose", output="final.mp4", scope="film",
          depends=("normalise", "speech"), brings=("normalise",), fixed_provider="ffmpeg",
          extra_outputs=("subtitles.srt",), by_hand="history", cli_options=("compose",),
          help="clips, voices, music and subtitles assembled into final.mp4 (+ subtitles.srt)",
          planner="film.stages.compose:plan"),
)

BY_NAME: dict[str, Stage] = {stage.name: stage for stage in STAGES}
#: the stages `film run` makes after the shot list
MEDIA_STAGES: tuple[str, ...] = tuple(s.name for s in STAGES if s.chain == "film")
#: the story's levels, in order (`film story`)
STORY_STAGES: tuple[str, ...] = tuple(s.name for s in STAGES if s.chain == "story")
#: the levels --stop-after names, and the last stage each one runs
STOP_AFTER: dict[str, str] = {"bible": "bible", "outline": "outline", "dialogue": "dialogue",
                              "critique": "critique"}
#: stages with one artifact per shot, in order (the columns of `film status`)
SHOT_STAGES: tuple[str, ...] = tuple(s.name for s in STAGES if s.scope == "shot")
#: stages with one artifact per scene of the story, in order
SCENE_STAGES: tuple[str, ...] = tuple(s.name for s in STAGES if s.scope == "scene")
#: how the engine lists the items of a scope: "module:function(run) -> list of items", and
#: the item's attribute that is its key
SCOPES: dict[str, tuple[str, str]] = {
    "shot": ("film.stages.base:shots_of", "shot_id"),
    "scene": ("film.stages.story:scenes_of", "scene_id"),
    "character": ("film.stages.references:characters_of", "key"),
    "location": ("film.stages.references:locations_of", "key"),
}
#: stages whose provider a user picks with an option on the media commands (one per option)
PROVIDER_STAGES: tuple[Stage, ...] = tuple(
    {s.option: s for s in reversed(STAGES) if s.option and s.chain == "film"}.values())[::-1]


def stage(name: str) -> Stage:
    """The stage called `name` (KeyError for an unknown one: a programming error)."""
    return BY_NAME[name]


def dependents(name: str) -> tuple[str, ...]:
    """`name` and every stage of the same scope that reads it, directly or not ("images" →
    images, video): what `film regen --stage` redoes."""
    scope = stage(name).scope
    found = [name]
    for other in STAGES:
        if other.scope == scope and any(dep in found for dep in other.depends):
            found.append(other.name)
    return tuple(found)


def items_of(scope: str, run: Any) -> list[Any]:
    """The items (shots, scenes) a stage of `scope` makes an artifact for."""
    return _load(SCOPES[scope][0])(run)


def key_of(scope: str, item: Any) -> str:
    """An item's key: the shot id, the scene id."""
    return str(getattr(item, SCOPES[scope][1]))
