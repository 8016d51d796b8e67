"""Voice casting: a distinct, stable voice for the narrator and for each speaking character.

Casting is deterministic: roles are taken in the order given (duplicates ignored, case and
spacing don't matter), each is classified (narrator, female or male, child or elder) from the
words in its name, and takes the next voice of its group. Adding a role at the end of the list
never changes the voices already given. The same assignment serves eSpeak NG (`cast_voices`)
and OpenAI TTS (`openai_voice_for`), so a character keeps its place whichever engine speaks.

A line in another language keeps its character's variant, pitch and pace and changes only
the eSpeak language (`localize`): "en-us+f3" speaks French as "fr+f3", Chinese as "cmn+f3".
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

CASTING_VERSION = 1

Gender = Literal["male", "female"]
Age = Literal["adult", "child", "elder"]

NARRATOR_ROLES = frozenset(
    {"narrator", "narration", "voice-over", "voiceover", "voice over", "vo", "storyteller"}
)
_FEMALE_WORDS = frozenset("""
    she her hers woman women girl girls lady ladies mother mom mum mommy mama mrs ms miss
    madam madame queen princess duchess empress countess baroness goddess heroine actress
    waitress hostess stewardess priestess sorceress witch nun sister daughter wife bride
    aunt auntie aunty niece grandmother grandma granny gran nana matriarch female girlfriend
    maid maiden widow ballerina mistress lass lassie dame diva
    mary anna emma sarah alice julia sophie sophia olivia ava mia lily lucy grace clara
    elena maria laura rose eva ella chloe zoe zoë hannah amelia isabella charlotte nora
    mara lena ada helen jane kate emily ruth rachel leah naomi eve iris vera irene
    mujer niña chica madre reina princesa abuela hija esposa anciana vieja amiga enfermera
    doctora maestra femme fille mère reine princesse grand-mère amie inconnue infirmière
    frau mädchen mutter königin prinzessin großmutter oma freundin lehrerin ärztin
    krankenschwester فتاة امرأة أم ملكة أميرة جدة طفلة
""".split())
#: characters that make a Chinese or Japanese role female (女 woman, 妈 mum, 姐 sister ...)
_FEMALE_CJK = "女妈娘婆姐妹妻她后"
_CHILD_WORDS = frozenset("""
    child children kid kids boy girl baby toddler little young youngster teen teenager
    son daughter schoolboy schoolgirl infant junior niño niña chico chica enfant garçon
    kind junge mädchen petit petite pequeño pequeña kleine kleines kleiner طفل طفلة صبي صغيرة
""".split())
_CHILD_CJK = ("孩", "少年", "少女", "男の子", "女の子", "子供")
_ELDER_WORDS = frozenset("""
    old elder elderly aged ancient grandfather grandmother grandpa grandma granny gran
    grandad granddad nana veteran hermit sage viejo vieja anciano anciana abuelo abuela
    vieil vieux vieille vieillard alte alter greis oma opa عجوز شيخ
""".split())
_ELDER_CJK = ("老", "爷爷", "奶奶", "祖母", "祖父", "おじいさん", "おばあさん")


@dataclass(frozen=True)
class VoiceSpec:
    """An eSpeak NG voice: `voice` is "language+variant"; pitch and range 0-100, rate wpm."""

    voice: str
    pitch: int = 50
    rate: int = 175
    range: int = 50
    gender: Gender = "male"

    def as_meta(self) -> dict[str, Any]:
        """The fields a manifest records (voice, pitch, rate, range, gender)."""
        return asdict(self)


@dataclass(frozen=True)
class Casting:
    """Where one role landed: its group and its index within that group."""

    narrator: bool
    gender: Gender
    age: Age
    index: int


# eSpeak NG pools. Variants are the stock ones in espeak-ng-data/voices/!v; bases are
# language voices eSpeak NG 1.52 accepts by name. Every entry differs in accent, variant or both.
ESPEAK_NARRATOR = VoiceSpec("en-gb-x-rp+m1", pitch=40, rate=160, range=40, gender="male")
ESPEAK_MALE: tuple[VoiceSpec, ...] = (
    VoiceSpec("en-us+m3", pitch=52, rate=175, range=55),
    VoiceSpec("en-gb-scotland+m7", pitch=46, rate=168, range=60),
    VoiceSpec("en-us+m2", pitch=56, rate=182, range=50),
    VoiceSpec("en+m4", pitch=48, rate=170, range=50),
    VoiceSpec("en-029+m6", pitch=55, rate=176, range=62),
    VoiceSpec("en-us-nyc+m5", pitch=50, rate=185, range=55),
)
ESPEAK_FEMALE: tuple[VoiceSpec, ...] = (
    VoiceSpec("en-us+f3", pitch=55, rate=175, range=60, gender="female"),
    VoiceSpec("en+f2", pitch=50, rate=170, range=55, gender="female"),
    VoiceSpec("en-us+f4", pitch=60, rate=180, range=65, gender="female"),
    VoiceSpec("en-gb-scotland+f1", pitch=52, rate=168, range=58, gender="female"),
    VoiceSpec("en-029+f5", pitch=56, rate=176, range=62, gender="female"),
)
#: film language code -> eSpeak NG language voice (eSpeak has no "zh": Mandarin is "cmn")
ESPEAK_LANG = {
    "zh": "cmn", "yue": "yue", "ja": "ja", "ko": "ko", "es": "es", "fr": "fr", "de": "de",
    "it": "it", "pt": "pt-br", "ar": "ar", "he": "he", "hi": "hi", "th": "th", "ru": "ru",
    "uk": "uk", "el": "el", "pl": "pl", "tr": "tr", "vi": "vi", "nl": "nl", "sv": "sv",
    "fa": "fa", "id": "id", "cs": "cs", "da": "da", "fi": "fi", "hu": "hu", "ro": "ro",
    "no": "nb", "nb": "nb", "bg": "bg", "hr": "hr", "sk": "sk", "sr": "sr", "ca": "ca",
    "ms": "ms", "bn": "bn", "ta": "ta", "te": "te", "ur": "ur", "sw": "sw", "eu": "eu",
}
#: pitch offsets for the second, third... round through a pool
_ROUND_OFFSETS = (0, 10, -10, 18, -18, 26)

# OpenAI TTS voices (all supported by tts-1, tts-1-hd and gpt-4o-mini-tts).
OPENAI_VOICES = ("alloy", "ash", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer")
#: newer voices some models accept; passed through when asked for explicitly
OPENAI_EXTRA_VOICES = ("ballad", "verse", "marin", "cedar")
OPENAI_NARRATOR = "fable"
OPENAI_MALE = ("onyx", "echo", "ash", "alloy")
OPENAI_FEMALE = ("nova", "shimmer", "coral", "sage")


def role_key(role: str) -> str:
    """The identity of a role for casting: case and spacing do not matter."""
    return " ".join(role.split()).casefold()


def _words(role: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", role.casefold()))


def is_narrator(role: str) -> bool:
    return role_key(role) in NARRATOR_ROLES


def guess_gender(role: str) -> Gender:
    """"female" when the role's name has a female noun, pronoun or common name, else "male"."""
    if any(c in role for c in _FEMALE_CJK):
        return "female"
    return "female" if _words(role) & _FEMALE_WORDS else "male"


def guess_age(role: str) -> Age:
    words = _words(role)
    if words & _ELDER_WORDS or any(w in role for w in _ELDER_CJK):
        return "elder"
    if words & _CHILD_WORDS or any(w in role for w in _CHILD_CJK):
        return "child"
    return "adult"


def assign_roles(roles: list[str]) -> dict[str, Casting]:
    """Role key -> its group and index, in the order roles first appear (narrator included)."""
    out: dict[str, Casting] = {}
    counts = {"male": 0, "female": 0}
    for role in [*roles, "narrator"]:
        key = role_key(role)
        if not key or key in out:
            continue
        if key in NARRATOR_ROLES:
            out[key] = Casting(True, "male", "adult", 0)
            continue
        gender = guess_gender(role)
        out[key] = Casting(False, gender, guess_age(role), counts[gender])
        counts[gender] += 1
    return out


def _espeak_spec(casting: Casting) -> VoiceSpec:
    if casting.narrator:
        return ESPEAK_NARRATOR
    pool = ESPEAK_FEMALE if casting.gender == "female" else ESPEAK_MALE
    spec = pool[casting.index % len(pool)]
    rounds = casting.index // len(pool)
    pitch = spec.pitch + _ROUND_OFFSETS[rounds % len(_ROUND_OFFSETS)]
    rate = spec.rate
    rng = spec.range
    if casting.age == "child":
        pitch, rate, rng = pitch + 22, rate + 15, rng + 10
    elif casting.age == "elder":
        pitch, rate, rng = pitch - 8, rate - 22, rng - 5
    return replace(spec, pitch=_clamp(pitch, 0, 99), rate=_clamp(rate, 80, 450),
                   range=_clamp(rng, 0, 99))


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def cast_voices(roles: list[str]) -> dict[str, VoiceSpec]:
    """An eSpeak NG voice for each role (and for "narrator", always present).

    Keys are the roles as given; roles that differ only in case or spacing share a voice.
    """
    assigned = assign_roles(roles)
    result = {role: _espeak_spec(assigned[role_key(role)]) for role in roles if role_key(role)}
    result.setdefault("narrator", ESPEAK_NARRATOR)
    return result


def espeak_voice_for(role: str, roles: list[str]) -> VoiceSpec:
    """The eSpeak NG voice of `role` in a film whose speaking roles are `roles`."""
    assigned = assign_roles([*roles, role])
    return _espeak_spec(assigned.get(role_key(role), assigned["narrator"]))


@dataclass(frozen=True)
class VoicePools:
    """The voices of a speech server by group: one narrator, then men's and women's voices
    given in turn to the characters (as cast by `assign_roles`)."""

    narrator: str
    male: tuple[str, ...]
    female: tuple[str, ...]

    def voice_for(self, role: str, roles: list[str]) -> str:
        assigned = assign_roles([*roles, role])
        casting = assigned.get(role_key(role), assigned["narrator"])
        if casting.narrator:
            return self.narrator
        pool = (self.female if casting.gender == "female" else self.male) or self.male \
            or self.female or (self.narrator,)
        return pool[casting.index % len(pool)]

    @classmethod
    def parse(cls, text: str) -> VoicePools:
        """`narrator=af_sarah; male=am_adam,bm_george; female=af_heart,bf_emma` (any order;
        a missing group borrows another's voices). A ValueError says what is wrong."""
        groups: dict[str, tuple[str, ...]] = {}
        for part in text.replace("\n", ";").split(";"):
            if not part.strip():
                continue
            name, sep, voices = part.partition("=")
            name = name.strip().lower()
            if not sep or name not in ("narrator", "male", "female"):
                raise ValueError(f"{part.strip()!r}: expected narrator=, male= or female=")
            groups[name] = tuple(v.strip() for v in voices.split(",") if v.strip())
        everyone = [v for g in ("narrator", "male", "female") for v in groups.get(g, ())]
        if not everyone:
            raise ValueError("no voice named")
        narrator = groups.get("narrator") or (everyone[0],)
        return cls(narrator[0], groups.get("male", ()), groups.get("female", ()))


OPENAI_POOLS = VoicePools(OPENAI_NARRATOR, OPENAI_MALE, OPENAI_FEMALE)
#: Kokoro-FastAPI's voices (its own ids: a = American, b = British, f/m = female/male);
#: "af_sarah" is what Kokoro gives for OpenAI's narrator voice "fable"
KOKORO_POOLS = VoicePools("af_sarah", ("am_adam", "bm_george", "am_michael"),
                          ("af_heart", "bf_emma", "af_bella", "bf_isabella", "af_sky",
                           "af_nicole"))


def openai_voice_for(role: str, roles: list[str]) -> str:
    """The OpenAI TTS voice of `role`: "fable" for the narrator, then per-gender pools."""
    return OPENAI_POOLS.voice_for(role, roles)


def espeak_language(language: str | None) -> str | None:
    """The eSpeak NG voice for a film language code, None for English or an unknown one."""
    code = (language or "en").lower()
    return ESPEAK_LANG.get(code) or ESPEAK_LANG.get(code.split("-")[0])


def localize(spec: VoiceSpec, language: str | None) -> VoiceSpec:
    """`spec` speaking `language`: the same variant, pitch, pace and range, the language's
    eSpeak voice ("en-us+f3" in French → "fr+f3"); unchanged for English or an unknown one."""
    base = espeak_language(language)
    if base is None:
        return spec
    variant = spec.voice.partition("+")[2]
    return replace(spec, voice=f"{base}+{variant}" if variant else base)


def espeak_spec_for_openai_voice(name: str) -> VoiceSpec | None:
    """An eSpeak NG stand-in for an OpenAI voice name (when offline speech replaces OpenAI)."""
    name = name.strip().lower()
    if name == OPENAI_NARRATOR:
        return ESPEAK_NARRATOR
    if name in OPENAI_FEMALE:
        return ESPEAK_FEMALE[OPENAI_FEMALE.index(name)]
    if name in OPENAI_MALE:
        return ESPEAK_MALE[OPENAI_MALE.index(name)]
    if name in OPENAI_EXTRA_VOICES:
        return ESPEAK_MALE[-1 - OPENAI_EXTRA_VOICES.index(name) % len(ESPEAK_MALE)]
    return None
