"""Word lists and style presets the offline planner reads descriptions with (data only)."""

from __future__ import annotations

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
ANIMAL_PARTS = {
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
