"""The story's agents on an LLM: a developer writes the bible, an editor the outline, one
character agent per speaking character writes that character's lines (in parallel, each
seeing only its own bible entry, the scene and the previous scene), a director integrates
them, a dramaturge critiques and a reviser patches the scene until it passes.

Every call is structured output (strict json_schema where the model has it), validated with
pydantic, with one repair round, through the chat client and reply cache of film.scenario
(identical questions are answered from disk for free, concurrent identical ones share one
call). `story_writer(...)` is the story stages' resolver: `offline` gives the offline engine.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from film.providers.contract import JobContext, MediaResult
from film.scenario.catalogue import estimate_tokens
from film.scenario.chat import Answer, Question
from film.scenario.prompt import ReplyInvalid, extract_json, strict_schema
from film.story.contract import (
    BibleRequest,
    DialogueRequest,
    DirectRequest,
    OutlineRequest,
    ReviseRequest,
    StoryWriter,
    write_model,
)
from film.story.models import (
    Act,
    Bible,
    Character,
    Critique,
    Dialogue,
    Element,
    Line,
    Location,
    Outline,
    Patch,
    RevisedScene,
    Revision,
    Scene,
    SceneOutline,
    Scores,
    apply_patch,
)

#: the longest line a character may say: it must fit a shot of a few seconds
MAX_LINE_WORDS = 16


# ---- what the models are asked to return ---------------------------------------------------


class _Relation(BaseModel):
    other: str
    relation: str


class _CharacterReply(BaseModel):
    name: str
    role: str
    backstory: str
    traits: list[str]
    goal: str
    fear: str
    speaking_style: str
    visual: str = Field(description="Age, build, hair, clothing, one accessory.")
    relationships: list[_Relation]


class _LocationReply(BaseModel):
    name: str
    description: str
    visual: str = Field(description="A fixed view of the place a painter could follow.")
    interior: bool


class _BibleReply(BaseModel):
    title: str
    theme: str
    acts: list[Act]
    characters: list[_CharacterReply]
    locations: list[_LocationReply]


class _SceneCard(BaseModel):
    act: int
    location: str = Field(description="A location id from the list.")
    time: str = Field(description="DAY, NIGHT, DAWN, DUSK, ...")
    characters: list[str] = Field(description="Ids of the characters present (1 to 3).")
    beat: str
    goal: str
    conflict: str
    outcome: str


class _OutlineReply(BaseModel):
    scenes: list[_SceneCard]


class _LineReply(BaseModel):
    parenthetical: str | None
    text: str
    intent: str


class _LinesReply(BaseModel):
    lines: list[_LineReply]


class _ElementReply(BaseModel):
    type: str = Field(description="action, dialogue or transition")
    character: str | None = Field(description="The speaker's id, for dialogue.")
    parenthetical: str | None
    text: str


class _SceneReply(BaseModel):
    heading: str = Field(description="INT. PLACE - TIME")
    summary: str
    elements: list[_ElementReply]


class _IssueReply(BaseModel):
    severity: str = Field(description="critical, warning or info")
    category: str
    target: str | None = Field(description="The element id it is about, or null.")
    problem: str
    suggestion: str


class _CritiqueReply(BaseModel):
    scores: Scores
    issues: list[_IssueReply]
    summary: str


# ---- the prompts ---------------------------------------------------------------------------

DEVELOPER = (
    "You are a story developer for short films. From a log line you write the story bible: "
    "a title, the theme in one sentence, the acts with their beats, the characters and the "
    "locations. Each character has a visual description a painter could follow every time "
    "(age, build, hair, clothing, one accessory) and a distinct speaking style. Each location "
    "has one fixed visual description. Keep every entry the user gave exactly as it is. "
    "Reply with JSON only.")
EDITOR = (
    "You are a story editor. Split the story into exactly the number of scenes asked for, in "
    "order, spread over the acts. Each scene has one location id from the list, a time of "
    "day, the ids of the 1 to 3 characters present, a beat (what happens), a goal, a conflict "
    "(every scene has one) and an outcome. No two scenes repeat a beat. Reply with JSON only.")
CHARACTER = (
    "You are {name}, a character in a short film. You speak only as yourself, in your own "
    "style, pursuing your goal. Write your lines for the scene: 2 to 4 lines, each at most "
    f"{MAX_LINE_WORDS} words, with an optional parenthetical and the intent of each line. "
    "Reply with JSON only.")
DIRECTOR = (
    "You are the director. Integrate the characters' lines into one scene: keep their words "
    "(you may trim or cut a line), order them as a conversation, add short action lines "
    "between them (what we see), and end with a transition only if it helps. Dialogue "
    "elements name their character by id. Reply with JSON only.")
DRAMATURGE = (
    "You are a dramaturge. Critique the scene: score clarity, pacing, character_consistency "
    "and conflict from 1 (absent) to 5 (professional), and list issues, each with a severity "
    "(critical, warning or info), a category, the id of the element it is about (or null), "
    "the problem and a suggestion. A scene without conflict is critical. A spoken line of "
    f"more than {MAX_LINE_WORDS} words does not fit its shot (warning). Reply with JSON only.")
REVISER = (
    "You revise a scene with targeted patches, never rewriting it whole. Operations: "
    "replace (a field of one element: text, parenthetical or character), insert_after (a new "
    "element after an element) and delete (an element). Fix the issues listed, change "
    "nothing else, and say which issue ids you resolved. Reply with JSON only.")


def _language(request: Any) -> str:
    lang = getattr(request, "language", None)
    style = getattr(request, "style", None)
    notes = []
    if lang:
        notes.append(f"Write every spoken line, action and description in {lang}; keep ids "
                     "and JSON keys in English.")
    if style:
        notes.append(f"Visual style: {style}.")
    return (" " + " ".join(notes)) if notes else ""


def _user(**blocks: Any) -> str:
    """The user turn: labelled JSON blocks, only what the call may see."""
    return "\n\n".join(f"{name.upper()}:\n{json.dumps(value, ensure_ascii=False, indent=1)}"
                       for name, value in blocks.items() if value not in (None, [], {}, ""))


def _dump(model: BaseModel | None, **kw: Any) -> Any:
    return None if model is None else model.model_dump(mode="json", **kw)


# ---- usage bookkeeping ---------------------------------------------------------------------


@dataclass
class _Tally:
    """What one level's calls used, for the artifact's meta["llm"]."""

    model: str
    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    started: float = field(default_factory=time.perf_counter)
    repairs: int = 0

    def add(self, answer: Answer) -> None:
        if answer.cached:
            self.cache_hits += 1
        else:
            self.calls += 1 + int(answer.repaired)
        self.repairs += int(answer.repaired)
        self.prompt_tokens += answer.usage.prompt_tokens
        self.completion_tokens += answer.usage.completion_tokens
        self.cost_usd += answer.usage.cost_usd

    def result(self, **meta: Any) -> MediaResult:
        llm = {"model": self.model, "calls": self.calls, "cache_hits": self.cache_hits,
               "prompt_tokens": self.prompt_tokens, "completion_tokens": self.completion_tokens,
               "cost_usd": round(self.cost_usd, 6), "repairs": self.repairs,
               "latency_s": round(time.perf_counter() - self.started, 3)}
        return MediaResult(cost_usd=round(self.cost_usd, 6), model=self.model,
                           meta={"llm": llm, **meta})


#: output tokens each level asks for, to estimate costs before any call
_OUT_TOKENS = {"bible": 1800, "outline": 220, "lines": 160, "scene": 700, "critique": 450,
               "patch": 350}


class ChatStoryWriter(StoryWriter):
    """The story levels on an OpenRouter or local chat model (see the module docstring)."""

    def __init__(self, name: str, chat: Any, settings: Any) -> None:
        super().__init__(name, chat.label, settings)
        self.chat = chat
        self.remote = chat.remote
        self.key_var = chat.key_var

    def params(self) -> dict[str, Any]:
        return {**self.chat.params(), "prompts": PROMPTS_VERSION}

    def price_known(self) -> bool:
        return self.chat.price_known()

    # -- costs ----------------------------------------------------------------------------

    def estimate_cost(self, request: Any) -> float:
        """Calls this level makes × their expected tokens × the model's prices."""
        if not self.remote:
            return 0.0
        resolved = self.chat.resolved
        tokens_in = 400 + estimate_tokens(request.model_dump_json())
        calls = self._planned_calls(request)
        usd = sum(n * (tokens_in * resolved.input_per_m + out * resolved.output_per_m)
                  for n, out in calls) / 1_000_000
        return round(usd, 6)

    @staticmethod
    def _planned_calls(request: Any) -> list[tuple[int, int]]:
        """(number of calls, output tokens each) of one level."""
        if isinstance(request, BibleRequest):
            return [(1, _OUT_TOKENS["bible"])]
        if isinstance(request, OutlineRequest):
            return [(1, _OUT_TOKENS["outline"] * request.scenes)]
        if isinstance(request, DialogueRequest):
            return [(len(request.characters), _OUT_TOKENS["lines"])]
        if isinstance(request, DirectRequest):
            return [(1, _OUT_TOKENS["scene"])]
        return [(1 + request.rewrites, _OUT_TOKENS["critique"]),
                (request.rewrites, _OUT_TOKENS["patch"])]

    # -- one question ---------------------------------------------------------------------

    async def _ask(self, tally: _Tally, system: str, user: str, reply: type[BaseModel],
                   check: Any = None, noun: str = "reply", temperature: float = 0.7) -> Any:
        """Ask for JSON matching `reply`; `check(value)` returns more problems to repair."""

        def parse(content: str | None, _first: bool) -> Any:
            data = extract_json(content)
            try:
                value = reply.model_validate(data)
            except ValidationError as exc:
                raise ReplyInvalid([
                    f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
                    for e in exc.errors()[:20]]) from exc
            problems = check(value) if check else []
            if problems:
                raise ReplyInvalid(problems)
            return value.model_dump(mode="json")

        def repair(errors: list[str]) -> str:
            listed = "\n".join(f"- {e}" for e in errors)
            return (f"Your reply is not a valid {noun}. Problems found:\n{listed}\n"
                    "Reply again with the complete corrected JSON object only.")

        messages = self._fit([{"role": "system", "content": system},
                              {"role": "user", "content": user}])
        answer = await self.chat.ask(Question(
            messages, name=noun.replace(" ", "_"), schema=strict_schema(reply), parse=parse,
            repair=repair, temperature=temperature, noun=noun))
        tally.add(answer)
        return reply.model_validate(answer.value)

    def _fit(self, messages: list[dict[str, str]]) -> list[dict[str, str]]:
        """Truncate the user turn when the messages would not fit the model's context."""
        limit = max(1024, self.chat.context_tokens - 2500)
        text = messages[-1]["content"]
        if estimate_tokens(messages[0]["content"] + text) <= limit:
            return messages
        keep = max(200, int(len(text) * limit / max(1, estimate_tokens(text)) * 0.9))
        note = "\n\n(The context above was shortened to fit the model.)"
        return [messages[0], {"role": "user", "content": text[:keep] + note}]

    def _tally(self) -> _Tally:
        return _Tally(model=self.model)

    def _bind(self, ctx: JobContext) -> None:
        if getattr(self.chat, "_client", None) is None and ctx.client is not None:
            self.chat._client, self.chat._owns_client = ctx.client, False
        self.chat.on_retry = self.chat.on_retry or ctx.on_retry

    async def aclose(self) -> None:
        await self.chat.aclose()

    # -- the levels -----------------------------------------------------------------------

    async def write_bible(self, request: BibleRequest, out: Path, ctx: JobContext
                          ) -> MediaResult:
        self._bind(ctx)
        tally = self._tally()
        reply = await self._ask(
            tally, DEVELOPER + _language(request),
            _user(log_line=request.log_line, scope=request.scope, scenes=request.scenes,
                  characters_wanted=request.characters, given_entries=request.given),
            _BibleReply, check=lambda r: _check_bible(r, request), noun="story bible")
        bible = _bible_from(reply, request)
        write_model(out, bible)
        return tally.result(characters=len(bible.characters), locations=len(bible.locations))

    async def write_outline(self, request: OutlineRequest, out: Path, ctx: JobContext
                            ) -> MediaResult:
        self._bind(ctx)
        tally = self._tally()
        places = [{"id": p.id, "name": p.name, "description": p.description}
                  for p in request.locations]
        reply = await self._ask(
            tally, EDITOR + _language(request),
            _user(plot=_dump(request.plot), characters=[_dump(c) for c in request.characters],
                  locations=places, scenes_wanted=request.scenes),
            _OutlineReply, check=lambda r: _check_outline(r, request), noun="outline")
        outline = Outline(scenes=[
            SceneOutline(scene_id=f"s{i:02d}", **card.model_dump())
            for i, card in enumerate(reply.scenes[:request.scenes], start=1)])
        write_model(out, outline)
        return tally.result(scenes=len(outline.scenes))

    async def write_dialogue(self, request: DialogueRequest, out: Path, ctx: JobContext
                             ) -> MediaResult:
        """One character agent per character, in parallel."""
        self._bind(ctx)
        tally = self._tally()
        replies = await asyncio.gather(*(self._agent(tally, request, who)
                                         for who in request.characters))
        lines = [Line(id=f"{who.id}-{n}", character=who.id, parenthetical=line.parenthetical,
                      text=line.text, intent=line.intent)
                 for who, reply in zip(request.characters, replies, strict=True)
                 for n, line in enumerate(reply.lines, start=1)]
        write_model(out, Dialogue(scene_id=request.outline.scene_id, lines=lines))
        return tally.result(lines=len(lines))

    async def _agent(self, tally: _Tally, request: DialogueRequest, who: Character) -> Any:
        others = [{"id": c.id, "name": c.name, "role": c.role}
                  for c in request.characters if c.id != who.id]
        return await self._ask(
            tally, CHARACTER.format(name=who.name) + _language(request),
            _user(you=_dump(who, exclude={"visual", "voice"}), scene=_dump(request.outline),
                  place=_dump(request.location, exclude={"visual"}), others_present=others,
                  previous_scene=_dump(request.previous), position=request.position),
            _LinesReply, check=_check_lines, noun="set of lines")

    async def direct_scene(self, request: DirectRequest, out: Path, ctx: JobContext
                           ) -> MediaResult:
        self._bind(ctx)
        tally = self._tally()
        ids = {c.id for c in request.characters}
        reply = await self._ask(
            tally, DIRECTOR + _language(request),
            _user(scene=_dump(request.outline), place=_dump(request.location,
                                                             exclude={"visual"}),
                  characters=[_dump(c) for c in request.characters],
                  lines=[_dump(line) for line in request.dialogue.lines]),
            _SceneReply, check=lambda r: _check_elements(r.elements, ids), noun="scene")
        scene = Scene(scene_id=request.outline.scene_id, heading=reply.heading,
                      summary=reply.summary,
                      elements=[Element(id=f"e{i}", **e.model_dump())
                                for i, e in enumerate(reply.elements, start=1)])
        write_model(out, scene)
        return tally.result(elements=len(scene.elements))

    async def revise_scene(self, request: ReviseRequest, out: Path, ctx: JobContext
                           ) -> MediaResult:
        """Critique; while it fails and rewrites are left, patch the named elements. The
        last patch is not critiqued again (its RevisedScene has passed=False and a patch)."""
        self._bind(ctx)
        tally = self._tally()
        scene, revisions, passed = request.scene, [], False
        ids = {c.id for c in request.characters}
        for iteration in range(request.rewrites + 1):
            critique = await self._critique(tally, request, scene)
            passed = critique.passes(request.threshold)
            if passed or iteration == request.rewrites:
                revisions.append(Revision(iteration=iteration, critique=critique))
                break
            patch = await self._patch(tally, request, scene, critique, ids)
            scene, skipped = apply_patch(scene, patch, ids)
            revisions.append(Revision(iteration=iteration, critique=critique, patch=patch,
                                      skipped=skipped))
            if iteration + 1 == request.rewrites:
                break  # the last rewrite is kept without another critique call
        final = RevisedScene(scene_id=scene.scene_id, scene=scene, revisions=revisions,
                             passed=passed, threshold=request.threshold)
        write_model(out, final)
        return tally.result(passed=passed, rewrites=sum(1 for r in revisions if r.patch),
                            score=revisions[-1].critique.scores.mean)

    async def _critique(self, tally: _Tally, request: ReviseRequest, scene: Scene) -> Critique:
        reply = await self._ask(
            tally, DRAMATURGE + _language(request),
            _user(scene_card=_dump(request.outline), scene=_dump(scene),
                  characters=[_dump(c, exclude={"visual", "voice"})
                              for c in request.characters]),
            _CritiqueReply, check=_check_issues, noun="critique", temperature=0.2)
        return Critique(scene_id=scene.scene_id, scores=reply.scores, summary=reply.summary,
                        issues=[{"id": f"i{n}", **issue.model_dump()}
                                for n, issue in enumerate(reply.issues, start=1)])

    async def _patch(self, tally: _Tally, request: ReviseRequest, scene: Scene,
                     critique: Critique, ids: set[str]) -> Patch:
        targets = {i.target for i in critique.issues if i.target}
        near = [_dump(e) for n, e in enumerate(scene.elements)
                if any(x.id in targets for x in scene.elements[max(0, n - 1):n + 2])]
        return await self._ask(
            tally, REVISER + _language(request),
            _user(issues=critique.generate_rewrite_instructions(),
                  issue_ids=[i.id for i in critique.issues], elements=near or _dump(scene),
                  characters=sorted(ids)),
            Patch, check=lambda p: [f"unknown element {op.id}" for op in p.ops
                                    if op.id not in {e.id for e in scene.elements}],
            noun="patch")


#: bump when a prompt changes enough that stories made before should be made again
PROMPTS_VERSION = 1


# ---- checks that send a reply back for repair ----------------------------------------------


def _check_bible(reply: _BibleReply, request: BibleRequest) -> list[str]:
    problems = []
    if not reply.characters:
        problems.append("characters: at least one character is needed")
    if not reply.locations:
        problems.append("locations: at least one location is needed")
    names = [c.name.strip().lower() for c in reply.characters]
    if len(set(names)) != len(names):
        problems.append("characters: two characters have the same name")
    return problems


def _check_outline(reply: _OutlineReply, request: OutlineRequest) -> list[str]:
    places = {p.id for p in request.locations}
    people = {c.id for c in request.characters}
    problems = []
    if len(reply.scenes) < request.scenes:
        problems.append(f"scenes: {request.scenes} scenes are needed, got {len(reply.scenes)}")
    for n, card in enumerate(reply.scenes, start=1):
        if card.location not in places:
            problems.append(f"scenes.{n}.location: {card.location!r} is not one of "
                            f"{sorted(places)}")
        unknown = [c for c in card.characters if c not in people]
        if unknown or not card.characters:
            problems.append(f"scenes.{n}.characters: use ids from {sorted(people)}")
        if not card.conflict.strip():
            problems.append(f"scenes.{n}.conflict: every scene needs a conflict")
    return problems


def _check_lines(reply: _LinesReply) -> list[str]:
    problems = [f"lines.{n}: {len(line.text.split())} words; at most {MAX_LINE_WORDS}"
                for n, line in enumerate(reply.lines, start=1)
                if len(line.text.split()) > MAX_LINE_WORDS + 4]
    if not reply.lines:
        problems.append("lines: at least one line is needed")
    return problems


def _check_elements(elements: list[_ElementReply], ids: set[str]) -> list[str]:
    problems = []
    for n, element in enumerate(elements, start=1):
        if element.type not in ("action", "dialogue", "transition"):
            problems.append(f"elements.{n}.type: {element.type!r} is not action, dialogue or "
                            "transition")
        if element.type == "dialogue" and element.character not in ids:
            problems.append(f"elements.{n}.character: use one of {sorted(ids)}")
        if not element.text.strip():
            problems.append(f"elements.{n}.text: empty")
    if not elements:
        problems.append("elements: the scene is empty")
    return problems


def _check_issues(reply: _CritiqueReply) -> list[str]:
    problems = []
    for n, issue in enumerate(reply.issues, start=1):
        if issue.severity not in ("critical", "warning", "info"):
            problems.append(f"issues.{n}.severity: critical, warning or info")
        if not issue.problem.strip():
            problems.append(f"issues.{n}.problem: say what is wrong")
    return problems


def _bible_from(reply: _BibleReply, request: BibleRequest) -> Bible:
    """The Bible: the user's given entries as they are, the model's for the rest."""
    given_people = [Character.model_validate(c) for c in request.given.get("characters", [])]
    given_places = [Location.model_validate(p) for p in request.given.get("locations", [])]
    names = {c.name.lower() for c in given_people}
    people = given_people + [
        Character(name=c.name, role=c.role, backstory=c.backstory, traits=c.traits,
                  goal=c.goal, fear=c.fear, speaking_style=c.speaking_style, visual=c.visual)
        for c in reply.characters if c.name.lower() not in names][:max(request.characters,
                                                                        len(given_people))]
    by_name = {c.name.lower(): c.id for c in people}
    for person, source in zip(people[len(given_people):], [
            c for c in reply.characters if c.name.lower() not in names], strict=False):
        person.relationships = {by_name[r.other.lower()]: r.relation for r in source.relationships
                                if r.other.lower() in by_name}
    place_names = {p.name.lower() for p in given_places}
    places = given_places + [Location(name=p.name, description=p.description, visual=p.visual,
                                      interior=p.interior)
                             for p in reply.locations if p.name.lower() not in place_names]
    plot = {"title": reply.title, "log_line": request.log_line, "theme": reply.theme,
            "acts": [a.model_dump() for a in reply.acts], **request.given.get("plot", {})}
    return Bible.model_validate({"plot": plot, "characters": [c.model_dump() for c in people],
                                 "locations": [p.model_dump() for p in places],
                                 "language": request.language, "style": request.style})


def story_writer(kind: str, name: str, settings: Any, **options: Any) -> StoryWriter:
    """The story stages' resolver: `offline` (the offline engine), or a `--model` value."""
    from film.scenario.providers import get_scenario_provider

    if name.strip() == "offline":
        from film.story.offline import OfflineStoryWriter

        return OfflineStoryWriter(settings=settings)
    chat = get_scenario_provider(name, settings, **options)
    return ChatStoryWriter(chat.label, chat, settings)
