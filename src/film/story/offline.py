"""The offline story engine: every story level from a log line, no network, no key.

Deterministic: the same request always gives the same file (every choice comes from a
`random.Random` seeded with a sha256 of the request's JSON, never from the clock). The levels:

1. bible: the log line is read for its people (capitalised names such as "Mara" or "Detective
   Sam Reyes", and nouns such as "a detective with amnesia"), its goal ("must solve a
   murder ..."), its places ("lighthouse") and its genre; missing characters come from a small
   name bank (no two with the same initial), missing places from the genre's kit; the beats
   come from Save the Cat, spread over the acts and the scenes;
2. outline: one scene per beat, each with its own place, time, clue (a prop), goal, conflict
   and outcome;
3. dialogue: each character's lines from intents (probe, press, refuse, threaten, ...) in
   their own voice (their speaking style sets the length, the fillers, the contractions);
4. director: the lines interleaved turn by turn, an opening action, action beats between
   lines, the outcome and a transition;
5. dramaturge: a rule-based critique (no conflict, long lines, silent characters, repeated
   lines, two actions in a row), then targeted patches until the scene passes.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from film.providers.contract import JobContext, MediaResult
from film.scenario.planner_vocab import (
    ANIMAL_NOUNS,
    ANIMAL_PARTS,
    CREATURE_NOUNS,
    FEMALE_NOUNS,
    IRREGULAR_PLURALS,
    MALE_NOUNS,
    PERSON_NOUNS,
    SETTINGS,
)
from film.story.contract import (
    BibleRequest,
    CharacterSummary,
    DialogueRequest,
    DirectRequest,
    OutlineRequest,
    ReviseRequest,
    StoryWriter,
    write_model,
)
from film.story.models import (
    SCORE_NAMES,
    Act,
    Beat,
    Bible,
    Character,
    Critique,
    Dialogue,
    Element,
    Issue,
    Line,
    Location,
    Outline,
    Patch,
    PatchOp,
    Plot,
    RevisedScene,
    Revision,
    Scene,
    SceneOutline,
    Scope,
    Scores,
    apply_patch,
    slug,
)
from film.story.offline_text import (
    ACCESSORIES,
    ACT_NAMES,
    ACT_WEIGHTS,
    ACTIONS,
    ALONE_ACTIONS,
    ALONE_ENTRANCES,
    ANTAGONIST_ACCESSORIES,
    ANTAGONIST_CLOTHES,
    BACKSTORY_EVENTS,
    BEAT_PRIORITY,
    BEAT_SUMMARIES,
    BEAT_TIMES,
    BEATS,
    BUILDS,
    CHILD_NOUNS,
    CLAUSE_BREAKS,
    CONFLICT_WORDS,
    CONTRACTIONS,
    DEFAULT_GENRE,
    ENTRANCES,
    EXTERIOR_ACTIONS,
    EXTERIOR_ENTRANCES,
    EXTERIOR_TIME_DETAILS,
    EXTRA_PERSON_NOUNS,
    FAMILY_NAMES,
    FEARS,
    FIRST_NAMES,
    FIVE_ACT_ENDS,
    FORCES,
    GENRE_CUES,
    GENRES,
    GOAL_OPENERS,
    HAIR,
    INTENT_PLANS,
    INTENTS,
    INTERIOR_ACTIONS,
    KIN,
    MACHINE_NOUNS,
    NOT_NAMES,
    NOUN_CLOTHES,
    OLD_NOUNS,
    OPPOSITION_NOUNS,
    OPPOSITION_VERBS,
    PLACE_NAMES,
    PLACE_NOUNS,
    PLACE_PARTS,
    PLACE_TITLE,
    PLACE_VISUALS,
    ROLE_STYLES,
    SECRETS,
    STYLE_CUES,
    STYLES,
    THEME_CUES,
    TIME_DETAILS,
    TIMES,
    TITLE_ADJECTIVES,
    TITLE_HOURS,
    TITLE_PATTERNS,
    TITLES,
    TRAIT_PARENTHETICALS,
    TRAITS,
    TRANSITIONS,
    TURN,
    BeatKit,
    GenreKit,
    PlaceKit,
    Style,
)

#: bump when a change to the engine should make existing story files stale
ENGINE_VERSION = 1
#: the longest line a character may say: it must fit a shot of a few seconds
MAX_LINE_WORDS = 16
#: what a shortened line is cut to
SHORT_LINE_WORDS = 12

__all__ = ["ENGINE_VERSION", "MAX_LINE_WORDS", "OfflineStoryWriter", "critique_scene",
           "make_bible", "make_dialogue", "make_outline", "make_scene", "offline_story",
           "revise"]

_TOKEN = re.compile(r"[^\W\d_][\w'-]*|[.!?;:,]")
_WORDS = re.compile(r"[^\W_][\w'-]*")
_DANGLING = frozenset("the a an of to through in at with and or but for my his her their its "
                      "into from on by".split())
GENRE_WORDS = frozenset(w for cues in GENRE_CUES.values() for w in cues)
_DETERMINERS = frozenset("a an the his her their its my our your this that".split())
_POSSESSIVES = {"his": "m", "her": "f"}
_PERSON = frozenset(PERSON_NOUNS) | frozenset(EXTRA_PERSON_NOUNS) | frozenset(CREATURE_NOUNS)
_NOT_NAMES = frozenset(NOT_NAMES)
_LOCATIVE = frozenset("in at inside outside near across through into around above beyond under "
                      "aboard".split())
_NAME_FOLLOWERS = frozenset("and must wants needs tries is has was will can could who , 's "
                            "discovers finds learns returns sets decides hopes vows races "
                            "struggles fights plans".split())
_OBJ_STOP = frozenset("that which who whom whose to in on at of from with and or but before after "
                      "while because is was for by into about through lit alive safe".split())
_ADJECTIVES = frozenset("old new last missing lost secret dead young haunted stolen ancient only "
                        "final abandoned hidden sunken cursed forbidden sacred royal great small "
                        "big little broken burning empty dying sinking flooded white black red "
                        "golden silver green blue grey gray dark bright pale frozen".split())
_TRAIT_ADJECTIVES = frozenset("lonely reluctant grieving disgraced ambitious desperate exiled "
                              "cursed haunted widowed blind shy brilliant troubled struggling "
                              "retired rookie jaded idealistic".split())
_EXTRA_PLACES = {"ship": False, "boat": False, "submarine": True, "precinct": True,
                 "morgue": True, "motel": True, "mansion": True, "estate": False,
                 "farmhouse": True, "bunker": True, "colony": False, "base": True,
                 "embassy": True, "palace": True, "tavern": True, "inn": True, "school": True,
                 "lighthouse": True, "hospital": True, "island": False, "house": True,
                 "city": False, "forest": False, "office": True, "station": True,
                 "farm": False, "castle": True}
_HERO = {"crime": "detective", "scifi": "engineer", "fantasy": "squire", "horror": "mother",
         "romance": "florist", "family": "daughter", "adventure": "explorer", "war": "medic",
         "drama": "waitress"}
_GOALS = {"crime": "find out who really did it", "scifi": "get the crew home alive",
          "fantasy": "take back what was stolen", "horror": "get the family out of the house",
          "romance": "say what they never said", "family": "keep the family together",
          "adventure": "reach the end of the map", "war": "get everyone across the line",
          "drama": "start over before it is too late"}
_ANTAGONIST_GOALS = ("keep {P} away from {obj}", "make sure {obj} stays buried",
                     "win {P} over to {pos} side", "keep {P} in line, whatever it takes")
#: what the story turns on when the log line does not say
_OBJECTS = {"crime": "the case", "scifi": "the mission", "fantasy": "the crown",
            "horror": "the house", "romance": "the past", "family": "the family",
            "adventure": "the map", "war": "the war", "drama": "the truth"}
_SUBORDINATE = re.compile(r"^(?:(?:when|after|before|as|while|since|if|although|once|though|"
                          r"until|years after|days after|moments after)\b[^,]*|"
                          r"(?:in|on|at|during|across|under|deep in|far from)\b[^,]{0,40}),\s*",
                          re.IGNORECASE)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "both": 2, "twin": 2, "twins": 2}
_SUPPORTING_GOALS = ("help {P}, on {pos} own terms", "get out before it is too late",
                     "keep {P} from making the same mistake twice", "finally be taken seriously",
                     "pay off an old debt to {P}", "keep the peace, whatever it costs")
_PAIR_LABELS = {("protagonist", "antagonist"): "adversary", ("antagonist", "protagonist"): "rival",
                ("protagonist", "supporting"): "ally", ("supporting", "protagonist"): "ally",
                ("antagonist", "supporting"): "leverage", ("supporting", "antagonist"): "wary of",
                ("supporting", "supporting"): "acquaintance"}
_BLOOD = frozenset("father mother son daughter brother sister dad mom grandfather grandmother "
                   "twin".split())
#: years between a character and the kin they are named beside
_KIN_AGE = {"father": 28, "mother": 27, "dad": 28, "mom": 27, "grandfather": 50,
            "grandmother": 50, "son": -27, "daughter": -26, "uncle": 18, "aunt": 16}
_RELATIONAL = frozenset("partner friend mentor colleague neighbor neighbour cousin sister brother "
                        "roommate sibling".split())
_FIRST_PERSON = ((r"\bhimself\b|\bherself\b|\bthemselves\b", "myself"), (r"\bhe\b|\bshe\b", "I"),
                 (r"\bhis\b|\btheir\b", "my"), (r"\bhim\b|\bthem\b", "me"),
                 (r"\bthey\b", "I"), (r"\bI is\b", "I am"), (r"\bI was\b", "I was"),
                 (r"\bI has\b", "I have"), (r"\bI does\b", "I do"), (r"\bI are\b", "I am"))


# ---- small helpers -------------------------------------------------------------------------


def _rng(source: Any, purpose: str) -> random.Random:
    """A random source seeded from the request (its JSON) and what it is for."""
    text = source.model_dump_json() if hasattr(source, "model_dump_json") else \
        json.dumps(source, sort_keys=True, default=str)
    digest = hashlib.sha256(f"{purpose}\0{text}".encode()).hexdigest()
    return random.Random(int(digest[:16], 16))


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _sentence(text: str) -> str:
    text = _cap(text.strip())
    return text if not text or text[-1] in ".!?" else f"{text}."


def _fill(template: str, slots: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: slots.get(m.group(1), m.group(0)), template)


def _short(text: str, limit: int) -> str:
    """At most `limit` words, cut at a clause boundary when one is near."""
    words = text.split()
    if len(words) <= limit:
        return text
    cut = limit
    for i in range(limit, 1, -1):
        if words[i].lower() in ("that", "which", "who", "before", "after", "while", "because",
                                "until", "so", "and", "but") or words[i - 1].endswith(","):
            cut = i
            break
    kept = words[:cut]
    while len(kept) > 1 and kept[-1].lower().strip(",;:") in _DANGLING:
        kept.pop()
    return " ".join(kept).rstrip(",;:")


def _base_verb(word: str) -> str:
    low = word.lower()
    irregular = {"is": "be", "has": "have", "does": "do", "goes": "go", "are": "be", "was": "be"}
    if low in irregular:
        return irregular[low]
    if low.endswith("ies") and len(low) > 4:
        return word[:-3] + "y"
    if low.endswith(("ches", "shes", "sses", "xes", "zes", "oes")):
        return word[:-2]
    if low.endswith("s") and not low.endswith("ss"):
        return word[:-1]
    return word


def _first_person(text: str) -> str:
    """"what he might have done" → "what I might have done"."""
    for pattern, repl in _FIRST_PERSON:
        text = re.sub(pattern, repl, text)
    text = re.sub(r"\bher\b(?=\s+(?:\w+))", "my", text)
    return re.sub(r"\bher\b", "me", text)


def _the(phrase: str) -> str:
    """A place or a thing as others say it: "Lamp Room" → "the lamp room"."""
    words = phrase.split()
    if not words:
        return phrase
    if words[0].lower() in _DETERMINERS:
        return phrase
    if phrase in PLACE_NAMES or (len(words) == 1 and phrase[:1].isupper()
                                 and phrase.lower() not in SETTINGS):
        return phrase
    return f"the {phrase.lower()}"


def _call_name(name: str) -> str:
    """What others call a character: "Detective Sam Reyes" → "Sam"."""
    if name.split() and name.split()[-1].lower() in _PERSON:
        return name   # "White Whale", "Crow": an animal's name is what it is
    words = [w for w in name.replace(".", " ").split()
             if w.lower() not in TITLES or len(name.split()) == 1]
    return words[0] if words else name


def _pronouns(gender: str) -> tuple[str, str, str]:
    """(subject, object, possessive)."""
    return ("she", "her", "her") if gender == "f" else ("he", "him", "his")


# ---- reading the log line ------------------------------------------------------------------


@dataclass
class _Person:
    name: str | None = None            # as written, or None for a person to invent
    noun: str = ""                     # detective, brother, killer ...
    role: str = "supporting"
    gender: str = ""                   # "f", "m" or unknown
    modifiers: list[str] = field(default_factory=list)
    qualifier: str = ""                # "with amnesia"
    kin_of: int | None = None          # index (in the people list) of whom they are kin to
    kin: str = ""                      # what they are to that person
    start: int = 0                     # token index in the log line
    end: int = 0
    invented: bool = False             # added by the engine, not read from the log line

    @property
    def descriptor(self) -> str:
        noun = " ".join([*self.modifiers, self.noun]).strip()
        return f"{noun} {self.qualifier}".strip()


@dataclass
class _LogLine:
    text: str
    genre: str
    people: list[_Person]
    goal: str                          # a bare verb phrase, third person
    complication: str
    obj: str                           # what the story turns on ("the murder")
    places: list[str]                  # setting words ("lighthouse")
    proper_places: list[str]           # "Chicago"
    force: str
    words: list[str]
    subject_start: int = 0             # the subject's tokens (after "When ...," and before
    subject_end: int = 0               # the goal)


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text.replace("’", "'"))]


def _is_word(token: str) -> bool:
    return token[:1].isalpha()


def _capitalised(token: str) -> bool:
    return token[:1].isupper() and _is_word(token) and not (len(token) > 1 and token.isupper())


def _singular(word: str) -> str:
    """"sisters" → "sister" for person nouns; any other word as it is."""
    low = word.lower()
    if low in IRREGULAR_PLURALS:
        return IRREGULAR_PLURALS[low]
    if low.endswith("s") and low[:-1] in _PERSON:
        return low[:-1]
    return word


def _name_gender(name: str) -> str:
    call = _call_name(name)
    bank = dict(FIRST_NAMES)
    if call in bank:
        return bank[call]
    return "f" if call.lower().endswith(("a", "ie", "ine", "elle", "ette", "een")) else "m"


def _goal_split(text: str) -> tuple[str, str]:
    """(subject text, predicate text): cut at the first modal or goal verb."""
    low = text.lower()
    openers = sorted(GOAL_OPENERS, key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(o) for o in openers) + r")\b")
    match = pattern.search(low)
    if match and match.start() > 0:
        rest = text[match.end():].strip()
        rest = re.sub(r"^to\s+", "", rest)
        return text[:match.start()].strip(), rest
    words = list(re.finditer(r"[^\W\d_][\w'-]*", text))
    for i, m in enumerate(words[1:], start=1):
        word = m.group(0)
        low_word = word.lower()
        before = words[i - 1].group(0).lower()
        if word[:1].islower() and (_singular(before) != before or before in _PERSON) \
                and low_word not in _OBJ_STOP and low_word not in _LOCATIVE \
                and low_word not in ("and", "or", "who", "named", "called") \
                and low_word not in _PERSON and low_word not in SETTINGS:
            return text[:m.start()].strip(), f"{_base_verb(word)}{text[m.end():]}".strip()
        if word[:1].islower() and low_word.endswith("s") and not low_word.endswith(("ss", "us",
                                                                                    "is")) \
                and len(word) > 3 and low_word[:-1] not in _PERSON and low_word not in SETTINGS \
                and before not in _DETERMINERS and not before.isdigit() \
                and before not in ("two", "three", "four", "five", "many", "some", "all"):
            return text[:m.start()].strip(), f"{_base_verb(word)}{text[m.end():]}".strip()
    return text, ""


def _names(tokens: list[str]) -> list[tuple[int, int, str, str]]:
    """(start, end, name as written, the noun its title gives) of every name."""
    found = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if not _capitalised(token):
            i += 1
            continue
        start = i
        noun = ""
        sentence_start = i == 0 or tokens[i - 1] in ".!?"
        title = token.lower().rstrip(".")
        if title in TITLES and i + 1 < len(tokens) and _capitalised(tokens[i + 1]) \
                and tokens[i + 1].lower() not in _NOT_NAMES:
            noun = TITLES[title]
            i += 1
        words = []
        while i < len(tokens) and _capitalised(tokens[i]) \
                and (tokens[i].lower() not in _NOT_NAMES or words):
            word = tokens[i]
            possessive = word.endswith("'s")
            words.append(word[:-2] if possessive else word)
            i += 1
            if possessive:
                break
        if not words:
            i = max(i, start + 1)
            continue
        first = words[0]
        prev = tokens[start - 1].lower() if start else ""
        nxt = tokens[i].lower() if i < len(tokens) else ""
        if first in PLACE_NAMES or prev in _LOCATIVE:
            continue
        low = first.lower()
        if not noun and (low in _PERSON or low in SETTINGS or low in _NOT_NAMES
                         or low in KIN or low in GENRE_WORDS):
            continue
        if sentence_start and not noun and len(words) == 1 and first not in dict(FIRST_NAMES):
            verbish = nxt.endswith("s") and len(nxt) > 3 and nxt not in _PERSON
            if nxt not in _NAME_FOLLOWERS and not verbish and not tokens[start].endswith("'s"):
                continue
        written = " ".join(tokens[start:start + 1] + words) if noun else " ".join(words)
        found.append((start, i, written, noun))
    return found


def _genre(words: list[str]) -> str:
    scores = {genre: sum(1 for w in words if w in cues) for genre, cues in GENRE_CUES.items()}
    best = max(scores.values())
    if best == 0:
        return DEFAULT_GENRE
    return next(genre for genre, score in scores.items() if score == best)


def _gender_after(tokens: list[str], start: int, stop: int) -> str:
    for token in tokens[start:stop]:
        low = token.lower()
        if low in ("he", "him", "his", "himself"):
            return "m"
        if low in ("she", "her", "hers", "herself"):
            return "f"
    return ""


def _noun_gender(noun: str) -> str:
    if noun in MALE_NOUNS or noun in ("widower", "actor"):
        return "m"
    if noun in FEMALE_NOUNS or noun in ("heiress", "priestess", "fisherwoman", "nun"):
        return "f"
    return ""


def _object(goal: str) -> str:
    words = goal.split()
    for i, word in enumerate(words):
        if word.lower() not in _DETERMINERS or i + 1 >= len(words):
            continue
        first = re.sub(r"[^\w'-]", "", words[i + 1])
        if not first or first.lower() in _OBJ_STOP:
            continue
        phrase = [first]
        second = re.sub(r"[^\w'-]", "", words[i + 2]) if i + 2 < len(words) else ""
        if second and second.lower() not in _OBJ_STOP and not words[i + 1].endswith(",") and (
                first.lower() in _ADJECTIVES or first.lower().endswith(("ed", "en", "ing"))
                or first.endswith("'s")):
            phrase.append(second)
        return "the " + " ".join(phrase)
    return ""


def read_log_line(text: str) -> _LogLine:
    """Who, what they want, where, and the genre, from a log line."""
    text = " ".join(text.replace("’", "'").split())
    if text.isupper():
        text = text.capitalize()
    tokens = _tokens(text)
    words = [t.lower() for t in tokens if _is_word(t)]
    genre = _genre(words)
    prefix_match = _SUBORDINATE.match(text)
    prefix = prefix_match.group(0) if prefix_match else ""
    subject, predicate = _goal_split(text[len(prefix):])
    subject_start = len(_tokens(prefix))
    subject_end = subject_start + len(_tokens(subject)) if predicate else len(tokens)
    goal, complication = predicate, ""
    for sep in CLAUSE_BREAKS:
        index = goal.find(sep)
        if index > 0:
            goal, complication = goal[:index], goal[index + len(sep):]
    goal = goal.strip().rstrip(".!?,;:").strip()
    complication = complication.strip().rstrip(".!?").strip() or prefix.strip(" ,")

    people: list[_Person] = []
    taken: set[int] = set()
    for start, end, written, noun in _names(tokens):
        person = _Person(name=written, noun=noun, start=start, end=end)
        if noun:
            person.gender = _noun_gender(noun) or {"mrs": "f", "ms": "f", "miss": "f",
                                                   "mr": "m"}.get(written.split()[0].lower(), "")
        bank = dict(FIRST_NAMES)
        person.gender = person.gender or bank.get(_call_name(written), "")
        if not person.gender and not _gender_after(tokens, end, len(tokens)):
            person.gender = _name_gender(written)
        # "her brother Tomas", "the killer Victor Crane", "a detective named Sam"
        back = start - 1
        if back >= 0 and tokens[back].lower() in ("named", "called"):
            back -= 1
        if back >= 0 and tokens[back].lower() in _PERSON | set(KIN):
            word = tokens[back].lower()
            taken.add(back)
            if word in KIN and back >= 1 and tokens[back - 1].lower() in _POSSESSIVES:
                person.kin = word
                person.gender = person.gender or KIN[word][0]
                owner_gender = _POSSESSIVES[tokens[back - 1].lower()]
                owner = next((k for k in range(len(people) - 1, -1, -1)
                              if people[k].gender in (owner_gender, "")), None)
                if owner is not None:
                    people[owner].gender = people[owner].gender or owner_gender
                    person.kin_of = owner
            else:
                person.noun = person.noun or word
                person.gender = person.gender or _noun_gender(word)
                mods = []
                k = back - 1
                while k >= 0 and len(mods) < 2 and tokens[k][:1].islower() \
                        and tokens[k].lower() not in _DETERMINERS and _is_word(tokens[k]) \
                        and tokens[k].lower() not in _OBJ_STOP:
                    mods.insert(0, tokens[k].lower())
                    k -= 1
                person.modifiers = mods
            person.start = back
        # "Mara, a lighthouse keeper,"
        if end + 2 < len(tokens) and tokens[end] == "," and tokens[end + 1].lower() in (
                "a", "an", "the"):
            span = tokens[end + 2:end + 6]
            for k, token in enumerate(span):
                if token.lower() in _PERSON:
                    person.noun = person.noun or token.lower()
                    person.modifiers = [t.lower() for t in span[:k] if _is_word(t)]
                    taken.add(end + 2 + k)
                    break
                if not _is_word(token):
                    break
        people.append(person)

    for index, token in enumerate(tokens):
        low = token.lower()
        plural = _singular(low) != low and low not in _PERSON
        if plural:
            count = _NUMBERS.get(tokens[index - 1].lower(), 2) if index else 2
            noun = _singular(low)
            first_index = len(people)
            for k in range(count):
                twin = _Person(noun=noun, start=index, end=index + 1, gender=_noun_gender(noun))
                if k and noun in KIN:
                    twin.kin, twin.kin_of = noun, first_index
                people.append(twin)
            continue
        if index in taken or low not in _PERSON or any(p.start <= index < p.end for p in people):
            continue
        if index and tokens[index - 1].lower() == "the" and any(
                p.noun == low and not p.name for p in people):
            continue   # "the whale" again: the same one
        nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
        if _capitalised(nxt) and nxt.lower() not in _NOT_NAMES:
            continue   # a title or a kin word before a name already read
        person = _Person(noun=low, start=index, end=index + 1, gender=_noun_gender(low))
        prev = tokens[index - 1].lower() if index else ""
        k = index - 1
        mods: list[str] = []
        while k >= 0 and len(mods) < 2 and _is_word(tokens[k]) \
                and tokens[k].lower() not in _DETERMINERS and tokens[k].lower() not in _OBJ_STOP \
                and tokens[k].lower() not in _POSSESSIVES and not _capitalised(tokens[k]) \
                and tokens[k].lower() not in OPPOSITION_VERBS and tokens[k].lower() not in _PERSON:
            mods.insert(0, tokens[k].lower())
            k -= 1
        person.modifiers = [m for m in mods if not m.endswith("s") or m in _TRAIT_ADJECTIVES]
        if low in KIN and prev in _POSSESSIVES:
            person.kin = low
            owner_gender = _POSSESSIVES[prev]
            owner = next((j for j in range(len(people) - 1, -1, -1)
                          if people[j].start < index and people[j].gender in (owner_gender, "")),
                         None)
            if owner is not None:
                people[owner].gender = people[owner].gender or owner_gender
                person.kin_of = owner
        if index < subject_end:
            after = tokens[index + 1:subject_end]
            if after and after[0].lower() in ("with", "who", "whose", "from", "haunted"):
                cut = next((k for k, t in enumerate(after) if t in ",;" or t.lower() == "and"),
                           len(after))
                person.qualifier = " ".join(after[:cut])
        people.append(person)
    # kin indices were taken before sorting: re-point them
    unsorted = list(people)
    people.sort(key=lambda p: p.start)
    order = {id(p): i for i, p in enumerate(people)}
    for person in people:
        if person.kin_of is not None and person.kin_of < len(unsorted):
            person.kin_of = order.get(id(unsorted[person.kin_of]))

    for i, person in enumerate(people):
        stop = people[i + 1].start if i + 1 < len(people) else len(tokens)
        person.gender = person.gender or _gender_after(tokens, person.end, stop)
        window = [t.lower() for t in tokens[max(0, person.start - 3):person.start]]
        if subject_start <= person.start < subject_end:
            person.role = "protagonist" if not any(
                p.role == "protagonist" for p in people[:i]) else "supporting"
        elif person.noun in OPPOSITION_NOUNS or person.kin == "rival" \
                or any(w in OPPOSITION_VERBS for w in window):
            person.role = "antagonist"
    if people and not any(p.role == "protagonist" for p in people):
        first = next((p for p in people if p.role != "antagonist"), None)
        if first is not None:
            first.role = "protagonist"
    hero = next((i for i, p in enumerate(people) if p.role == "protagonist"), None)
    for i, person in enumerate(people):
        if person.kin and person.kin_of is None and hero is not None and i != hero:
            person.kin_of = hero   # "When her father vanishes, Ines ..." : Ines's father
    for person in people:
        person.gender = person.gender or (_name_gender(person.name) if person.name else "")

    places: list[str] = []
    proper: list[str] = []
    for i, token in enumerate(tokens):
        low = token.lower()
        if low in SETTINGS or low in _EXTRA_PLACES:
            if low not in places:
                places.append(low)
        elif (token in PLACE_NAMES or (_capitalised(token) and i and tokens[i - 1].lower()
                                       in _LOCATIVE and low not in _NOT_NAMES)) \
                and token not in proper \
                and not any(p.name and token in p.name.split() for p in people):
            proper.append(token)
    force = next((f"the {w}" for w in words if w in FORCES), GENRES[genre].force)
    obj = _object(goal)
    if obj and _singular(obj.split()[-1]) in _PERSON | {p.name for p in people if p.name}:
        obj = ""
    return _LogLine(text=text, genre=genre, people=people, goal=goal, complication=complication,
                    obj=obj or _OBJECTS[genre], places=places,
                    proper_places=proper, force=force, words=words, subject_start=subject_start,
                    subject_end=subject_end)


# ---- the bible -----------------------------------------------------------------------------


def _scene_counts(scenes: int, acts: int) -> list[int]:
    """Scenes per act: each act at least one, the rest by the act's weight."""
    weights = ACT_WEIGHTS[acts]
    raw = [w * scenes for w in weights]
    counts = [max(1, int(r)) for r in raw]
    while sum(counts) < scenes:
        gaps = [r - c for r, c in zip(raw, counts, strict=True)]
        counts[gaps.index(max(gaps))] += 1
    while sum(counts) > scenes:
        over = [c - r if c > 1 else -99.0 for r, c in zip(raw, counts, strict=True)]
        counts[over.index(max(over))] -= 1
    return counts


def _act_count(scope: Scope, scenes: int) -> int:
    if scope == "scene" or scenes == 1:
        return 1
    acts = 5 if scope == "full" and scenes >= 9 else 3
    return min(acts, scenes) if min(acts, scenes) in ACT_NAMES else 2


def _beat_pool(act: int, acts: int) -> list[BeatKit]:
    if acts == 1:
        return list(BEATS)
    if acts == 3:
        return [b for b in BEATS if b.act == act]
    if acts == 2:
        return [b for b in BEATS if (b.act == 1) == (act == 1)]
    low = FIVE_ACT_ENDS[act - 2] if act > 1 else 0.0
    return [b for b in BEATS if low <= b.position < FIVE_ACT_ENDS[act - 1]]


def beat_plan(scope: Scope, scenes: int) -> list[tuple[int, str, list[BeatKit]]]:
    """The acts (number, name, beats): one beat per scene, Save the Cat beats chosen by
    priority within each act, in story order; more scenes than beats repeat the long ones."""
    acts = _act_count(scope, scenes)
    if scenes == 1:
        return [(1, ACT_NAMES[1][0], [TURN])]
    plan = []
    for number, count in enumerate(_scene_counts(scenes, acts), start=1):
        pool = _beat_pool(number, acts)
        ranked = sorted(pool, key=lambda b: BEAT_PRIORITY.index(b.name))
        chosen = ranked[:count]
        extra = count - len(chosen)
        repeats = [b for b in pool if b.name in ("Set-Up", "Debate", "Fun and Games",
                                                 "Bad Guys Close In", "Finale")] or pool
        for k in range(extra):
            kit = repeats[k % len(repeats)]
            chosen.append(kit._replace(name=f"{kit.name} ({k // len(repeats) + 2})",
                                       position=kit.position + 0.001 * (k + 1)))
        chosen.sort(key=lambda b: b.position)
        plan.append((number, ACT_NAMES[acts][number - 1], chosen))
    return plan


def _base_beat(name: str) -> str:
    """A repeated beat's template name: "Fun and Games (2)" → "Fun and Games"."""
    return re.sub(r"\s*\(\d+\)$", "", name).strip()


def _kit_of(name: str) -> BeatKit | None:
    base = _base_beat(name).lower()
    return next((b for b in (*BEATS, TURN) if b.name.lower() == base), None)


def _location_count(scenes: int, acts: int) -> int:
    if scenes == 1:
        return 1
    return max(1, min(scenes, acts + (scenes - acts + 1) // 2, 2 * acts, 20))


def _locations(log: _LogLine, need: int, given: list[Location], rng: random.Random
               ) -> list[Location]:
    kit = GENRES[log.genre]
    places = list(given)
    names = {p.name.lower() for p in places}
    ids = {p.id for p in places}

    def add(place: PlaceKit) -> None:
        if len(places) >= max(need, len(given)) or place.name.lower() in names \
                or slug(place.name) in ids:
            return
        places.append(Location(name=place.name, description=place.description,
                               visual=place.visual, interior=place.interior))
        names.add(place.name.lower())
        ids.add(slug(place.name))

    for proper in log.proper_places:
        add(PlaceKit(proper, False, f"{proper}, where the story is set.",
                     rng.choice(PLACE_VISUALS[False])))
    for word in log.places:
        if log.genre == "scifi" and word in ("station", "ship", "base", "colony"):
            rooms: tuple[PlaceKit, ...] = kit.places
        else:
            rooms = PLACE_PARTS.get(word, ())
        if not rooms:
            interior = SETTINGS[word][0] == "interior" if word in SETTINGS \
                else _EXTRA_PLACES.get(word, True)
            rooms = (PlaceKit(word.title(), interior, f"The {word} at the heart of the story.",
                              rng.choice(PLACE_VISUALS[interior])),)
        for room in rooms[:max(1, need // max(1, len(log.places)))]:
            add(room)
    # the first room of every log-line place, then the rest
    for word in log.places:
        for room in PLACE_PARTS.get(word, ()):
            add(room)
    extra = list(kit.places)
    rng.shuffle(extra)
    for place in extra:
        add(place)
    return places[:20]


def _title(log: _LogLine, kit: GenreKit, rng: random.Random) -> str:
    places = [w.title() for w in log.places if w in PLACE_PARTS]
    if places and rng.random() < 0.3:
        return PLACE_TITLE.format(noun=rng.choice(places))
    nouns = [*places, *kit.title_words]
    head = log.obj.split()[-1] if log.obj else ""
    if head.isalpha() and head.lower() not in _PERSON and len(head) > 3:
        nouns.append(head.title())
    noun = rng.choice(nouns)
    title = rng.choice(TITLE_PATTERNS).format(adj=rng.choice(TITLE_ADJECTIVES), noun=noun,
                                              hour=rng.choice(TITLE_HOURS))
    return title if title.lower() != log.text.lower() else f"{title}: A Story"


def _theme(log: _LogLine, kit: GenreKit, rng: random.Random) -> str:
    for cues, theme in THEME_CUES:
        if any(w in cues for w in log.words):
            return theme
    return rng.choice(kit.themes)


def _pick_name(gender: str, initials: set[str], families: set[str], rng: random.Random,
               family_of: str = "") -> tuple[str, str]:
    pool = [n for n, g in FIRST_NAMES if not gender or g == gender]
    fresh = [n for n in pool if n[0] not in initials] or \
        [n for n, _g in FIRST_NAMES if n[0] not in initials] or pool
    first = rng.choice(fresh)
    if family_of:
        return first, family_of
    families_left = [f for f in FAMILY_NAMES if f not in families] or list(FAMILY_NAMES)
    return first, rng.choice(families_left)


def _visual(person: _Person, gender: str, role: str, genre: str, age_hint: int | None,
            rng: random.Random, used: set[str]) -> tuple[str, int]:
    noun = person.noun
    if noun in MACHINE_NOUNS:
        finish = rng.choice(("scuffed white plating", "matte grey panels", "chipped blue paint"))
        return (f"A {person.descriptor or noun} with {finish}, one optic glowing amber, "
                f"{rng.choice(('a dented chest plate', 'a cable trailing from one arm'))}.", 0)
    if noun in ANIMAL_NOUNS:
        part = ANIMAL_PARTS.get(noun, ("paws", "fur"))[1]
        coat = rng.choice({"feathers": ("glossy black feathers", "ragged grey feathers"),
                           "scales": ("dull green scales", "scales like old bronze"),
                           "shell": ("a chipped, mossy shell",),
                           "skin": ("scarred grey skin", "pale, mottled skin"),
                           "markings": ("bright striped markings",)}.get(
            part, ("a rust-red coat", "a grey, scarred coat", "a tawny coat")))
        return f"A {person.descriptor or noun} with {coat} and bright, wary eyes.", 0
    mods = set(person.modifiers)
    if noun in CHILD_NOUNS or "little" in mods:
        age = rng.randint(8, 13)
    elif noun in OLD_NOUNS or mods & {"old", "elderly", "retired", "aging", "ageing"}:
        age = rng.randint(62, 78)
    elif "young" in mods or "rookie" in mods or noun in ("student", "apprentice", "squire"):
        age = rng.randint(19, 27)
    elif age_hint is not None:
        age = max(9, min(85, age_hint))
    else:
        low, high = {"protagonist": (27, 52), "antagonist": (38, 62)}.get(role, (22, 66))
        age = rng.randint(low, high)
    if age < 14:
        who = "girl" if gender == "f" else "boy"
    elif age < 20:
        who = "teenage girl" if gender == "f" else "teenage boy"
    else:
        who = "woman" if gender == "f" else "man"
    hair_pool = [h for h in HAIR if age < 55 or any(c in h for c in ("grey", "silver",
                                                                      "shaved", "thinning"))]
    hair = rng.choice([h for h in hair_pool if h not in used] or hair_pool)
    build = rng.choice(BUILDS)
    head = noun.split()[-1] if noun else ""
    if head in NOUN_CLOTHES:
        clothes = NOUN_CLOTHES[head]
    elif role == "antagonist":
        clothes = rng.choice(ANTAGONIST_CLOTHES)
    elif age < 14:
        clothes = "a too-big raincoat over a school jumper"
    else:
        clothes = GENRES[genre].clothing
    pool = ANTAGONIST_ACCESSORIES if role == "antagonist" else ACCESSORIES
    accessory = rng.choice([a for a in pool if a not in used] or list(pool))
    used.update((hair, accessory))
    return (f"A {who} of about {age}, {build}, with {hair}, wearing {clothes}; "
            f"never without {accessory}."), age


def _style_name(written: str) -> str:
    low = written.lower()
    for cues, name in STYLE_CUES:
        if any(c in low for c in cues):
            return name
    return "plain, earnest"


def _choose_people(log: _LogLine, request: BibleRequest, given: list[Character],
                   rng: random.Random) -> list[_Person]:
    """Who the story needs besides the given characters: the log line's people first (the
    protagonist ahead), then an antagonist, then helpers from the genre's kit."""
    slots = min(12, max(request.characters, len(given))) - len(given)
    given_names = {c.name.lower() for c in given} | {_call_name(c.name).lower() for c in given}
    given_roles = {c.role.lower() for c in given}
    people = [p for p in log.people if not p.name or (
        p.name.lower() not in given_names and _call_name(p.name).lower() not in given_names)]
    if "protagonist" in given_roles:
        for person in people:
            if person.role == "protagonist":
                person.role = "supporting"
    elif not any(p.role == "protagonist" for p in people):
        gender = "" if log.people else _gender_after(_tokens(log.text), 0, len(log.text))
        people.insert(0, _Person(noun=_HERO[log.genre], role="protagonist", invented=True,
                                 gender=gender))
    people.sort(key=lambda p: (p.role != "protagonist", p.name is None))
    chosen = people[:slots]
    kit = GENRES[log.genre]
    if len(chosen) < slots and "antagonist" not in given_roles and \
            not any(p.role == "antagonist" for p in chosen):
        fresh = [a for a in kit.antagonists if not any(p.noun == a[0] for p in chosen)]
        noun, _who = rng.choice(fresh or list(kit.antagonists))
        chosen.append(_Person(noun=noun, role="antagonist", gender=_noun_gender(noun),
                              invented=True))
    helpers = list(kit.helpers)
    rng.shuffle(helpers)
    while len(chosen) < slots:
        noun = next((h for h in helpers if not any(p.noun == h for p in chosen)),
                    helpers[len(chosen) % len(helpers)])
        chosen.append(_Person(noun=noun, role="supporting", gender=_noun_gender(noun),
                              invented=True))
    place_noun = next((PLACE_NOUNS[w] for w in log.places if w in PLACE_NOUNS), "")
    for person in chosen:
        person.gender = person.gender or rng.choice(("f", "m"))
        if not person.noun:
            person.noun = person.kin if person.kin and person.kin not in ("friend", "partner") \
                else place_noun or _HERO[log.genre]
    return chosen


def _owner(log: _LogLine, person: _Person) -> _Person | None:
    """Whom a person is kin to ("her brother Tomas" → Mara)."""
    if person.kin_of is None or person.kin_of >= len(log.people):
        return None
    return log.people[person.kin_of]


def _give_names(log: _LogLine, chosen: list[_Person], given: list[Character],
                rng: random.Random) -> list[tuple[_Person, str]]:
    """Names as written in the log line, invented otherwise (no two first initials alike;
    family shares the family name; an animal is called what it is)."""
    initials = {c.name[:1].upper() for c in given}
    initials |= {_call_name(p.name)[:1].upper() for p in chosen if p.name}
    families: set[str] = {c.name.split()[-1] for c in given if len(c.name.split()) > 1}
    made: list[tuple[_Person, str]] = []
    for person in chosen:
        if person.name:
            made.append((person, person.name))
            continue
        if person.noun in ANIMAL_NOUNS:
            name = " ".join(w.title() for w in (*person.modifiers, person.noun))
            if any(n.lower() == name.lower() for _p, n in made):
                name = f"{name} {len(made) + 1}"
            made.append((person, name))
            continue
        family_of = ""
        if person.kin in _BLOOD:
            owner_name = next((n for p, n in made if p is _owner(log, person)), "")
            if len(owner_name.split()) > 1:
                family_of = owner_name.split()[-1]
        first, family = _pick_name(person.gender, initials, families, rng, family_of)
        name = first if person.noun in MACHINE_NOUNS else f"{first} {family}"
        families.add(family)
        initials.add(first[0])
        made.append((person, name))
    return made


def _backstory(person: _Person, name: str, owner_name: str, hero: str, kit: GenreKit,
               rng: random.Random) -> str:
    sub = _pronouns(person.gender)[0]
    noun = person.descriptor or person.noun or "drifter"
    article = "an" if noun[:1].lower() in "aeiou" else "a"
    event = rng.choice(BACKSTORY_EVENTS)
    secret = rng.choice(SECRETS)
    for plural, singular in (("they have", "has"), ("they pretend", "pretends"),
                             ("they admit", "admits"), ("they were", "was")):
        secret = secret.replace(plural, f"{sub} {singular}")
    if person.noun and person.noun in name.lower():
        story = f"{name} {event}. {_cap(sub)} {secret}."
        return f"{name} wants the opposite of {hero}. {story}" \
            if person.role == "antagonist" else story
    if person.role == "antagonist":
        who = next((w for n, w in kit.antagonists if n == person.noun),
                   f"{article} {noun} who wants the opposite of {hero}")
        return f"{name} is {who}. {_cap(sub)} {event}, and {secret}."
    if owner_name and person.kin:
        what = "" if person.noun == person.kin else f" {article} {noun}"
        return (f"{name} is {_call_name(owner_name)}'s {person.kin},{what} who {event}. "
                f"{_cap(sub)} {secret}.")
    return f"{name} is {article} {noun} who {event}. {_cap(sub)} {secret}."


def _character(person: _Person, name: str, ident: str, log: _LogLine, hero: str,
               owner_name: str, age_hint: int | None, taken: dict[str, set[str]],
               rng: random.Random) -> tuple[Character, int]:
    """One new bible entry: backstory, traits, want, fear, voice, looks."""
    role = person.role
    sub, obj, pos = _pronouns(person.gender)
    visual, age = _visual(person, person.gender, role, log.genre, age_hint, rng,
                          taken["looks"])
    traits = [m for m in person.modifiers if m in _TRAIT_ADJECTIVES]
    if "amnesia" in person.qualifier:
        traits.append("amnesiac")
    pool = [t for t in TRAITS.get(role, TRAITS["supporting"]) if t not in traits]
    traits = (traits + rng.sample(pool, rng.choice((2, 3, 3, 4)) - min(len(traits), 2)))[:4]
    story_goal = log.goal or _GOALS[log.genre]
    if role == "protagonist":
        goal = story_goal
    elif role == "supporting" and not person.invented \
            and log.subject_start <= person.start < log.subject_end:
        goal = f"help {hero} {story_goal}" if person.kin else story_goal
    elif role == "antagonist":
        goal = _fill(rng.choice(_ANTAGONIST_GOALS), {"P": hero, "obj": log.obj, "pos": pos})
    else:
        goal = _fill(rng.choice(_SUPPORTING_GOALS), {"P": hero, "pos": pos})
    if role == "protagonist" and any(w in log.words for w in ("committed", "guilty")):
        fear = f"what {sub} might have done"
    elif role == "protagonist" and "amnesia" in log.words:
        fear = f"what {pos} memory is hiding"
    else:
        fear = rng.choice(FEARS.get(role, FEARS["supporting"]))
        fear = re.sub(r"\bthey\b", sub, re.sub(r"\bthem\b", obj, re.sub(r"\btheir\b", pos,
                                                                        fear)))
    styles = [s for s in ROLE_STYLES.get(role, ROLE_STYLES["supporting"])
              if s not in taken["styles"]] or list(ROLE_STYLES["supporting"])
    style = rng.choice(styles)
    taken["styles"].add(style)
    backstory = _backstory(person, name, owner_name, hero, GENRES[log.genre], rng)
    return Character(id=ident, name=name, role=role, backstory=backstory, traits=traits,
                     goal=goal, fear=fear, speaking_style=style, visual=visual), age


def _relate(log: _LogLine, made: list[tuple[_Person, str]], characters: list[Character],
            everyone: list[Character]) -> None:
    """Every new character's relationships: family ties from the log line, else by role."""
    by_person = {id(p): c for (p, _n), c in zip(made, characters, strict=True)}
    for (person, _name), me in zip(made, characters, strict=True):
        for other in everyone:
            if other.id == me.id:
                continue
            label = _PAIR_LABELS.get((me.role, other.role.lower()), "acquaintance")
            if me.role == "supporting" and other.role.lower() == "protagonist" \
                    and person.noun in _RELATIONAL:
                label = person.noun
            me.relationships[other.id] = label
    for (person, _name), me in zip(made, characters, strict=True):
        owner_person = _owner(log, person)
        owner = by_person.get(id(owner_person)) if owner_person is not None else None
        if owner is None or not person.kin:
            continue
        _gender, for_woman, for_man = KIN[person.kin]
        owner.relationships[me.id] = person.kin
        me.relationships[owner.id] = for_woman if owner_person.gender == "f" else for_man


def make_bible(request: BibleRequest) -> Bible:
    """The story bible for a log line: the given entries as they are, the rest filled in."""
    rng = _rng(request, "bible")
    log = read_log_line(request.log_line)
    kit = GENRES[log.genre]
    given = request.given or {}
    given_people = [Character.model_validate(c) for c in given.get("characters", []) or []]
    given_places = [Location.model_validate(p) for p in given.get("locations", []) or []]
    made = _give_names(log, _choose_people(log, request, given_people, rng), given_people, rng)
    hero = _call_name(next(
        (c.name for c in given_people if c.role.lower() == "protagonist"),
        next((n for p, n in made if p.role == "protagonist"), made[0][1] if made else "")))
    ids = {c.id for c in given_people}
    taken: dict[str, set[str]] = {"looks": set(), "styles": {
        _style_name(c.speaking_style) for c in given_people if c.speaking_style}}
    ages: dict[int, int] = {}
    characters: list[Character] = []
    for person, name in made:
        ident = slug(_call_name(name), "character")
        if ident in ids:
            ident = slug(name, "character")
        if ident in ids:
            ident = f"{ident}-{len(ids) + 1}"
        ids.add(ident)
        owner = _owner(log, person)
        owner_name = next((n for p, n in made if p is owner), "")
        age_hint = None
        if owner is not None and id(owner) in ages and person.kin:
            age_hint = ages[id(owner)] + _KIN_AGE.get(person.kin, rng.choice((-6, -3, 3, 6)))
        character, age = _character(person, name, ident, log, hero, owner_name, age_hint,
                                    taken, rng)
        ages[id(person)] = age or 40
        characters.append(character)
    everyone = given_people + characters
    _relate(log, made, characters, everyone)

    acts = _act_count(request.scope, request.scenes)
    places = _locations(log, _location_count(request.scenes, acts), given_places, rng)
    names = _story_names(everyone, log)
    names["theme"] = theme = _theme(log, kit, rng)
    plot_acts = []
    for number, act_name, beats in beat_plan(request.scope, request.scenes):
        plot_acts.append(Act(number=number, name=act_name, beats=[
            Beat(name=b.name, summary=_sentence(_fill(BEAT_SUMMARIES.get(
                _base_beat(b.name), b.purpose), names)))
            for b in beats]))
    plot = Plot(title=_title(log, kit, rng), log_line=request.log_line, theme=theme,
                acts=plot_acts)
    given_plot = given.get("plot")
    if isinstance(given_plot, dict):
        plot = Plot.model_validate({**plot.model_dump(), **given_plot})
    elif isinstance(given_plot, Plot):
        plot = given_plot
    return Bible(language=request.language, style=request.style, plot=plot,
                 characters=everyone, locations=places)


def _story_names(characters: list[Character] | list[CharacterSummary], log: _LogLine
                 ) -> dict[str, str]:
    """The slots every template may use: {P}, {A}, {S}, {obj}, {goal}, {force}."""
    protagonist = next((c for c in characters if c.role.lower() == "protagonist"),
                       characters[0] if characters else None)
    antagonist = next((c for c in characters if c.role.lower() == "antagonist"), None)
    helper = next((c for c in characters if c is not protagonist and c is not antagonist), None)
    p = _call_name(protagonist.name) if protagonist else "the hero"
    a = _call_name(antagonist.name) if antagonist else (
        _call_name(helper.name) if helper else log.force)
    s = _call_name(helper.name) if helper else a
    goal = (protagonist.goal if protagonist and protagonist.goal else "") or log.goal \
        or _GOALS[log.genre]
    goal = re.sub(r"^to\s+", "", goal.strip().rstrip("."))
    goal = goal[:1].lower() + goal[1:] if goal[:2] != "I " else goal
    obj = log.obj or "the truth"
    return {"P": p, "A": a, "S": s, "obj": obj, "obj_cap": _cap(obj), "goal": goal,
            "goal_short": _short(goal, 6), "force": log.force, "theme": "what matters"}


# ---- the outline ---------------------------------------------------------------------------


def make_outline(request: OutlineRequest) -> Outline:
    """`request.scenes` scenes, one per beat: place, time, cast, beat, goal, conflict, outcome."""
    rng = _rng(request, "outline")
    log = read_log_line(request.plot.log_line)
    kit = GENRES[log.genre]
    n = request.scenes
    beats = [(act.number, beat) for act in request.plot.acts for beat in act.beats]
    if not beats:
        plan = beat_plan(request.scope, n)
        numbers = [a.number for a in request.plot.acts] or [p[0] for p in plan]
        beats = [(numbers[min(k, len(numbers) - 1)], Beat(name=b.name, summary=b.purpose))
                 for k, (_num, _name, bs) in enumerate(plan) for b in bs]
    picked = [beats[len(beats) * i // n] if len(beats) != n else beats[i] for i in range(n)]
    names = _story_names(request.characters, log)
    names["theme"] = request.plot.theme or "what matters"
    cast = list(request.characters)
    protagonist = next((c for c in cast if c.role.lower() == "protagonist"), cast[0])
    antagonist = next((c for c in cast if c.role.lower() == "antagonist"), None)
    helpers = [c for c in cast if c is not protagonist and c is not antagonist]
    places = list(request.locations)
    props = list(kit.props)
    rng.shuffle(props)
    more = [p for p in GENRES[DEFAULT_GENRE].props if p not in props]
    rng.shuffle(more)
    props += more
    scenes: list[SceneOutline] = []
    used: dict[str, set[str]] = {"goal": set(), "conflict": set(), "outcome": set(),
                                 "beat": set()}
    previous_time = ""
    for i, (act, beat) in enumerate(picked):
        kit_beat = _kit_of(beat.name)
        place = places[i % len(places)]
        prop = props[i % len(props)]
        helper = helpers[i % len(helpers)] if helpers else None
        code = kit_beat.cast if kit_beat else "PA"
        people = _scene_cast(code, protagonist, antagonist, helper, len(cast))
        x = people[0]
        y = people[1] if len(people) > 1 else None
        slots = {**names, "place": _the(place.name), "prop": prop, "prop_cap": _cap(prop),
                 "X": _call_name(x.name), "Y": _call_name(y.name) if y else "someone"}
        if kit_beat is not None:
            beat_text = _fill(kit_beat.beat, slots)
            goal_t, conflict_t, outcome_t = kit_beat.goal, kit_beat.conflict, kit_beat.outcome
        else:
            summary = beat.summary or beat.name
            beat_text = f"In {slots['place']}, {summary[:1].lower() + summary[1:]}" \
                if summary[:1].isupper() and summary.split()[0] not in slots.values() \
                else f"In {slots['place']}: {summary}"
            goal_t = "{X} wants {Y} to give up {prop}."
            conflict_t = "{Y} refuses: {prop} is the only leverage left."
            outcome_t = "{X} leaves with {prop}, and a new enemy."
        if y is None:
            goal_t = "{X} wants to make sense of {prop} before it is too late."
            conflict_t = "{force_cap} closes in, and {prop} won't give up its secret."
            outcome_t = kit_beat.outcome if kit_beat else "{X} makes a choice and lives with it."
        slots["force_cap"] = _cap(log.force)
        texts = {"beat": _sentence(beat_text), "goal": _sentence(_fill(goal_t, slots)),
                 "conflict": _sentence(_fill(conflict_t, slots)),
                 "outcome": _sentence(_fill(outcome_t, slots))}
        for key, value in texts.items():
            if value in used[key]:
                value = f"{value[:-1]}, this time in {slots['place']}."
            if value in used[key]:
                value = f"{value[:-1]} (scene {i + 1})."
            used[key].add(value)
            texts[key] = value
        favoured = BEAT_TIMES.get(kit_beat.name if kit_beat else "", "")
        options = [t for t in TIMES if t != previous_time]
        time = favoured if favoured and favoured != previous_time else rng.choice(options)
        previous_time = time
        scenes.append(SceneOutline(
            scene_id=f"s{i + 1:02d}", act=act, location=place.id, time=time,
            characters=[c.id for c in people], **texts))
    return Outline(scenes=scenes)


def _scene_cast(code: str, protagonist: CharacterSummary, antagonist: CharacterSummary | None,
                helper: CharacterSummary | None, total: int) -> list[CharacterSummary]:
    """Who is in a scene: the beat's cast code ("PA", "PS", "AS", "PAS") with fallbacks."""
    opponent = antagonist or helper
    friend = helper or antagonist
    if code == "AS" and antagonist is not None and helper is not None:
        return [antagonist, helper]
    people = [protagonist]
    if "A" in code or "S" in code:
        other = opponent if code.startswith("PA") or code == "AS" else friend
        if other is not None:
            people.append(other)
    if code == "PAS" and total >= 3 and helper is not None and helper not in people:
        people.append(helper)
    return people


# ---- dialogue ------------------------------------------------------------------------------


def _topic(outline: SceneOutline, avoid: list[str]) -> str:
    """The scene's clue: the "the ..." phrase its goal, conflict, beat and outcome share most
    (the longest such phrase; a person's or the place's name is never the clue)."""
    fields = [f.lower() for f in (outline.goal, outline.conflict, outline.beat, outline.outcome)]
    best: tuple[int, int, int] | None = None
    topic = "this"
    order = 0
    for text in (outline.goal, outline.conflict, outline.beat, outline.outcome):
        for match in re.finditer(r"\b(the|a|an|his|her|their|its)\s+([\w'-]+(?:\s+[\w'-]+){0,3})",
                                 text, flags=re.IGNORECASE):
            words: list[str] = []
            for word in match.group(2).split():
                if word.lower() in _OBJ_STOP:
                    break
                words.append(word)
            det = match.group(1).lower()
            det = "the" if det in ("a", "an") else det
            for size in range(1, min(3, len(words)) + 1):
                body = " ".join(words[:size]).rstrip(".,;:!?")
                phrase = f"{det} {body}"
                if not body or any(re.search(rf"\b{re.escape(a)}\b", phrase, re.IGNORECASE)
                                   for a in avoid if a):
                    continue
                count = sum(bool(re.search(rf"\b{re.escape(body.lower())}\b", f))
                            for f in fields)
                order -= 1
                key = (count, size, order)
                if best is None or key > best:
                    best, topic = key, phrase
    return topic


def _genre_of_scene(outline: SceneOutline, location: Location) -> str:
    text = " ".join((outline.beat, outline.goal, outline.conflict, location.name,
                     location.description)).lower()
    return _genre(_WORDS.findall(text))


def _style(character: Character) -> Style:
    if character.speaking_style in STYLES:
        return STYLES[character.speaking_style]
    return STYLES[_style_name(character.speaking_style)] if character.speaking_style \
        else STYLES["plain, earnest"]


def _want(character: Character) -> str:
    goal = re.sub(r"^(to|i want to|wants to)\s+", "", character.goal.strip().rstrip(".!"),
                  flags=re.IGNORECASE)
    if not goal:
        return "get through this"
    first, _, rest = goal.partition(" ")
    if first.lower().endswith("s") and first[:1].islower() and not first.endswith("ss"):
        goal = f"{_base_verb(first)} {rest}".strip()
    goal = goal[:1].lower() + goal[1:] if not goal.startswith("I ") else goal
    return _short(_first_person(goal), 8)


def _fear(character: Character) -> str:
    fear = character.fear.strip().rstrip(".!")
    if not fear:
        return "of what comes next"
    fear = _short(_first_person(fear[:1].lower() + fear[1:]), 7)
    if fear.startswith("that "):
        return fear
    return fear if fear.startswith("of ") else f"of {fear}"


def _expand(text: str) -> str:
    for short, long in CONTRACTIONS:
        text = re.sub(rf"\b{re.escape(short)}\b", long, text)
    return text


def _conflicted(text: str) -> bool:
    low = text.lower().replace("’", "'")
    words = set(re.findall(r"[a-z']+", low))
    return any((w in low) if " " in w else (w in words) for w in CONFLICT_WORDS)


def _turned(items: tuple[str, ...], speaker: str, turn: int) -> list[str]:
    """The items in an order fixed for the speaker, turned by the scene's number: the same
    character reaches for a different sentence in the next scene."""
    ordered = list(items)
    _rng(speaker, "voice").shuffle(ordered)
    turn %= max(1, len(ordered))
    return ordered[turn:] + ordered[:turn]


def _write_line(intent: str, speaker: Character, slots: dict[str, str], rng: random.Random,
                used: set[str], names: set[str], turn: int = 0) -> str:
    """One line in the speaker's voice: a core sentence, maybe a tail and a filler, within
    the speaker's word limit and never a line already said in the scene."""
    style = _style(speaker)
    plan = INTENTS[intent]
    cores = _turned(plan.cores, speaker.id, turn)
    tails = _turned(plan.tails, speaker.id, turn)
    traits = " ".join(speaker.traits).lower()
    if any(t in traits for t in ("haunted", "anxious", "afraid", "guilty", "self-doubting")):
        tails.sort(key=lambda t: "{fear}" not in t)
    elif any(t in traits for t in ("stubborn", "determined", "driven", "impatient")):
        tails.sort(key=lambda t: "{want}" not in t)
    extend = rng.random() < style.extend
    fillers = [f for f in style.fillers if f"filler:{speaker.id}:{f}" not in used]
    filler = rng.choice(fillers) if fillers and rng.random() < 0.4 else ""
    if filler:
        used.add(f"filler:{speaker.id}:{filler}")
    candidates = []
    for core in cores:
        options = [f"{core} {tail}" for tail in tails] + [core] if extend else \
            [core] + [f"{core} {tail}" for tail in tails]
        candidates += options
    for raw in candidates:
        text = _fill(raw, slots)
        if filler:
            first = text.split()[0]
            keep = first in ("I", "I'm", "I'll", "I've") or \
                re.sub(r"'s$|[.,?!]+$", "", first) in names
            joined = text if keep or not filler.endswith((",", "but")) else \
                text[:1].lower() + text[1:]
            text = f"{filler} {joined}"
        if style.formal:
            text = _expand(text)
        text = re.sub(r"\s+", " ", text).strip()
        limit = min(style.limit + (3 if filler else 0), MAX_LINE_WORDS)
        if len(text.split()) <= limit and text.lower() not in used:
            used.add(text.lower())
            return text
    # nothing fits the voice: the shortest line not said yet, within the shot's limit
    options = sorted((_fill(core, slots) for core in cores), key=lambda t: len(t.split()))
    text = next((t for t in options if t.lower() not in used), options[0])
    if style.formal:
        text = _expand(text)
    text = " ".join(text.split()[:MAX_LINE_WORDS])
    if text.lower() in used:
        text = f"{text} Again."
    used.add(text.lower())
    return text


def _stage(position: str, scene_id: str) -> tuple[int, int]:
    """(0, 1 or 2: early, middle or late in the story; the scene's number)."""
    match = re.search(r"scene\s+(\d+)\s+of\s+(\d+)", position)
    number = int(m.group(1)) if (m := re.search(r"(\d+)", scene_id)) else 0
    if match:
        k, n = int(match.group(1)), max(1, int(match.group(2)))
        frac = (k - 0.5) / n
        return (0 if frac < 1 / 3 else 1 if frac < 2 / 3 else 2), k
    return 1, number


def _parts(outline: SceneOutline, characters: list[Character]) -> list[tuple[Character, str]]:
    """Who plays which part in the scene: the driver (pov), the opposition (opp), the rest."""
    order = {ref: i for i, ref in enumerate(outline.characters)}
    present = sorted(characters, key=lambda c: order.get(c.id, len(order)))
    if len(present) == 1:
        return [(present[0], "alone")]
    pov = present[0]
    opp = next((c for c in present[1:] if c.role.lower() == "antagonist"), present[1])
    return [(c, "pov" if c is pov else "opp" if c is opp else "third") for c in present]


def make_dialogue(request: DialogueRequest) -> Dialogue:
    """Each character's lines (2-4), in their own voice, about this scene's clue and place."""
    rng = _rng(request, "dialogue")
    outline, location = request.outline, request.location
    names = {_call_name(c.name) for c in request.characters} | {c.name for c in
                                                                request.characters}
    topic = _topic(outline, [*sorted(names), location.name])
    genre = _genre_of_scene(outline, location)
    stage, turn = _stage(request.position, outline.scene_id)
    parts = _parts(outline, request.characters)
    pov = parts[0][0]
    opp = next((c for c, part in parts if part == "opp"), None)
    used: set[str] = set()
    lines: list[Line] = []
    for speaker, part in parts:
        other = opp if speaker is pov and opp is not None else pov
        slots = {"other": _call_name(other.name), "topic": topic, "topic_cap": _cap(topic),
                 "place": _the(location.name), "want": _want(speaker), "fear": _fear(speaker),
                 "force": GENRES[genre].force}
        if speaker is not pov and opp is not None and speaker is not opp:
            slots["force"] = _call_name(opp.name)
        count = {"pov": rng.choice((3, 3, 4)), "opp": rng.choice((2, 3, 3)), "third": 2,
                 "alone": 3}[part]
        plan = INTENT_PLANS[part][stage]
        style = _style(speaker)
        for n, intent in enumerate(plan[:count], start=1):
            text = _write_line(intent, speaker, slots, rng, used, names, turn)
            parenthetical = None
            if rng.random() < 0.3:
                from_traits = [TRAIT_PARENTHETICALS[t] for t in speaker.traits
                               if t in TRAIT_PARENTHETICALS]
                choices = [c for c in from_traits + list(style.parentheticals)
                           if f"paren:{c}" not in used]
                parenthetical = rng.choice(choices) if choices else None
                used.add(f"paren:{parenthetical}")
            lines.append(Line(id=f"{speaker.id}-{n}", character=speaker.id,
                              parenthetical=parenthetical, text=text, intent=intent))
    return Dialogue(scene_id=outline.scene_id, lines=lines)


# ---- the director --------------------------------------------------------------------------


def _interleave(groups: list[list[Line]]) -> list[Line]:
    """Turn-taking: the speaker with the most lines left who did not just speak, in order."""
    queues = [list(g) for g in groups if g]
    order: list[Line] = []
    last = -1
    while any(queues):
        ranked = sorted((i for i, q in enumerate(queues) if q),
                        key=lambda i: (i == last, -len(queues[i]), i))
        pick = ranked[0]
        order.append(queues[pick].pop(0))
        last = pick
    return order


def make_scene(request: DirectRequest) -> Scene:
    """The lines interleaved, an opening action, action beats between lines, the outcome."""
    rng = _rng(request, "direct")
    outline, location = request.outline, request.location
    known = {c.id: c for c in request.characters}
    names = {ref: _call_name(c.name) for ref, c in known.items()}
    lines = [line for line in request.dialogue.lines if not known or line.character in known]
    speakers: list[str] = [ref for ref in outline.characters if any(
        line.character == ref for line in lines)]
    speakers += [line.character for line in lines if line.character not in speakers]
    ordered = _interleave([[line for line in lines if line.character == ref]
                           for ref in speakers])
    topic = _topic(outline, [*sorted(names.values()), location.name])
    present = [names.get(ref, ref) for ref in outline.characters] or \
        [names.get(ref, ref) for ref in speakers] or ["Someone"]
    x = present[0]
    y = present[1] if len(present) > 1 else ""
    interior = location.interior
    view = (location.visual or location.description or location.name).strip().rstrip(".")
    time = outline.time.upper()
    details = (TIME_DETAILS if interior else EXTERIOR_TIME_DETAILS).get(time, ("",))
    entrance_pool = ALONE_ENTRANCES if not y else ENTRANCES if interior else EXTERIOR_ENTRANCES
    slots = {"X": x, "Y": y, "topic": topic}
    opening = " ".join(part for part in (
        _sentence(view),
        rng.choice(details), _fill(rng.choice(entrance_pool), slots)) if part)
    elements: list[Element] = [Element(id="e1", type="action", text=opening)]

    gaps = len(ordered) - 1
    wanted: set[int] = {g for g in range(gaps) if ordered[g].character ==
                        ordered[g + 1].character}
    extra = 1 if len(ordered) >= 3 else 0
    extra += 1 if len(ordered) >= 6 else 0
    for mark in ((gaps // 2,) if extra == 1 else (gaps // 3, (2 * gaps) // 3))[:extra]:
        if 0 <= mark < gaps and not wanted & {mark - 1, mark, mark + 1}:
            wanted.add(mark)
    action_pool = list(ACTIONS) + list(INTERIOR_ACTIONS if interior else EXTERIOR_ACTIONS)
    rng.shuffle(action_pool)
    used_actions: list[str] = []
    for index, line in enumerate(ordered):
        elements.append(Element(id=f"e{len(elements) + 1}", type="dialogue",
                                character=line.character, parenthetical=line.parenthetical,
                                text=line.text, source=line.id))
        if index in wanted:
            who = names.get(line.character, line.character)
            nxt = names.get(ordered[index + 1].character, ordered[index + 1].character)
            if nxt == who:
                nxt = next((p for p in present if p != who), "")
            pool = [a for a in (action_pool if nxt else ALONE_ACTIONS) if a not in used_actions]
            text = pool[0] if pool else rng.choice(action_pool)
            used_actions.append(text)
            elements.append(Element(id=f"e{len(elements) + 1}", type="action",
                                    text=_fill(text, {"X": who, "Y": nxt, "topic": topic})))
    if outline.outcome.strip() and elements[-1].type != "action":
        elements.append(Element(id=f"e{len(elements) + 1}", type="action",
                                text=_sentence(outline.outcome)))
    if rng.random() < 0.75:
        elements.append(Element(id=f"e{len(elements) + 1}", type="transition",
                                text=rng.choice(TRANSITIONS)))
    place = re.sub(r"\s+", " ", location.name.upper()).strip()
    heading = f"{'INT' if interior else 'EXT'}. {place} - {time}"
    summary = re.split(r"(?<=[.!?])\s+", outline.beat.strip())[0] if outline.beat.strip() \
        else f"{x} and {y or 'no one'} in {location.name}."
    return Scene(scene_id=outline.scene_id, heading=heading, elements=elements,
                 summary=_sentence(summary))


# ---- the dramaturge ------------------------------------------------------------------------


def _speaker_ids(characters: list[Character], outline: SceneOutline) -> dict[str, str]:
    """Every way a scene may name a character → its id."""
    refs: dict[str, str] = {}
    for c in characters:
        for key in (c.id, c.name.lower(), slug(c.name), _call_name(c.name).lower()):
            refs.setdefault(key, c.id)
    for ref in outline.characters:
        refs.setdefault(ref.lower(), ref)
    return refs


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _normal(text: str) -> str:
    return " ".join(re.findall(r"[\w']+", text.lower()))


def critique_scene(scene: Scene, outline: SceneOutline, characters: list[Character]
                   ) -> Critique:
    """A rule-based critique: conflict (critical when absent), lines too long for a shot,
    characters who never speak, repeated lines, two actions in a row."""
    refs = _speaker_ids(characters, outline)
    by_id = {c.id: c for c in characters}
    issues: list[Issue] = []

    def add(severity: str, category: str, target: str | None, problem: str, suggestion: str,
            **extra: Any) -> None:
        issues.append(Issue(id=f"i{len(issues) + 1}", severity=severity,  # type: ignore[arg-type]
                            category=category, target=target, problem=problem,
                            suggestion=suggestion, **extra))

    lines = [e for e in scene.elements if e.type == "dialogue"]
    if not any(_conflicted(e.text) for e in scene.elements if e.type != "transition"):
        add("critical", "conflict", lines[0].id if lines else scene.elements[0].id,
            "Nobody opposes anybody: no line or action pushes back.",
            "Give another character a line that refuses or challenges this one.")
    for e in lines:
        count = len(e.text.split())
        if count > MAX_LINE_WORDS:
            add("warning", "pacing", e.id,
                f"The line has {count} words: too long for its shot (at most {MAX_LINE_WORDS}).",
                "Cut it to its first clause.")
    spoken = {refs.get((e.character or "").lower(), e.character) for e in lines}
    for ref in outline.characters:
        ident = refs.get(ref.lower(), ref)
        if ident not in spoken:
            who = by_id[ident].name if ident in by_id else ref
            add("warning", "character_consistency", None,
                f"{who} is in the scene but never speaks.", f"Give {who} a line.",
                character=ident)
    seen: dict[str, str] = {}
    for e in lines:
        key = _normal(e.text)
        if key in seen:
            add("warning", "clarity", e.id, f"The line repeats {seen[key]}.",
                "Cut the repeat.")
        else:
            seen[key] = e.id
    for before, after in zip(scene.elements, scene.elements[1:], strict=False):
        if before.type == after.type == "action":
            add("info", "pacing", after.id, f"Two actions in a row ({before.id}, {after.id}).",
                "Merge them or put a line between them.")

    penalties = dict.fromkeys(SCORE_NAMES, 0.0)
    weight = {"critical": 3.0, "warning": 1.0, "info": 0.5}
    for issue in issues:
        category = issue.category if issue.category in penalties else "clarity"
        penalties[category] += weight[issue.severity]
    scores = Scores(**{name: max(1, min(5, int(5.5 - penalties[name])))
                       for name in SCORE_NAMES})
    counts = {s: sum(1 for i in issues if i.severity == s) for s in weight}
    summary = (f"{counts['critical']} critical, {_plural(counts['warning'], 'warning')}, "
               f"{_plural(counts['info'], 'note')}; mean score {scores.mean:.2f}.") if issues \
        else f"Clean: conflict, pacing and voices hold; mean score {scores.mean:.2f}."
    return Critique(scene_id=scene.scene_id, scores=scores, issues=issues, summary=summary)


def _shorten(text: str, limit: int = SHORT_LINE_WORDS) -> str:
    """A long line cut to its first sentences or clauses that fit."""
    sentences = re.split(r"(?<=[.!?])\s+", text.strip())
    kept: list[str] = []
    for sentence in sentences:
        if len(" ".join([*kept, sentence]).split()) > limit:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    clauses = re.split(r"(?<=[,;:])\s+|\s+(?=(?:and|but|because|so|while|which)\b)",
                       sentences[0])
    short = ""
    for clause in clauses:
        candidate = f"{short} {clause}".strip()
        if len(candidate.split()) > limit:
            break
        short = candidate
    short = short or " ".join(sentences[0].split()[:limit])
    return _sentence(short.rstrip(",;:- "))


def _next_id(elements: list[Element], taken: set[str]) -> str:
    numbers = [int(m.group(1)) for e in elements if (m := re.fullmatch(r"e(\d+)", e.id))]
    n = max(numbers, default=0) + 1
    while f"e{n}" in taken:
        n += 1
    taken.add(f"e{n}")
    return f"e{n}"


def _patch(scene: Scene, critique: Critique, outline: SceneOutline,
           characters: list[Character], rng: random.Random) -> Patch:
    """Targeted operations for the critique's issues: shorten, insert opposition, give a
    silent character a line, delete a repeat."""
    ops: list[PatchOp] = []
    resolves: list[str] = []
    taken: set[str] = {e.id for e in scene.elements}
    by_id = {c.id: c for c in characters}
    lines = [e for e in scene.elements if e.type == "dialogue"]
    used = {e.text.lower() for e in lines}
    names = {_call_name(c.name) for c in characters} | {c.name for c in characters}
    present = [by_id[ref] for ref in outline.characters if ref in by_id] or list(characters)
    first_speaker = lines[0].character if lines else (present[0].id if present else None)

    heading = re.match(r"^\s*(?:INT|EXT|I/E|INT\./EXT)\.?\s+(.+?)(?:\s+-\s+.*)?$", scene.heading)
    place = _the(heading.group(1).title()) if heading else "this place"
    topic = _topic(outline, [*sorted(names), heading.group(1) if heading else ""])

    def slots_for(speaker: Character, other: Character | None) -> dict[str, str]:
        return {"other": _call_name(other.name) if other else "you", "topic": topic,
                "topic_cap": _cap(topic), "place": place, "want": _want(speaker),
                "fear": _fear(speaker), "force": "what's coming"}

    def line(speaker: Character, intent: str, after: str) -> None:
        other = next((c for c in present if c.id != speaker.id), None)
        text = _write_line(intent, speaker, slots_for(speaker, other), rng, used, names)
        ops.append(PatchOp(op="insert_after", id=after, element=Element(
            id=_next_id(scene.elements, taken), type="dialogue", character=speaker.id,
            text=text)))

    silent = [i for i in critique.issues if i.category == "character_consistency"
              and getattr(i, "character", None) in by_id]
    for issue in critique.issues:
        if issue.severity == "info":
            continue
        if issue.category == "pacing" and issue.target:
            element = next((e for e in scene.elements if e.id == issue.target), None)
            if element is not None and element.type == "dialogue":
                ops.append(PatchOp(op="replace", id=element.id, field="text",
                                   value=_shorten(element.text)))
                resolves.append(issue.id)
        elif issue.category == "clarity" and issue.target and "repeats" in issue.problem:
            ops.append(PatchOp(op="delete", id=issue.target))
            resolves.append(issue.id)
    conflict = next((i for i in critique.issues if i.category == "conflict"
                     and i.severity == "critical"), None)
    anchor = lines[0].id if lines else scene.elements[0].id
    if conflict is not None:
        opposers = [c for c in present if c.id != first_speaker]
        opposer = next((c for c in opposers if c.role.lower() == "antagonist"),
                       opposers[0] if opposers else None)
        if opposer is not None:
            # answer a line of someone else, where the opposer does not speak next
            following = {e.id: n for e, n in zip(scene.elements, [*scene.elements[1:], None],
                                                  strict=True)}
            anchor = next((e.id for e in lines if e.character != opposer.id and not (
                (n := following[e.id]) is not None and n.type == "dialogue"
                and n.character == opposer.id)), anchor)
            silent_ids = [getattr(i, "character", None) for i in silent]
            line(opposer, "refuse", anchor)
            resolves.append(conflict.id)
            if opposer.id in silent_ids:
                resolves += [i.id for i in silent if getattr(i, "character", None) == opposer.id]
                silent = [i for i in silent if getattr(i, "character", None) != opposer.id]
        else:
            who = _call_name(present[0].name) if present else "Someone"
            ops.append(PatchOp(op="insert_after", id=anchor, element=Element(
                id=_next_id(scene.elements, taken), type="action",
                text=f"{who} tries the door. It won't open. Nobody is coming.")))
            resolves.append(conflict.id)
    last = lines[-1].id if lines else anchor
    for issue in silent:
        line(by_id[issue.character], "refuse" if by_id[issue.character].role.lower() ==
             "antagonist" else "interject", last)
        resolves.append(issue.id)
    return Patch(resolves=resolves, ops=ops)


def revise(request: ReviseRequest) -> RevisedScene:
    """Critique; while the scene fails and rewrites are left, patch it and critique again."""
    rng = _rng(request, "revise")
    scene = request.scene
    ids = {c.id for c in request.characters} | set(request.outline.characters)
    revisions: list[Revision] = []
    critique = critique_scene(scene, request.outline, request.characters)
    iteration = 0
    while not critique.passes(request.threshold) and iteration < request.rewrites:
        patch = _patch(scene, critique, request.outline, request.characters, rng)
        if not patch.ops:
            break
        scene, skipped = apply_patch(scene, patch, ids)
        revisions.append(Revision(iteration=iteration, critique=critique, patch=patch,
                                  skipped=skipped))
        iteration += 1
        critique = critique_scene(scene, request.outline, request.characters)
    revisions.append(Revision(iteration=iteration, critique=critique))
    return RevisedScene(scene_id=scene.scene_id, scene=scene, revisions=revisions,
                        passed=critique.passes(request.threshold), threshold=request.threshold)


# ---- the writer ----------------------------------------------------------------------------


def offline_story(log_line: str, scope: Scope = "multi", scenes: int = 3, characters: int = 3
                  ) -> tuple[Bible, Outline]:
    """The bible and the outline the offline engine makes for a log line."""
    bible = make_bible(BibleRequest(log_line=log_line, scope=scope, scenes=scenes,
                                    characters=characters))
    outline = make_outline(OutlineRequest(
        plot=bible.plot, scope=scope, scenes=scenes, locations=bible.locations,
        characters=[CharacterSummary(id=c.id, name=c.name, role=c.role, goal=c.goal)
                    for c in bible.characters]))
    return bible, outline


def _result(model: str, **meta: Any) -> MediaResult:
    return MediaResult(model=model, meta={"llm": {"calls": 0, "cost_usd": 0.0}, **meta})


class OfflineStoryWriter(StoryWriter):
    """Writes every story level locally: no network, no key, no cost, same input → same file."""

    def __init__(self, name: str = "offline", model: str = "story-engine",
                 settings: Any = None) -> None:
        super().__init__(name, model, settings)

    def params(self) -> dict[str, Any]:
        return {"engine": ENGINE_VERSION}

    async def write_bible(self, request: BibleRequest, out: Path, ctx: JobContext
                          ) -> MediaResult:
        bible = make_bible(request)
        write_model(out, bible)
        return _result(self.model, characters=len(bible.characters),
                       locations=len(bible.locations), acts=len(bible.plot.acts),
                       title=bible.plot.title, genre=read_log_line(request.log_line).genre)

    async def write_outline(self, request: OutlineRequest, out: Path, ctx: JobContext
                            ) -> MediaResult:
        outline = make_outline(request)
        write_model(out, outline)
        return _result(self.model, scenes=len(outline.scenes),
                       locations=len({s.location for s in outline.scenes}))

    async def write_dialogue(self, request: DialogueRequest, out: Path, ctx: JobContext
                             ) -> MediaResult:
        dialogue = make_dialogue(request)
        write_model(out, dialogue)
        return _result(self.model, lines=len(dialogue.lines),
                       characters=len({line.character for line in dialogue.lines}))

    async def direct_scene(self, request: DirectRequest, out: Path, ctx: JobContext
                           ) -> MediaResult:
        scene = make_scene(request)
        write_model(out, scene)
        return _result(self.model, elements=len(scene.elements),
                       lines=sum(1 for e in scene.elements if e.type == "dialogue"))

    async def revise_scene(self, request: ReviseRequest, out: Path, ctx: JobContext
                           ) -> MediaResult:
        final = revise(request)
        write_model(out, final)
        last = final.revisions[-1].critique
        return _result(self.model, passed=final.passed,
                       rewrites=sum(1 for r in final.revisions if r.patch),
                       score=last.scores.mean, issues=len(last.issues))
