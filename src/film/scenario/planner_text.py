"""Reading a description for the offline planner: word lists, style presets, small analyses.

Everything here is deterministic: the same text always gives the same answers.
"""

from __future__ import annotations

import re
from typing import Any

from film.scenario.planner_vocab import (
    ANIMAL_NOUNS,
    ANIMAL_PARTS,
    CHARACTER_NOUNS,
    DEFAULT_STYLE,
    FEMALE_NOUNS,
    IMPLICIT_NIGHT,
    IRREGULAR_PLURALS,
    MALE_NOUNS,
    MOOD_CUES,
    NOT_NAMES,
    NOT_SUBJECTS,
    PERSON_MODIFIERS,
    PLACE_PREPOSITIONS,
    PRONOUNS,
    SETTINGS,
    SPEECH_VERBS,
    STYLE_PRESETS,
    TIME_CUES,
    StylePreset,
)

WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-Z\uE000])|\n\s*\n+")


def words_of(text: str) -> list[str]:
    """Lower-case words of `text`."""
    return [w.lower().replace("’", "'") for w in WORD.findall(text)]


def _matches(token: str, cue: str) -> bool:
    return token.startswith(cue) if len(cue) >= 4 else token == cue


def count_cues(tokens: list[str], cues: tuple[str, ...]) -> int:
    """How many words match a cue (cues of 4+ letters match as prefixes: "rain" → "rainy")."""
    return sum(1 for t in tokens for c in cues if _matches(t, c))


def ref(name: str) -> str:
    """How a prompt names a character: "Mara", or "the detective"."""
    return name if name[:1].isupper() else f"the {name}"


def resolve_style(style: str | None, description: str = "") -> tuple[StylePreset, str | None]:
    """The preset for --style (or suggested by the description), plus unmatched style text."""
    if style:
        low = style.lower()
        ordered = sorted(STYLE_PRESETS.values(), key=lambda p: p.name == DEFAULT_STYLE)
        for preset in ordered:
            if any(re.search(rf"\b{re.escape(a)}\b", low) for a in preset.aliases):
                return preset, None
        return STYLE_PRESETS[DEFAULT_STYLE], style.strip()
    tokens = words_of(description)
    for preset in STYLE_PRESETS.values():
        if preset.cues and count_cues(tokens, preset.cues):
            return preset, None
    return STYLE_PRESETS[DEFAULT_STYLE], None


def infer_mood(text: str) -> str:
    """The mood whose cue words occur most ("contemplative" when none do)."""
    tokens = words_of(text)
    scores = [(count_cues(tokens, cues), -i, mood) for i, (mood, cues) in enumerate(MOOD_CUES)]
    best = max(scores)
    return best[2] if best[0] else "contemplative"


def infer_time(text: str, implicit: bool = True) -> str | None:
    """Time of day from explicit words; rain, dark or neon imply night when `implicit`."""
    tokens = words_of(text)
    scores = [(count_cues(tokens, cues), -i, t) for i, (t, cues) in enumerate(TIME_CUES)]
    best = max(scores)
    if best[0]:
        return best[2]
    if implicit and count_cues(tokens, IMPLICIT_NIGHT):
        return "night"
    return None


def find_names(text: str) -> list[str]:
    """Capitalised words used as names (mid-sentence, or starting a line before a speech verb)."""
    names: list[str] = []
    for sentence in SENTENCE_SPLIT.split(text):
        words = WORD.findall(sentence)
        for i, word in enumerate(words):
            if not word[:1].isupper() or word in NOT_NAMES or word.lower() in CHARACTER_NOUNS:
                continue
            prev = words[i - 1].lower() if i else ""
            nxt = words[i + 1].lower() if i + 1 < len(words) else ""
            if prev in PLACE_PREPOSITIONS or word.lower() in SETTINGS:
                continue
            starts_clause = not i and nxt.endswith(("s", "ed")) and nxt not in SETTINGS \
                and word.lower() not in NOT_SUBJECTS and len(word) > 2
            if (i or nxt in SPEECH_VERBS or starts_clause) and word not in names:
                names.append(word)
    return names


def characters_in(text: str, names: list[str], known: list[str] | None = None, *,
                  nouns: bool = True) -> list[str]:
    """Characters mentioned in `text`; a bare noun reuses a known "old man"-style label
    (with `nouns` False only the given names count: a story's cast is known)."""
    found: list[str] = []
    words = WORD.findall(text)
    for i, word in enumerate(words):
        low = word.lower()
        base = IRREGULAR_PLURALS.get(low, low[:-1] if low.endswith("s") else low)
        if word in names:
            label = word
        elif nouns and (low in CHARACTER_NOUNS or base in CHARACTER_NOUNS):
            prev = words[i - 1].lower() if i else ""
            label = f"{prev} {low}" if prev in PERSON_MODIFIERS else low
            label = next((k for k in known or () if k.endswith(f" {label}")), label)
        else:
            continue
        if label not in found:
            found.append(label)
    return found


def _head(label: str) -> str:
    """The noun a character label ends on ("old trapper" → trapper, "wolves" → wolf)."""
    low = label.split()[-1].lower() if label.split() else ""
    return IRREGULAR_PLURALS.get(low, low[:-1] if low[:-1] in CHARACTER_NOUNS else low)


def is_animal(label: str) -> bool:
    """Whether a character is an animal or beast (names and unknown nouns count as people)."""
    return _head(label) in ANIMAL_NOUNS


def gender_of(label: str) -> str | None:
    """"he" or "she" when the label's noun says so ("old man", "girl"), else None."""
    head = _head(label)
    return "he" if head in MALE_NOUNS else "she" if head in FEMALE_NOUNS else None


_PRONOUN_GENDER = {"he": "he", "him": "he", "his": "he", "himself": "he",
                   "she": "she", "her": "she", "hers": "she", "herself": "she"}


def pronoun_target(pronoun: str, recent: list[str]) -> str | None:
    """Who a pronoun means among `recent` characters (most recently mentioned first): the
    latest person of the pronoun's gender where known ("he" → the old man), else the latest
    person of unknown gender, else the latest person, else anyone (an animal story)."""
    want = _PRONOUN_GENDER.get(pronoun.lower())
    people = [c for c in recent if not is_animal(c)]
    pools = ([c for c in people if gender_of(c) == want],
             [c for c in people if gender_of(c) is None]) if want else ()
    return next((pool[0] for pool in (*pools, people, recent) if pool), None)


def body_details(label: str) -> tuple[str, str, str]:
    """What close shots show of a character: (insert, extreme close-up, other extreme close-up);
    hands and eyes for people, paws, fur, tracks, feathers ... for animals."""
    if not is_animal(label):
        return "hands", "hands", "eyes"
    feet, coat = ANIMAL_PARTS.get(_head(label), ("paws", "fur"))
    return (f"{feet} and tracks" if feet == "paws" else feet), coat, "eyes"


def places_in(text: str, names: list[str]) -> list[str]:
    """Setting words, and capitalised places after a preposition ("in Paris")."""
    words = WORD.findall(text)
    found = [w.lower() for w in words if w.lower() in SETTINGS]
    found += [w for i, w in enumerate(words) if i and w[:1].isupper() and w not in names
              and w not in NOT_NAMES and words[i - 1].lower() in PLACE_PREPOSITIONS]
    return list(dict.fromkeys(found))


# ---- who says a quote -----------------------------------------------------------------------

#: a lifted quote in the planner's working text: \uE000<index>\uE001, maybe a full stop
QUOTE_MARK = re.compile(r"\uE000(\d+)\uE001[.!?]?")
DETERMINERS = frozenset("the a an this that his her their its my our your".split())
_PHRASE_STOP = PLACE_PREPOSITIONS | frozenset(
    "and but or as while with then before after who which again back".split())
_NOT_ADVERBS = frozenset("family ally bully lily fly".split())
#: `QUOTE, says the crow` / `QUOTE shouts Tom`: a speech verb right after a quote, then the rest
#: of the clause
_INVERTED = re.compile(
    r"\uE000\d+\uE001[.,!?…]*\s*(?P<verb>[A-Za-z]+)\s+(?P<rest>[^.,;:!?…\uE000]+)")


def _adverb(word: str) -> bool:
    """"softly", "quietly" (names like "Emily" are capitalised, so not adverbs)."""
    return word.islower() and word.endswith("ly") and word not in _NOT_ADVERBS


def _label(words: list[str], det: bool, names: list[str], cast: list[str]) -> str | None:
    """The character a short noun phrase names: a known name or noun, else (after a
    determiner) its head noun, so "the parrot" speaks even though no word list knows it."""
    if not words:
        return None
    found = characters_in(" ".join(words), names, cast)
    if found:
        return found[0]
    head = words[-1]
    if not det:
        return head if head[:1].isupper() and head not in NOT_NAMES else None
    low = head.lower()
    if low in NOT_SUBJECTS or low in PRONOUNS or low in SETTINGS or low in DETERMINERS:
        return None
    mod = words[-2].lower() if len(words) > 1 else ""
    label = f"{mod} {low}" if mod in PERSON_MODIFIERS else low
    return next((k for k in cast if k == label or k.endswith(f" {label}")), label)


def _phrase_after(words: list[str]) -> tuple[list[str], bool]:
    """The noun phrase opening `words` (its determiner dropped), and whether it had one."""
    det = bool(words) and words[0].lower() in DETERMINERS
    out: list[str] = []
    for word in words[det:det + 4]:
        low = word.lower()
        if low in _PHRASE_STOP or low in SPEECH_VERBS or _adverb(word):
            break
        out.append(word)
    return out, det


def _phrase_before(words: list[str]) -> tuple[list[str], bool]:
    """The noun phrase ending `words` ("... the old crow" → old crow), adverbs skipped."""
    words = list(words)
    while words and _adverb(words[-1]):
        words.pop()
    for back in range(1, min(4, len(words)) + 1):
        if words[-back].lower() in DETERMINERS:
            return words[len(words) - back + 1:], True
    return words[-1:], False


def inverted_attribution(unit: str) -> tuple[int, int, str, list[str], bool] | None:
    """`QUOTE says the crow`: (start, end) of "says the crow", the verb, the phrase, det."""
    match = _INVERTED.search(unit)  # the first quote followed by a speech verb
    if match is None or match.group("verb").lower() not in SPEECH_VERBS:
        return None
    rest = match.group("rest")
    tokens = list(WORD.finditer(rest))
    phrase, det = _phrase_after([t.group() for t in tokens])
    if not phrase:
        return None
    end = match.start("rest") + tokens[len(phrase) + det - 1].end()
    return match.start("verb"), end, match.group("verb"), phrase, det


def uninvert(unit: str) -> str:
    """`QUOTE, says the crow.` → `QUOTE, the crow says.` so the action reads subject first."""
    found = inverted_attribution(unit)
    if found is None:
        return unit
    start, end, verb, _phrase, _det = found
    who = unit[start + len(verb):end].strip()
    return f"{unit[:start]}{who} {verb}{unit[end:]}"


def quote_speaker(unit: str, names: list[str], last: list[str], cast: list[str]) -> str | None:
    """Who says the first quote in `unit` (quotes marked by QUOTE_MARK).

    In order: `QUOTE says the crow` / `QUOTE shouts Tom`; `QUOTE the crow says`;
    `The old man says QUOTE` (the first character before the verb); any character near
    the quote; a pronoun means the latest fitting character of `last` (most recent first,
    see pronoun_target), nothing means the last character seen.
    """
    pos = unit.index("\uE000")
    before, rest = unit[:pos], unit[pos:]
    found = inverted_attribution(rest) if _INVERTED.match(rest) else None
    if found is not None:
        phrase, det = found[3], found[4]
        if phrase[0].lower() in PRONOUNS and last:
            return pronoun_target(phrase[0], last)
        label = _label(phrase, det, names, cast)
        if label:
            return label
    after = QUOTE_MARK.sub(" ", rest)
    clause = re.split(r"[.;:!?…]", after.lstrip(" ,"), maxsplit=1)[0]
    tail = WORD.findall(clause)
    verb_at = next((i for i, w in enumerate(tail[:6]) if w.lower() in SPEECH_VERBS), None)
    if verb_at:
        phrase, det = _phrase_before(tail[:verb_at])
        if phrase and phrase[-1].lower() in PRONOUNS and last:
            return pronoun_target(phrase[-1], last)
        label = _label(phrase, det, names, cast)
        if label:
            return label
    head = WORD.findall(before)
    verb_at = next((i for i, w in enumerate(head) if w.lower() in SPEECH_VERBS), None)
    if verb_at is not None:
        subject = head[0].lower() if head else ""
        if subject in PRONOUNS and last:  # `He says QUOTE`, `Her voice cracks as she says`
            return pronoun_target(subject, last)
        chars = characters_in(" ".join(head[:verb_at]), names, cast)
        if chars:
            return chars[0]
        pronoun = next((w for w in words_of(" ".join(head[:verb_at])) if w in PRONOUNS), None)
        if pronoun and last:
            return pronoun_target(pronoun, last)
        label = _label(*_phrase_before(head[:verb_at]), names, cast)
        if label:
            return label
    chars = characters_in(after, names, cast) or characters_in(before, names, cast)
    if chars:
        return chars[0]
    return last[0] if last else None


# ---- narration and titles -------------------------------------------------------------


def narration_line(text: str, cjk: bool = False) -> str:
    if cjk:  # no spaces: up to the last pause within 30 characters
        cut = max(text.rfind("，", 8, 30), text.rfind("、", 8, 30))
        line = text if len(text) <= 30 else text[:cut] if cut > 0 else text[:30]
        return line if line.endswith(("。", "！", "？")) else line.rstrip("，、") + "。"
    words = text.replace(";", ",").split()
    if len(words) > 15:
        head = " ".join(words[:15])
        cut = head.rfind(",")
        words = (head[:cut] if cut > 20 else " ".join(words[:12])).split()
    line = " ".join(words).rstrip(",;:")
    line = line[:1].upper() + line[1:]
    return line if line.endswith((".", "!", "?")) else f"{line}."


def spread(candidates: list[int], budget: int) -> set[int]:
    """`budget` of the candidate shots, evenly spread from the first to the last, so the
    closing beat is narrated too and the film does not end on a long silence."""
    if budget <= 0 or not candidates:
        return set()
    if budget == 1 or len(candidates) == 1:
        return {candidates[0]}
    last = len(candidates) - 1
    return {candidates[round(k * last / (budget - 1))] for k in range(min(budget, last + 1))}


def english_title(beats: list[Any], names: list[str], place: str | None, when: str | None) -> str:
    where = ref(place).title().replace("The ", "the ") if place else ""
    if names and names[0] != place:
        return f"{names[0]} in {where}" if place else names[0]
    label = {"night": "Night", "evening": "Dusk", "dawn": "Dawn"}.get(when or "")
    if place and label:
        return f"{label} in {where}"
    cast = [c for b in beats for c in b.chars]
    if cast:
        return f"The {cast[0].title()}"
    words = beats[0].text.split()[:5]
    return " ".join(w.capitalize() for w in words).rstrip(".,;:!?") or "Untitled"
