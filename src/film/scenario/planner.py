"""The offline scenario planner: a usable shot list from a description, no network, no key.

Deterministic: the same request always gives the same shot list (every choice comes from the
text, never from the clock or an unseeded random source). How it plans:

1. quoted speech ("...") is lifted out as dialogue, its speaker taken from the attribution
   (`"Caw," says the crow`, `The old man says "..."`, `"Run!" shouts Tom`) or nearby words;
2. the text is cut into beats: sentences, then clauses when there are more shots than
   sentences; beats are spread over the shots, and spare shots become coverage of a beat
   (establishing, reaction, insert, close-up detail, over-the-shoulder, pov, ...);
3. a shot grammar picks sizes (open wide, never repeat a size, end on a wide or a close-up)
   and camera moves; prompts are enriched from a style preset, the mood, time and weather;
4. about half the shots without dialogue get a short narration line taken from their beat,
   spread from the first beat to the last (the ending is narrated, not silent).

A description in Chinese, Japanese, Spanish, French, German or Arabic (guessed, or
`language`) is read by `planner_i18n`: dialogue, narration, characters and the title keep
the description's words; the image prompts' scaffolding stays English, with an English
gloss of each character.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from film.lang import guess_language
from film.scenario.contract import ScenarioProvider, ScenarioRequest, ScenarioResult
from film.scenario.planner_i18n import LANGUAGES, Reader
from film.scenario.planner_i18n import title as native_title
from film.scenario.planner_text import (
    QUOTE_MARK,
    SENTENCE_SPLIT,
    body_details,
    characters_in,
    count_cues,
    english_title,
    find_names,
    infer_mood,
    infer_time,
    narration_line,
    places_in,
    pronoun_target,
    quote_speaker,
    ref,
    resolve_style,
    spread,
    uninvert,
    words_of,
)
from film.scenario.planner_vocab import (
    BASE_NEGATIVE,
    EMOTION_WORDS,
    MOOD_ATMOSPHERE,
    MOTION_WORDS,
    OBJECTS,
    PLAIN_SPEECH,
    PRONOUNS,
    SETTINGS,
    STYLE_PRESETS,
    TIME_LIGHT,
    WEATHER,
)
from film.schema import Shot, ShotList, Usage

#: bump when a change to the planner should make existing shot lists stale
PLANNER_VERSION = 2  # 2: reads zh, ja, es, fr, de; records the language

__all__ = ["STYLE_PRESETS", "OfflineScenarioProvider", "plan_shot_list", "resolve_style"]

_QUOTE = re.compile(r'"([^"]+)"|“([^”]+)”')
_MARK = QUOTE_MARK
_CLAUSE = re.compile(r",\s*(?:and\s+)?then\s+|;\s*|\s+and then\s+|"
                     r",\s+(?:and|but|while|as|before|after|until|when)\s+")
_ABBREV = re.compile(r"\b(Mr|Mrs|Ms|Dr|St|Jr|Sr)\.")
_TYPE_PHRASE = {
    "establishing": "establishing shot", "wide": "wide shot", "extreme-wide": "extreme wide shot",
    "full": "full shot", "medium-wide": "medium wide shot", "medium": "medium shot",
    "medium-close-up": "medium close-up", "close-up": "close-up",
    "extreme-close-up": "extreme close-up", "over-the-shoulder": "over-the-shoulder shot",
    "pov": "point-of-view shot", "insert": "insert shot", "reaction": "reaction shot",
    "two-shot": "two-shot", "aerial": "aerial shot", "tracking": "tracking shot",
}
_LENS = {"establishing": "24mm wide-angle lens, deep focus", "wide": "24mm lens, deep focus",
         "aerial": "drone view, 18mm lens", "medium-wide": "35mm lens", "full": "35mm lens",
         "medium": "40mm lens", "two-shot": "40mm lens", "tracking": "35mm lens, motion blur",
         "over-the-shoulder": "50mm lens, foreground shoulder out of focus",
         "pov": "28mm lens, subjective framing", "medium-close-up": "65mm lens",
         "close-up": "85mm lens, shallow depth of field", "reaction": "85mm lens, shallow focus",
         "extreme-close-up": "100mm macro lens", "insert": "100mm macro lens, shallow focus"}
_MOVES = {"establishing": ("crane", "pan-right", "push-in"), "wide": ("pan-left", "pan-right"),
          "aerial": ("crane",), "tracking": ("tracking",), "pov": ("handheld",),
          "medium": ("static", "push-in", "pan-right"), "medium-wide": ("pan-left", "static"),
          "full": ("static", "tilt-up"), "two-shot": ("static", "pan-right"),
          "medium-close-up": ("push-in", "static"), "close-up": ("push-in", "static"),
          "extreme-close-up": ("push-in",), "insert": ("static", "tilt-down"),
          "reaction": ("static", "push-in"), "over-the-shoulder": ("static", "handheld")}
_MAIN_CYCLE = ("medium", "medium-wide", "close-up", "full", "medium-close-up")
_COVERAGE = ("reaction", "insert", "detail", "over-the-shoulder", "pov", "extreme-close-up",
             "medium-wide", "aerial", "two-shot", "tracking")
_ROLE_TYPE = {"detail": "close-up"}
_ANGLES = ("from a low angle", "from a high angle", "in silhouette", "through a foreground "
           "frame", "from behind", "with a dutch tilt", "at eye level", "from far across the space")
_COMPOSITION = {"16:9": "widescreen composition on the rule of thirds",
                "9:16": "vertical composition, subject centred", "1:1": "square composition"}


@dataclass
class _Beat:
    text: str                      # the action, quotes removed
    dialogue: str | None = None
    speaker: str | None = None
    chars: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    time: str | None = None


def _clauses(sentence: str) -> list[str]:
    out: list[str] = []
    for part in (p.strip() for p in _CLAUSE.split(sentence)):
        if out and len(part.split()) < 3:
            out[-1] = f"{out[-1]}, {part}"
        elif part:
            out.append(part)
    return out or [sentence]


def _clean(text: str) -> str:
    text = _MARK.sub(" ", text)
    text = " ".join("speaks" if w.lower().strip(",.") in PLAIN_SPEECH else w for w in text.split())
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?=[,.;:!?]|$)", "", text)
    return re.sub(r"^[\s,.;:!?-]+|[\s,;:-]+$", "", text).strip()


def _subjectify(text: str, chars: list[str]) -> str:
    """Give a clause a visible subject ("he opens the door" → "the detective opens the door")."""
    words = text.split()
    if not chars or not words:
        return text
    first = words[0].lower()
    if first in ("he", "she", "they"):
        who = " and ".join(ref(c) for c in chars[:2]) if first == "they" else ref(chars[0])
        return " ".join([who, *words[1:]])
    if words[0][:1].islower() and first.endswith("s") and first not in PRONOUNS:
        return f"{ref(chars[0])} {text}"
    return text


def _beats(description: str, n: int, given: list[str] | None = None
           ) -> tuple[list[_Beat], list[str]]:
    quotes: list[str] = []

    def lift(m: re.Match[str]) -> str:
        raw = (m.group(1) or m.group(2)).strip()
        quote = re.sub(r"[,;:\s]+$", "", raw) or "..."
        # end it like a sentence, unless it already ends in punctuation or an emoji
        quote = f"{quote}." if quote[-1].isalnum() else quote
        quotes.append(quote)
        tail = text_after(m.end())
        end = "." if raw[-1:] in ".!?" and tail[:1].isupper() else ""
        return f"\uE000{len(quotes) - 1}\uE001{end}"

    source = _ABBREV.sub(r"\1", " ".join(description.split()))

    def text_after(pos: int) -> str:
        return source[pos:].lstrip()

    text = _QUOTE.sub(lift, source)
    names = list(given) if given else find_names(_MARK.sub(" ", text))
    units = [u.strip() for u in SENTENCE_SPLIT.split(text) if u and u.strip()]
    if len(units) < n:
        units = [c for u in units for c in _clauses(u)]
    beats: list[_Beat] = []
    last: list[str] = []
    recent: list[str] = []  # characters by latest mention (a beat's subject first)
    cast: list[str] = []
    for unit in units:
        unit = uninvert(unit)  # `"Caw," says the crow.` → `"Caw," the crow says.`
        action = _clean(unit)
        marks = [int(i) for i in _MARK.findall(unit)]
        if not action and not marks:
            continue
        chars = characters_in(action, names, cast, nouns=not given)
        cast += [c for c in chars if c not in cast]
        first = words_of(action)[:1]
        if first and first[0] in ("he", "she", "his", "her") and recent:
            who = pronoun_target(first[0], recent)  # "He waves" after "A fox ... A trapper ..."
            chars = [who, *(c for c in chars if c != who)] if who else chars
        elif not chars and set(words_of(action)) & PRONOUNS:
            chars = list(last)
        places = places_in(action, names) or (beats[-1].places if beats else [])
        speaker = quote_speaker(unit, names, recent, cast) if marks else None
        if speaker and speaker not in cast:
            cast.append(speaker)
        subjects = [speaker, *(c for c in chars if c != speaker)] if speaker else chars or last
        beat = _Beat(_subjectify(action, subjects), chars=chars, places=places,
                     time=infer_time(action, implicit=False))
        if marks:
            beat.dialogue = " ".join(quotes[i] for i in marks)
            beat.speaker = speaker
            if speaker and speaker not in beat.chars:
                beat.chars.insert(0, speaker)
            if not beat.text:
                beat.text = f"{ref(beat.speaker) if beat.speaker else 'a figure'} speaks"
        last = beat.chars or last
        recent = [*beat.chars, *(c for c in recent if c not in beat.chars)]
        beats.append(beat)
    return beats or [_Beat(" ".join(description.split())[:300] or "an empty scene")], names


def _group(beats: list[_Beat], n: int, stop: str = ".") -> list[_Beat]:
    """Merge contiguous beats into n (when there are more beats than shots)."""
    out = []
    sep = "" if stop == "。" else " "
    for i in range(n):
        part = beats[i * len(beats) // n:(i + 1) * len(beats) // n]
        lines: list[str] = []
        for line in (b.dialogue for b in part if b.dialogue):
            if not lines or len(sep.join([*lines, line])) <= 240:
                lines.append(line[:1000])
        out.append(_Beat(
            sep.join(b.text if b.text.endswith((".", "!", "?", "。", "！", "？"))
                     else f"{b.text}{stop}" for b in part)[:600],
            sep.join(lines) or None,
            next((b.speaker for b in part if b.speaker), None),
            list(dict.fromkeys(c for b in part for c in b.chars)),
            list(dict.fromkeys(p for b in part for p in b.places)),
            next((b.time for b in part if b.time), None)))
    return out


def _roles(beats: list[_Beat], n: int, cast: int) -> list[tuple[int, str]]:
    """(beat index, role) per shot: each beat's main shot plus coverage for spare shots."""
    if len(beats) >= n:
        return [(i, "main") for i in range(n)]
    slots: list[tuple[int, str]] = []
    for j, beat in enumerate(beats):
        k = (j + 1) * n // len(beats) - j * n // len(beats)
        roles = ["establishing", "main"] if j == 0 and k >= 2 else ["main"]
        outdoor = any(SETTINGS.get(p, ("exterior",))[0] == "exterior" for p in beat.places)
        usable = [r for r in _COVERAGE if (beat.chars or r in ("insert", "detail", "aerial"))
                  and (cast >= 2 or r not in ("over-the-shoulder", "two-shot"))
                  and (outdoor or r != "aerial")]
        while len(roles) < k:
            roles.append(usable[(2 * j + len(roles)) % len(usable)])
        slots += [(j, r) for r in roles[:k]]
    return slots


def _shot_types(beats: list[_Beat], slots: list[tuple[int, str]], mood: str) -> list[str]:
    types: list[str] = []
    mains = 0
    for i, (j, role) in enumerate(slots):
        beat, words = beats[j], set(words_of(beats[j].text))
        if role != "main":
            kind = _ROLE_TYPE.get(role, role)
        elif i == 0:
            kind = "wide"
        elif beat.dialogue:
            kind = "over-the-shoulder" if len(beat.chars) >= 2 and mains % 2 else "medium-close-up"
        elif not beat.chars:
            kind = ("wide", "medium-wide", "medium")[mains % 3]
        elif words & MOTION_WORDS:
            kind = "tracking"
        elif words & EMOTION_WORDS:
            kind = "close-up"
        elif len(beat.chars) >= 2 and mains % 3 == 1:
            kind = "two-shot"
        else:
            kind = _MAIN_CYCLE[mains % len(_MAIN_CYCLE)]
        mains += role == "main"
        types.append(kind)
    if len(types) >= 3:
        j, role = slots[-1]
        emotional = beats[j].dialogue or set(words_of(beats[j].text)) & EMOTION_WORDS
        close = role in ("reaction", "insert", "detail", "extreme-close-up", "pov")
        types[-1] = "close-up" if close or emotional or mood in ("melancholic", "romantic") \
            else "wide"
    for i in range(1, len(types)):
        if types[i] != types[i - 1]:
            continue
        if i == len(types) - 1 and len(types) >= 3:
            types[i] = "wide" if types[i] == "close-up" else "close-up"
        else:
            nxt = types[i + 1] if i + 1 < len(types) else None
            types[i] = next(t for t in ("medium", "close-up", "medium-wide", "full")
                            if t not in (types[i - 1], nxt))
    return types


def _move(kind: str, index: int, last: bool, mood: str) -> str:
    if last and kind == "wide":
        return "pull-out"
    if last and kind == "close-up":
        return "push-in"
    if mood in ("tense", "eerie") and kind in ("medium", "medium-wide", "full",
                                                "over-the-shoulder"):
        return "handheld"
    options = _MOVES.get(kind, ("static",))
    return options[index % len(options)]


def _subject(role: str, beat: _Beat, place: str, i: int, repeat: int,
             gloss: dict[str, str] | None = None) -> str:
    """What the frame shows for a shot's role in covering its beat (`gloss`: the English of
    a character's name in a description in another language)."""
    gloss = gloss or {}
    where = ref(place)
    who = ref(gloss.get(beat.chars[0], beat.chars[0])) if beat.chars else "the figure"
    held, near, eyes = body_details(gloss.get(beat.chars[0], beat.chars[0])) if beat.chars \
        else ("hands",) * 3
    other = ref(gloss.get(beat.chars[1], beat.chars[1])) if len(beat.chars) > 1 else where
    thing = next((w for w in words_of(beat.text) if w in OBJECTS), None)
    action = beat.text.rstrip(".!?;, 。！？；，")
    if action[:1].isupper() and action.split()[0] not in beat.chars:
        action = action[:1].lower() + action[1:]
    subject = {
        "main": action,
        "establishing": f"{where}, setting the scene as {action}",
        "reaction": f"{who}'s face reacting as {action}",
        "insert": f"the {thing}" if thing else f"{who}'s {held}" if beat.chars
        else f"a telling detail of {where}",
        "detail": f"textures and small details of {where}",
        "over-the-shoulder": f"over the shoulder of {who} toward {other}",
        "pov": f"what {who} sees across {where}",
        "extreme-close-up": f"{who}'s {eyes}" if i % 2 else f"{who}'s {near}",
        "medium-wide": f"{who} within {where}",
        "aerial": f"{where} from high above",
        "two-shot": f"{who} and {other} together in frame",
        "tracking": f"{who} moving through {where}",
    }[role]
    if action not in subject:
        subject = f"{subject}, as {action}"
    if gloss and beat.chars and role == "main":  # the English of names in another language
        subject += ", featuring " + " and ".join(ref(gloss.get(c, c)) for c in beat.chars[:3])
    return f"{subject}, {_ANGLES[(repeat - 1) % len(_ANGLES)]}" if repeat else subject


def plan_shot_list(request: ScenarioRequest) -> ShotList:
    """The offline plan for a request: deterministic, schema-valid, exactly num_shots shots."""
    n = request.num_shots
    description = request.description
    preset, extra_style = resolve_style(request.style, description)
    language = request.language or guess_language(description)
    reader = Reader(language, request.cast) if language in LANGUAGES else None
    if reader is not None:
        mood = (request.mood or reader.mood(description) or "contemplative").strip()
        when = reader.time(description) or "day"
        beats = [_Beat(**vars(b)) for b in reader.beats(description, n)]
        names, gloss = reader.names, reader.gloss
    else:
        mood = (request.mood or infer_mood(description)).strip()
        when = infer_time(description) or "day"
        (beats, names), gloss = _beats(description, n, request.cast), {}
    if len(beats) > n:
        beats = _group(beats, n, "。" if language in ("zh", "ja") else ".")
    places = list(dict.fromkeys(p for b in beats for p in b.places))
    first_timed = next((k for k, b in enumerate(beats) if b.time), len(beats))
    early = " ".join(b.text for b in beats[:first_timed])
    clock = (reader.time(early) if reader else infer_time(early)) or when
    for beat in beats:
        beat.places = beat.places or places[:1]
        beat.time = clock = beat.time or clock
    cast = list(dict.fromkeys(c for b in beats for c in b.chars))
    slots = _roles(beats, n, len(cast))
    types = _shot_types(beats, slots, mood)
    tokens = words_of(description)
    weather = [w for cues, w in WEATHER if count_cues(tokens, cues)
               or (reader and set(cues) & set(reader.weather(description)))]
    styles = ([extra_style] if extra_style else []) + list(preset.styles)
    negative = f"{BASE_NEGATIVE}, {preset.negative}"
    atmosphere = MOOD_ATMOSPHERE.get(mood.lower(), f"{mood} mood")
    narr_budget = (n + 1) // 2 - sum(1 for j, r in slots if r == "main" and beats[j].dialogue)
    candidates = [i for i, (j, r) in enumerate(slots) if r == "main" and not beats[j].dialogue]
    narrated = spread(candidates, narr_budget)
    shots: list[Shot] = []
    repeats: dict[tuple[int, str], int] = {}
    for i, ((j, role), kind) in enumerate(zip(slots, types, strict=True)):
        beat = beats[j]
        current = beat.places[-1:] if len(beat.places) > 1 and role != "main" else beat.places
        place = current[0] if current else "surroundings"
        time_of_day = beat.time
        repeats[(j, role)] = repeats.get((j, role), -1) + 1
        subject = _subject(role, beat, place, i, repeats[(j, role)], gloss)
        setting = "" if place in subject or not current else f"in {ref(place)}"
        joint = ": " if role == "main" else " of "
        parts = [f"{preset.medium}, {_TYPE_PHRASE[kind]}{joint}{subject}", setting,
                 TIME_LIGHT.get(time_of_day or "", ""), *weather, preset.lighting, preset.palette,
                 _LENS.get(kind, "50mm lens"), preset.look, atmosphere, preset.texture,
                 _COMPOSITION[request.aspect_ratio], extra_style or ""]
        kinds = sorted({SETTINGS[p][0] for p in current if p in SETTINGS})
        cats = [SETTINGS[p][1] for p in current if p in SETTINGS]
        shots.append(Shot(
            shot_id=f"shot_{i + 1:03d}", shot_number=i + 1, shot_type=kind,
            enhanced_prompt=", ".join(p for p in parts if p)[:4000],
            negative_prompt=negative, duration=request.shot_duration,
            dialogue=beat.dialogue if role == "main" else None,
            speaker=beat.speaker if role == "main" and beat.dialogue else None,
            narration=narration_line(beat.text, language in ("zh", "ja")) if i in narrated
            else None,
            characters=[] if role in ("detail", "aerial") else list(beat.chars),
            landscapes=list(dict.fromkeys([*current, *kinds, *cats])),
            styles=styles, mood=mood, time_of_day=time_of_day,
            camera_movement=_move(kind, i, i == n - 1 and n >= 3, mood),
            action=beat.text,
        ))
    heading = native_title(reader, beats, description) if reader \
        else english_title(beats, names, places[0] if places else None, when)
    return ShotList(title=heading, description=description, style=request.style or preset.name,
                    mood=mood, aspect_ratio=request.aspect_ratio, model="offline",
                    usage=Usage(), shots=shots, language=language)


class OfflineScenarioProvider(ScenarioProvider):
    """Plans a shot list locally: no network, no key, no cost, same input → same output."""

    def __init__(self, name: str = "offline", model: str = "offline-planner",
                 settings: Any = None) -> None:
        super().__init__(name, model, settings)

    def params(self) -> dict[str, Any]:
        return {"planner": PLANNER_VERSION}

    async def generate(self, request: ScenarioRequest) -> ScenarioResult:
        started = time.perf_counter()
        shot_list = plan_shot_list(request)
        return ScenarioResult(shot_list=shot_list, usage=Usage(), model="offline",
                              seconds=round(time.perf_counter() - started, 4))
