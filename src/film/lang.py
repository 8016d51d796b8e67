"""Languages: names and codes, and a small offline guess of the language of a text.

The guess reads the Unicode script first (kana → Japanese, Han → Chinese, Hangul → Korean,
Arabic, Hebrew, Devanagari, Thai, Greek, Cyrillic), which settles every script that one
language owns; Latin-script text is scored by stop words and letters such as ñ, ß or ç. A film
is guessed once on all its text (long text reads reliably); a line takes the film's language
unless its own script says otherwise (`line_language`). Pure and deterministic, no data files.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

#: code -> English name (the languages film knows by name; any other code passes through)
LANGUAGE_NAMES = {
    "en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "es": "Spanish",
    "fr": "French", "de": "German", "it": "Italian", "pt": "Portuguese", "ru": "Russian",
    "uk": "Ukrainian", "el": "Greek", "ar": "Arabic", "he": "Hebrew", "hi": "Hindi",
    "th": "Thai", "pl": "Polish", "tr": "Turkish", "vi": "Vietnamese", "nl": "Dutch",
    "sv": "Swedish", "yue": "Cantonese", "fa": "Persian", "id": "Indonesian",
}
_ALIASES = {
    "chinese": "zh", "mandarin": "zh", "中文": "zh", "汉语": "zh", "漢語": "zh", "cmn": "zh",
    "japanese": "ja", "日本語": "ja", "korean": "ko", "한국어": "ko", "spanish": "es",
    "español": "es", "castellano": "es", "french": "fr", "français": "fr", "german": "de",
    "deutsch": "de", "english": "en", "italian": "it", "italiano": "it", "portuguese": "pt",
    "português": "pt", "russian": "ru", "русский": "ru", "arabic": "ar", "العربية": "ar",
    "hebrew": "he", "עברית": "he", "iw": "he", "hindi": "hi", "हिन्दी": "hi", "thai": "th",
    "ไทย": "th", "greek": "el", "ελληνικά": "el", "cantonese": "yue", "ukrainian": "uk",
}
#: languages written with wide characters and no spaces between words
CJK = frozenset({"zh", "ja", "ko", "yue"})
#: languages written right to left
RTL = frozenset({"ar", "he", "fa", "ur", "yi"})

_RANGES = (
    (0x3040, 0x30FF, "kana"), (0x31F0, 0x31FF, "kana"), (0xFF66, 0xFF9F, "kana"),
    (0x4E00, 0x9FFF, "han"), (0x3400, 0x4DBF, "han"), (0x20000, 0x2FA1F, "han"),
    (0xF900, 0xFAFF, "han"),
    (0xAC00, 0xD7AF, "hangul"), (0x1100, 0x11FF, "hangul"), (0x3130, 0x318F, "hangul"),
    (0x0600, 0x06FF, "arabic"), (0x0750, 0x077F, "arabic"), (0x08A0, 0x08FF, "arabic"),
    (0xFB50, 0xFDFF, "arabic"), (0xFE70, 0xFEFF, "arabic"),
    (0x0590, 0x05FF, "hebrew"), (0xFB1D, 0xFB4F, "hebrew"),
    (0x0900, 0x097F, "devanagari"), (0x0E00, 0x0E7F, "thai"),
    (0x0400, 0x052F, "cyrillic"), (0x0370, 0x03FF, "greek"), (0x1F00, 0x1FFF, "greek"),
)
_WIDE = frozenset({"han", "kana", "hangul"})
_SCRIPT_LANG = {"hangul": "ko", "arabic": "ar", "hebrew": "he", "devanagari": "hi",
                "thai": "th", "greek": "el", "cyrillic": "ru", "kana": "ja", "han": "zh"}
_STOP = {
    "en": "the a an and is are was were to of in that it you i he she we they this with for "
          "not have has on at be but what my your me his her there here do don't it's i'm "
          "come back over look now where why how thank no yes all will would can as into "
          "from by then when while says said old man woman",
    "es": "el la los las de que y en un una es por con no se lo para al del su pero como "
          "más yo mi muy está qué sí también estoy tengo nunca esto vas adónde ella él nos "
          "tenemos ya gracias amigo mira nada parece vuelve estaba hay dice dijo sobre entre "
          "hacia desde cuando mientras viejo anciano mujer hombre noche amanecer",
    "fr": "le la les de des et est un une que qui en du pas je tu il elle nous vous ne "
          "pour dans ce sur avec au aux mais suis c'est j'ai jamais ça où merci mon ami "
          "regarde reviens rien n'est qu'il devons dit demande vers sous quand puis vieil "
          "vieux homme femme nuit aube soir",
    "de": "der die das und ist nicht ich du er sie es wir ein eine zu den mit von dem des "
          "auf für auch sich bin hat noch aber wie wohin danke mein freund dir nichts komm "
          "zurück wollte nie jetzt müssen sagt fragt im am zum zur einem einer alte alter "
          "mann frau nacht morgen abend",
    "it": "il lo la gli le di che e è un una per non sono ho mi ti ci del della con anche "
          "ma come questo cosa sei sul sulla nel dove vai lei lui grazie amico guarda niente "
          "sembra torna adesso mai dice",
    "pt": "o a os as de que e é um uma não do da em no na para com se eu você ele ela mas "
          "mais está são também nunca isso aonde vai temos agora obrigado meu amigo olhe "
          "nada parece volte acabou estava diz",
}
_STOP_SETS = {lang: frozenset(words.split()) for lang, words in _STOP.items()}
#: letters that point to one Latin-script language (each weighs like two stop words)
_MARKS = {"es": "ñ¿¡", "de": "ßäöü", "pt": "ãõ", "fr": "œçèêëîïû«»", "it": "ìò"}
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def normalize_language(value: str | None) -> str | None:
    """A language code ("zh", "fr", "pt") from a code, a locale or a name: "zh-CN", "fr_FR",
    "French", "français" → "fr"; None for None or blank. Unknown codes pass through lower-cased."""
    if value is None or not value.strip():
        return None
    text = value.strip().casefold()
    if text in _ALIASES:
        return _ALIASES[text]
    head = re.split(r"[-_.@]", text, maxsplit=1)[0]
    if text in ("zh-hk", "zh-yue", "zh_hk"):
        return "yue"
    return _ALIASES.get(head, head)


def check_language(value: str | None) -> str | None:
    """`normalize_language`, refusing what is not a language tag (ValueError, with the known
    codes in the message)."""
    code = normalize_language(value)
    if code is not None and not re.fullmatch(r"[a-z]{2,3}", code):
        raise ValueError(f"{value!r} is not a language; use a code such as "
                         + ", ".join(sorted(LANGUAGE_NAMES)))
    return code


def language_name(code: str | None) -> str:
    """The English name of a code ("fr" → "French"); the code itself when unknown."""
    return LANGUAGE_NAMES.get(code or "en", code or "English")


def script_of(ch: str) -> str | None:
    """The script of a letter ("han", "kana", "arabic", "latin", ...); None for others."""
    cp = ord(ch)
    for lo, hi, name in _RANGES:
        if lo <= cp <= hi:
            return name
    if ch.isalpha() and "LATIN" in unicodedata.name(ch, ""):
        return "latin"
    return None


def scripts(text: str) -> Counter[str]:
    """How many letters of each script `text` has."""
    return Counter(s for ch in text if (s := script_of(ch)))


def guess_language(text: str, default: str = "en") -> str:
    """The language of `text` by script, then (Latin) by stop words; `default` when unsure."""
    counts = scripts(text)
    if not counts:
        return default
    if counts["kana"]:
        return "ja"  # Japanese mixes kana with Han; Chinese has no kana
    # a Han, kana or Hangul letter is about a word: weigh it like three Latin letters
    script = max(counts.items(), key=lambda kv: (kv[1] * (3 if kv[0] in _WIDE else 1), kv[0]))[0]
    if script == "cyrillic" and any(c in text for c in "іїєґІЇЄҐ"):
        return "uk"
    if script != "latin":
        return _SCRIPT_LANG.get(script, default)
    return _latin_language(text, default)


def _latin_language(text: str, default: str) -> str:
    score: Counter[str] = Counter()
    for word in _WORD.findall(text.casefold().replace("’", "'")):
        for lang, stop in _STOP_SETS.items():
            if word in stop:
                score[lang] += 1
    low = text.casefold()
    for lang, chars in _MARKS.items():
        if marks := sum(low.count(c) for c in chars):
            score[lang] += 2 * marks
    if not score:
        return default
    best = score.most_common(2)
    if len(best) > 1 and best[0][1] == best[1][1]:
        return default if default in (best[0][0], best[1][0]) else min(best)[0]
    return best[0][0]


def line_language(text: str, film: str | None) -> str:
    """The language one line is spoken or shown in: the film's, unless the line's own
    letters are of a script the film's language does not use (an Arabic line in a French
    film, a Chinese line in an English one). Latin lines in a Latin film keep the film's."""
    film = film or "en"
    counts = scripts(text)
    if not counts:
        return film
    own = guess_language(text, default=film)
    if own == film:
        return film
    if counts.get("latin", 0) == sum(counts.values()) and film not in _SCRIPT_FOR:
        return film  # a Latin line in a Latin-script film
    if film == "ja" and own == "zh":  # kanji alone read in a Japanese film are Japanese
        return film
    if film == "yue" and own == "zh":
        return film
    return own


_SCRIPT_FOR = {"zh": "han", "ja": "kana", "ko": "hangul", "ar": "arabic", "he": "hebrew",
               "hi": "devanagari", "th": "thai", "ru": "cyrillic", "uk": "cyrillic",
               "el": "greek", "yue": "han", "fa": "arabic"}


def is_emoji(ch: str) -> bool:
    """Pictographs, emoji and their joiners/selectors (which no voice should read)."""
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x1F1E6 <= cp <= 0x1F1FF
            or cp in (0x200D, 0xFE0F, 0xFE0E, 0x20E3) or 0xE0020 <= cp <= 0xE007F
            or 0x2B00 <= cp <= 0x2BFF)


def speakable(text: str) -> str:
    """`text` as a voice should read it: emoji dropped, Hebrew points removed (eSpeak reads
    their names), whitespace collapsed."""
    kept = "".join(" " if is_emoji(c) else c for c in text
                   if not 0x0591 <= ord(c) <= 0x05C7 or c in "\u05be\u05c0\u05c3\u05c6")
    return " ".join(kept.split())


#: the scripts a language is written in (a letter of another script is another language)
_OWN_SCRIPTS = {"ja": {"kana", "han"}, "zh": {"han"}, "yue": {"han"}, "ko": {"hangul", "han"}}


def _letter_language(script: str, film: str) -> str:
    own = _OWN_SCRIPTS.get(film, {_SCRIPT_FOR.get(film, "latin")})
    if script in own:
        return film
    if script == "latin":
        return "latin"  # decided per run, from its words
    return _SCRIPT_LANG.get(script, film)


def language_runs(text: str, film: str | None) -> list[tuple[str, str]]:
    """`text` cut where its language changes, as (language, text) pairs: letters of the
    film's scripts are the film's language, others their script's (a Latin run inside a
    Chinese line is guessed from its words, English when unsure); spaces, digits and
    punctuation stay with the run they sit in. Emoji are left out (no voice reads them)."""
    film = film or "en"
    runs: list[list[str]] = []
    for ch in speakable(text):
        script = script_of(ch)
        lang = _letter_language(script, film) if script else None
        if lang is None or (runs and runs[-1][0] == lang):
            if runs:
                runs[-1][1] += ch
            else:
                runs.append(["", ch])
        elif runs and runs[-1][0] == "":
            runs[-1] = [lang, runs[-1][1] + ch]
        else:
            runs.append([lang, ch])
    out: list[tuple[str, str]] = []
    for lang, part in runs:
        lang = lang or film
        if lang == "latin":
            lang = guess_language(part, default="en")
        if out and out[-1][0] == lang:
            out[-1] = (lang, out[-1][1] + part)
        elif part.strip():
            out.append((lang, part))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + part)
    return [(lang, part.strip()) for lang, part in out if part.strip()]


def is_stop_word(word: str, language: str) -> bool:
    """Whether `word` is one of the common words of `language` the guess reads by."""
    return word.casefold() in _STOP_SETS.get(language, frozenset())
