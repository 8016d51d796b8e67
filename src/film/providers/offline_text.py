"""Reading a description for the offline planner: word lists, style presets, small analyses.

Everything here is deterministic: the same text always gives the same answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class StylePreset:
    """How a visual style reads in an image prompt."""

    name: str
    aliases: tuple[str, ...]   # matched against --style
    cues: tuple[str, ...]      # words in a description that suggest it when no style is given
    medium: str                # what the frame is ("film noir still")
    lighting: str
    palette: str
    look: str                  # lens character and camera habits
    texture: str
    negative: str
    styles: tuple[str, ...]    # words for Shot.styles


def _p(name: str, aliases: str, cues: str, *rest: str) -> StylePreset:
    medium, lighting, palette, look, texture, negative, styles = rest
    return StylePreset(name, tuple(aliases.split("|")), tuple(cues.split("|")) if cues else (),
                       medium, lighting, palette, look, texture, negative,
                       tuple(styles.split("|")))


STYLE_PRESETS: dict[str, StylePreset] = {p.name: p for p in [
    _p("cinematic", "cinematic|film|movie|dramatic", "",
       "cinematic film still", "motivated key light with soft fill and a gentle rim light",
       "natural color grading with rich contrast", "anamorphic lens character",
       "subtle film grain, photorealistic, 8K detail",
       "cartoon, anime, flat lighting, oversaturated", "cinematic|dramatic"),
    _p("noir", "noir|film noir|neo-noir|hardboiled", "noir|hardboiled",
       "film noir still", "hard low-key lighting, venetian blind shadows, a single practical lamp",
       "high-contrast black and white with deep inky blacks", "low angles and dutch tilts",
       "heavy film grain, cigarette smoke haze, 1940s atmosphere",
       "color, bright lighting, cheerful, modern, clean", "film noir|cinematic|dramatic"),
    _p("cyberpunk", "cyberpunk|sci-fi|scifi|science fiction|futuristic|blade runner|neon",
       "cyberpunk|android|cyborg|hologram|holographic|megacity",
       "cyberpunk cinematic frame", "neon signs in magenta and cyan, volumetric haze",
       "teal and magenta color grade", "anamorphic lens flares",
       "rain-slick reflective surfaces, holographic displays, dense high-tech detail",
       "daylight, pastoral, medieval, washed out, vintage", "cyberpunk|neon noir|sci-fi"),
    _p("documentary", "documentary|realistic|naturalistic|verite|vérité|handheld", "documentary",
       "documentary photograph", "available natural light and unpolished practical sources",
       "true-to-life muted colors", "candid handheld framing",
       "authentic detail, slight motion blur, 16mm grain",
       "staged, glamorous, fantasy, cgi, oversaturated, cartoon",
       "documentary|naturalistic|observational"),
    _p("fantasy", "fantasy|epic|magical|fairy tale|fairytale|myth|mythic",
       "dragon|wizard|sorcerer|sorceress|enchanted|elves|elf|fairy|spell|kingdom",
       "epic fantasy film still", "god rays through mist, glowing magical light, golden rim light",
       "rich jewel tones of emerald and gold", "sweeping sense of scale",
       "intricate ornate detail, painterly atmosphere, ethereal floating particles",
       "modern cars, smartphones, concrete, mundane, low detail", "fantasy|epic|magical"),
    _p("horror", "horror|creepy|scary|gothic|terror", "haunted|ghost|zombie|demon|horror",
       "horror film still", "underexposed darkness, a harsh flashlight beam, flickering light",
       "desaturated sickly green and cold blue", "uneasy negative space",
       "fog, grime, deep shadows hiding shapes, coarse grain",
       "bright, cheerful, colorful, cute, sunny, cartoon", "horror|eerie|suspense"),
    _p("romance", "romance|romantic|love story|rom-com", "romance|romantic|lovers",
       "romantic film still", "soft golden backlight, warm glow and gentle bloom",
       "warm pastel tones of blush pink and amber", "creamy bokeh",
       "soft focus haze, delicate skin tones, dreamy",
       "harsh lighting, gore, gritty, cold colors, horror", "romance|dreamy|warm"),
    _p("anime", "anime|manga|ghibli|cel|animated|animation|cartoon", "anime|manga",
       "anime key visual", "clean cel-shaded lighting, vivid sky gradients, bright highlights",
       "saturated vibrant palette", "dynamic hand-drawn perspective",
       "crisp line art, painted backgrounds, studio-quality animation",
       "photorealistic, 3d render, live action, photograph, blurry lines",
       "anime|cel-shaded|illustrated"),
    _p("vintage", "vintage|period|retro|classic|old film|victorian|1920s|1950s|1960s|1970s|western",
       "vintage|victorian|1920s|1930s|1950s|1960s|1970s|retro|edwardian",
       "vintage period film still", "soft tungsten light from period practical lamps",
       "faded Kodachrome colors and warm sepia tones", "vintage lens with gentle vignetting",
       "film scratches, halation, period costumes and props",
       "modern technology, smartphones, digital look, neon, sharp hd", "vintage|period|retro"),
]}
DEFAULT_STYLE = "cinematic"
BASE_NEGATIVE = ("low quality, blurry, distorted, deformed hands, extra limbs, bad anatomy, "
                 "watermark, text, logo, jpeg artifacts")

PERSON_NOUNS = frozenset("""
detective woman man girl boy child kid baby mother father mom dad daughter son sister brother
wife husband grandmother grandfather grandma grandpa king queen prince princess knight soldier
captain sailor pilot astronaut scientist doctor nurse officer cop policeman agent spy thief
robber killer hunter farmer fisherman teacher student musician singer dancer painter artist
writer poet chef waiter waitress bartender driver stranger traveler traveller wanderer hero
heroine villain witch wizard sorcerer sorceress mage monk priest nun samurai ninja pirate cowboy
sheriff warrior guard lady gentleman friend couple lovers robot android cyborg alien ghost
vampire zombie monster dragon creature cat dog fox wolf horse owl investigator inspector
explorer survivor refugee worker mechanic engineer hacker courier photographer reporter
trapper hiker ranger hermit shepherd miner lumberjack merchant uncle aunt
""".split())
#: animals and creatures that can be characters (words that are also common verbs, like
#: "bear", "duck" or "fly", are left out: "the road snakes", "he ducks")
CREATURE_NOUNS = frozenset("""
crow raven bird parrot owl eagle hawk falcon sparrow robin pigeon dove swan goose hen rooster
chicken penguin rabbit bunny hare mouse rat squirrel hedgehog badger otter beaver raccoon deer
stag moose lion lioness tiger leopard panther cheetah elephant giraffe zebra monkey gorilla
ape goat sheep lamb cow bull pig piglet donkey mule pony puppy kitten cub frog toad lizard
turtle tortoise crocodile alligator whale dolphin shark octopus crab spider beetle butterfly
bee ant caterpillar snail unicorn griffin phoenix troll goblin ogre elf gnome mermaid
droid automaton golem
""".split())
CHARACTER_NOUNS = PERSON_NOUNS | CREATURE_NOUNS
#: characters that are animals or beasts, not people (no hands, never "he" over a person)
ANIMAL_NOUNS = (CREATURE_NOUNS | frozenset("cat dog fox wolf horse owl dragon creature monster"
                                           .split())) - frozenset(
    "troll goblin ogre elf gnome mermaid droid automaton golem".split())
#: nouns whose gender is known; every other person may be "he", "she" or "they"
MALE_NOUNS = frozenset("""man boy father dad son brother husband grandfather grandpa king prince
gentleman monk priest fisherman policeman uncle nephew lord duke emperor sorcerer""".split())
FEMALE_NOUNS = frozenset("""woman girl mother mom daughter sister wife grandmother grandma queen
princess lady nun waitress heroine witch sorceress actress widow bride aunt niece duchess
empress lioness""".split())
#: what close shots show of an animal: (insert, extreme close-up, its coat); default: fur
_ANIMAL_PARTS = {
    **dict.fromkeys("""crow raven bird parrot owl eagle hawk falcon sparrow robin pigeon dove
        swan goose hen rooster chicken penguin phoenix griffin""".split(),
                    ("talons", "feathers")),
    **dict.fromkeys("lizard crocodile alligator dragon".split(), ("claws", "scales")),
    **dict.fromkeys("turtle tortoise crab snail".split(), ("shell", "shell")),
    **dict.fromkeys("frog toad whale dolphin shark octopus".split(), ("skin", "skin")),
    **dict.fromkeys("spider beetle butterfly bee ant caterpillar".split(), ("legs", "markings")),
}
IRREGULAR_PLURALS = {"women": "woman", "men": "man", "children": "child", "wolves": "wolf",
                     "thieves": "thief", "people": "people", "elves": "elf"}
PERSON_MODIFIERS = frozenset({"old", "young", "little", "elderly"})
NOT_SUBJECTS = frozenset("""rain thunder snow wind lightning fog mist light darkness night morning
time silence smoke fire water sun moon sky everything nothing someone something everyone nobody
this that there here it its one two three music dust shadows sunlight moonlight
days years hours""".split())
PRONOUNS = frozenset({"he", "she", "they", "his", "her", "him", "them", "their"})
PLACE_PREPOSITIONS = frozenset("""in at to from of across through near into over under toward
towards around outside inside above beyond""".split())
NOT_NAMES = frozenset("""I Mr Mrs Ms Dr St The A An And But Then When While As In On At It He
She They His Her We You Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
February March April May June July August September October November December God OK""".split())

_SETTINGS = {
    ("interior", "urban"): "office apartment room bar diner cafe restaurant library museum "
    "hospital lab laboratory warehouse hotel lobby corridor hallway classroom studio shop store "
    "station subway elevator garage factory prison cell courtroom theater theatre club casino",
    ("interior", "domestic"): "house home cabin cottage kitchen bedroom attic basement",
    ("interior", "sacred"): "church temple cathedral chapel monastery",
    ("interior", "vehicle"): "train car spaceship cockpit bus taxi",
    ("exterior", "urban"): "street streets alley city rooftop roof bridge square plaza market "
    "park highway road parking skyline downtown neighborhood",
    ("exterior", "nature"): "forest woods jungle desert mountain mountains valley field fields "
    "meadow hill hills cliff lake river waterfall cave canyon glacier garden swamp",
    ("exterior", "coastal"): "beach ocean sea harbor harbour port dock pier island coast shore "
    "lighthouse",
    ("exterior", "rural"): "village farm town countryside ranch vineyard",
    ("exterior", "fantasy"): "castle ruins kingdom tower",
    ("exterior", "space"): "space planet orbit galaxy asteroid",
}
SETTINGS: dict[str, tuple[str, str]] = {
    word: key for key, words in _SETTINGS.items() for word in words.split()
}

OBJECTS = frozenset("""letter envelope photo photograph picture gun pistol revolver knife sword
dagger key keys phone map book notebook diary journal watch clock ring necklace locket candle
lamp lantern cigarette glass bottle cup coffee briefcase suitcase camera computer laptop screen
drawer box flower flowers rose coin ticket badge file folder newspaper note mirror bag umbrella
hat guitar piano radio telephone crown wand orb scroll chest door window""".split())
MOTION_WORDS = frozenset("""run runs running ran chase chases chasing walk walks walking drive
drives driving race races flee flees ride rides rush rushes sprint sprints follow follows wander
wanders climb climbs fly flies flying escape escapes dash dashes march marches""".split())
EMOTION_WORDS = frozenset("""tear tears cry cries crying weep weeps smile smiles smiling laugh
laughs tremble trembles gasp gasps stare stares staring frown frowns scream screams sob sobs
blush blushes face eyes""".split())
SPEECH_VERBS = frozenset("""says said asks asked whispers whispered shouts shouted yells yelled
mutters muttered replies replied answers answered cries murmurs murmured calls called tells told
exclaims exclaimed adds added screams screamed shrieks shrieked sighs sighed growls growled
barks barked hisses hissed snaps snapped pleads pleaded begs begged warns warned insists
insisted announces announced declares declared squawks squawked croaks croaked""".split())
PLAIN_SPEECH = frozenset("says said asks asked replies replied answers answered tells told "
                         "adds added".split())

MOOD_CUES: tuple[tuple[str, tuple[str, ...]], ...] = tuple((m, tuple(c.split())) for m, c in [
    ("tense", "gun chase danger threat fear afraid nervous suspicious shadow storm rain dim "
     "dimly dark escape pursu enemy crime murder blood alarm hunt"),
    ("eerie", "ghost haunt fog mist abandon strange silent creak scream grave"),
    ("melancholic", "alone lonely tears cry grief funeral goodbye lost memor empty rainy sad"),
    ("romantic", "love kiss embrace romance lover date wedding heart"),
    ("joyful", "laugh smile celebrat party happy festival sunny play bright"),
    ("epic", "battle army dragon war kingdom quest mountain hero legend"),
    ("peaceful", "calm quiet gentle meadow breeze garden sleep serene still"),
    ("mysterious", "secret mystery clue letter unknown hidden detective investigat"),
    ("hopeful", "dawn sunrise hope begin reunit home spring"),
])
MOOD_ATMOSPHERE = {
    "tense": "tense suspenseful atmosphere", "eerie": "eerie unsettling stillness",
    "melancholic": "melancholic quiet sadness", "romantic": "romantic intimate warmth",
    "joyful": "joyful lively energy", "epic": "epic awe-inspiring scale",
    "peaceful": "peaceful serene calm", "mysterious": "mysterious enigmatic mood",
    "hopeful": "hopeful uplifting feeling", "contemplative": "contemplative quiet mood",
}
TIME_CUES: tuple[tuple[str, tuple[str, ...]], ...] = tuple((t, tuple(c.split())) for t, c in [
    ("night", "night midnight moon moonlit moonlight stars starry nocturnal nightfall"),
    ("evening", "sunset dusk evening twilight"),
    ("dawn", "dawn sunrise daybreak"),
    ("morning", "morning breakfast"),
    ("day", "noon midday afternoon sunny daylight sunlit daytime"),
])
IMPLICIT_NIGHT = ("rain", "dark", "storm", "neon", "shadows")
TIME_LIGHT = {
    "night": "at night, pools of practical light and deep shadows",
    "evening": "at sunset, warm low light and long shadows",
    "dawn": "at dawn, soft pink first light",
    "morning": "in the morning, fresh clean light",
    "day": "in bright natural daylight",
}
WEATHER: tuple[tuple[tuple[str, ...], str], ...] = (
    (("rain",), "rain, rain-streaked glass and wet reflective surfaces"),
    (("snow",), "falling snow"),
    (("fog", "mist"), "drifting fog"),
    (("storm", "thunder", "lightning"), "storm clouds and flashes of lightning"),
    (("wind",), "wind-blown hair and cloth"),
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


def characters_in(text: str, names: list[str], known: list[str] | None = None) -> list[str]:
    """Characters mentioned in `text`; a bare noun reuses a known "old man"-style label."""
    found: list[str] = []
    words = WORD.findall(text)
    for i, word in enumerate(words):
        low = word.lower()
        base = IRREGULAR_PLURALS.get(low, low[:-1] if low.endswith("s") else low)
        if word in names:
            label = word
        elif low in CHARACTER_NOUNS or base in CHARACTER_NOUNS:
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
    feet, coat = _ANIMAL_PARTS.get(_head(label), ("paws", "fur"))
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
