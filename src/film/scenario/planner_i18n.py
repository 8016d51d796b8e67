"""The offline planner's reading of Chinese, Japanese, Spanish, French, German and Arabic.

A description in one of these languages is cut into beats like an English one: sentences end
at . ! ? … 。 ！ ？, quotes of every kind (“ ” « » „ “ 「 」 『 』 " ") are lifted out as
dialogue, and each quote's speaker is the character its speech verb points to ("老人低声说：",
"「…」と少女が言った", "« … », dit le vieil homme", "„…“, sagt Anna", "—dice el viejo").
Characters are the lexicon's nouns (named in the description's own words, "老船长", "vieil
homme") and proper names; places, times of day, moods and weather come out as the English
cues the rest of the planner and the storyboard read. Text keeps its letters: only the image
prompt's scaffolding is English, with an English gloss of each character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from film.lang import is_stop_word
from film.scenario.planner_lexicon import LEXICONS, Lexicon
from film.scenario.planner_text import gender_of

LANGUAGES = frozenset(LEXICONS)
_CJK = frozenset({"zh", "ja"})
QUOTE = re.compile(r'„([^“”„]+)[“”]|“([^”]+)”|«\s*([^»]+?)\s*»|「([^」]+)」|『([^』]+)』|"([^"]+)"'
                   r"|‹\s*([^›]+?)\s*›")
MARK = re.compile(r"\uE000(\d+)\uE001")
_SENTENCES = re.compile(r"(?<=[.!?…؟])\s+|(?<=[。！？])\s*|\n\s*\n+")
_CLAUSES = re.compile(r"[；;]\s*|(?<=[，])|,\s+(?=(?:y|e|et|und|puis|luego|dann|entonces|"
                      r"alors|mais|pero|aber)\s)")
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CJK_STRIP = "：:，,、。！？!?；;　 \u3000「」『』“”\"'"


@dataclass
class Beat:
    """What one sentence (or clause) of the description holds."""

    text: str
    dialogue: str | None = None
    speaker: str | None = None
    chars: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    time: str | None = None


@dataclass
class Mention:
    """A character named in a unit: where, its label, and its English gloss (or pronoun)."""

    pos: int
    label: str
    gloss: str
    pronoun: str | None = None  # "he" / "she"


class Reader:
    """Reads one description in one language; keeps the cast (label → English gloss)."""

    def __init__(self, lang: str, given: list[str] | None = None) -> None:
        self.lang = lang
        self.lex: Lexicon = LEXICONS[lang]
        self.cjk = lang in _CJK
        self.given = list(given or [])
        self.gloss: dict[str, str] = {name: name for name in self.given}
        self._by_gloss: dict[str, str] = {}
        self.names: list[str] = list(self.given)

    # ---- matching ---------------------------------------------------------------------

    def find(self, text: str, table: dict[str, str]) -> list[tuple[int, str, str]]:
        """(position, the words as written, the English) for each entry of `table` in
        `text`: CJK longest first, each character used once; Latin by whole words."""
        if self.cjk:
            keys = sorted(table, key=len, reverse=True)
            out, i = [], 0
            while i < len(text):
                key = next((k for k in keys if text.startswith(k, i)), None)
                if key:
                    out.append((i, key, table[key]))
                    i += len(key)
                else:
                    i += 1
            return out
        found = []
        for m in _WORD.finditer(text):
            english = self.word(m.group(), table)
            if english is not None:
                found.append((m.start(), m.group(), english))
        return found

    @staticmethod
    def word(token: str, table: dict[str, str]) -> str | None:
        """The English of one Latin word: exact, a prefix cue ("tranquil-"), or a plural."""
        low = token.lower().replace("’", "'")
        if low in table:
            return table[low]
        for prefix in ("وال", "فال", "بال", "ال", "و"):  # Arabic: the article, "and", "in"
            if low.startswith(prefix) and len(low) > len(prefix) + 1 and low[len(prefix):] in table:
                return table[low[len(prefix):]]
        for cut in (1, 2):  # plurals: -s, -es, -n, -en, -e
            if len(low) > 3 and low[-cut:] in ("s", "es", "n", "en", "e", "x") \
                    and low[:-cut] in table:
                return table[low[:-cut]]
        return next((v for k, v in table.items() if k.endswith("-")
                     and low.startswith(k[:-1])), None)

    def cue(self, text: str, table: dict[str, str]) -> str | None:
        """The English cue `text` names most (the first named on a tie)."""
        hits = [english for _, _, english in self.find(text, table)]
        return max(hits, key=hits.count) if hits else None

    def time(self, text: str) -> str | None:
        return self.cue(text, self.lex.times)

    def mood(self, text: str) -> str | None:
        return self.cue(text, self.lex.moods)

    def weather(self, text: str) -> list[str]:
        return list(dict.fromkeys(e for _, _, e in self.find(text, self.lex.weather)))

    def places(self, text: str) -> list[str]:
        return list(dict.fromkeys(e for _, _, e in self.find(text, self.lex.places)))

    # ---- characters -------------------------------------------------------------------

    def _label(self, label: str, gloss: str, noun: str | None = None) -> str:
        """One label per person: the first words that named them ("petite fille" stays the
        label when "la fille" comes later, "alte Fischer" when "den alten Fischer" does; "el
        viejo" after "el viejo pescador" is the fisherman)."""
        if label in self.gloss:
            return label
        key = noun or gloss
        if key in ("old man", "old woman"):
            key = next((k for k, v in self._by_gloss.items()
                        if self.gloss[v].startswith("old ")), key)
        if key in self._by_gloss:
            return self._by_gloss[key]
        self._by_gloss[key] = label
        self.gloss[label] = gloss
        return label

    def mentions(self, text: str) -> list[Mention]:
        """Characters and pronouns in `text`, in order."""
        found: list[Mention] = []
        if self.given:
            for name in self.given:
                found += [Mention(m.start(), name, name) for m in re.finditer(re.escape(name),
                                                                              text)]
        else:
            found += self._noun_mentions(text) + self._name_mentions(text)
        found += self._pronouns(text)
        return sorted(found, key=lambda m: m.pos)

    def _noun_mentions(self, text: str) -> list[Mention]:
        if self.cjk:
            return [Mention(pos, self._label(native, gloss), gloss)
                    for pos, native, gloss in self.find(text, self.lex.nouns)]
        tokens = list(_WORD.finditer(text))
        out: list[Mention] = []
        taken = -1
        for i, tok in enumerate(tokens):
            gloss = self.word(tok.group(), self.lex.nouns)
            if gloss is None or i <= taken:
                continue
            if self.lang == "ar":  # Arabic adjectives follow their noun: الصياد العجوز
                end = i
                while end + 1 < len(tokens) and self.word(tokens[end + 1].group(),
                                                          self.lex.modifiers):
                    end += 1
                mods = [self.word(t.group(), self.lex.modifiers) or ""
                        for t in tokens[i + 1:end + 1]]
                words = [m for m in mods if m not in gloss.split()] + [gloss]
                label = text[tok.start():tokens[end].end()]
                taken = end
                out.append(Mention(tok.start(), self._label(label, " ".join(words), gloss),
                                   " ".join(words)))
                continue
            nxt = tokens[i + 1].group() if i + 1 < len(tokens) else ""
            if self.word(tok.group(), self.lex.modifiers) and self.word(nxt, self.lex.nouns):
                continue  # "viejo" in "el viejo pescador" is an adjective
            start, mods = i, []
            while start > 0 and (mod := self.word(tokens[start - 1].group(),
                                                  self.lex.modifiers)):
                start -= 1
                mods.insert(0, mod)
            words = [mod for mod in mods if mod not in gloss.split()] + [gloss]
            label = text[tokens[start].start():tok.end()]
            label = label if self.lang == "de" else label.lower()
            out.append(Mention(tokens[start].start(),
                               self._label(label, " ".join(words), gloss), " ".join(words)))
        return out

    def _name_mentions(self, text: str) -> list[Mention]:
        pattern = "{}" if self.cjk else r"(?<!\w){}(?!\w)"
        return [Mention(m.start(), name, name) for name in self.names
                for m in re.finditer(pattern.format(re.escape(name)), text)]

    def _pronouns(self, text: str) -> list[Mention]:
        out = []
        for gender, words in (("he", self.lex.he), ("she", self.lex.she)):
            for word in words:
                pattern = re.escape(word) if self.cjk else rf"(?<!\w){re.escape(word)}(?!\w)"
                out += [Mention(m.start(), word, word, gender)
                        for m in re.finditer(pattern, text, 0 if self.cjk else re.I)]
        if self.cjk:  # 她 is not 他, 彼女 is not 彼
            taken = {m.pos for m in out if len(m.label) > 1}
            out = [m for m in out if not (m.label in ("彼",) and m.pos in taken)]
        return out

    def learn_names(self, sentence: str) -> None:
        """Proper names: capitalised words that are no common word of the language (Latin),
        or the word right before a speech verb (Chinese, Japanese)."""
        if self.given:
            return
        if self.cjk:
            for verb_at in self._verbs(sentence):
                name = self._cjk_subject(sentence[:verb_at])
                if name and name not in self.names:
                    self.names.append(name)
                    self.gloss.setdefault(name, name)
            return
        tokens = [t.group() for t in _WORD.finditer(MARK.sub(" ", sentence))]
        for i, tok in enumerate(tokens):
            prev = tokens[i - 1].lower() if i else ""
            if not tok[:1].isupper() or (tok.isupper() and len(tok) > 1):
                continue
            if self._common(tok) or prev in self.lex.place_words \
                    or (self.lang == "de" and prev in self.lex.articles):
                continue
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if self.lang == "de" and not (nxt[:1].islower() or prev in self.lex.speech_verbs):
                continue  # German nouns are capitalised too: a name is followed by a verb
            if tok not in self.names:
                self.names.append(tok)
                self.gloss.setdefault(tok, tok)

    def _common(self, token: str) -> bool:
        low = token.lower()
        lex = self.lex
        return (is_stop_word(low, self.lang) or low in lex.articles or low in lex.speech_verbs
                or any(self.word(token, t) is not None for t in
                       (lex.nouns, lex.places, lex.times, lex.moods, lex.weather, lex.modifiers))
                or low in lex.he or low in lex.she or len(low) < 2)

    def _verbs(self, text: str) -> list[int]:
        """Where speech verbs start in `text`."""
        verbs = sorted(self.lex.speech_verbs, key=len, reverse=True)
        if self.cjk:
            out, i = [], 0
            while i < len(text):
                verb = next((v for v in verbs if text.startswith(v, i)), None)
                if verb:
                    out.append(i)
                    i += len(verb)
                else:
                    i += 1
            return out
        out = []
        for m in _WORD.finditer(text):
            word = m.group().lower().split("-")[0].replace("’", "'")
            verbs = self.lex.speech_verbs
            if word in verbs or (word[:1] in "وف" and word[1:] in verbs):  # Arabic و "and"
                out.append(m.start())
        return out

    def _cjk_subject(self, before: str) -> str | None:
        """The word before a speech verb that names its speaker (Chinese: "李明低声说",
        Japanese: "ユキは「…」と言った"), None when it is a known word or too long."""
        if self.lang == "ja":  # the topic or subject: "ユキは", "少女が"
            topics = re.findall(r"([^\s、。！？「」『』\uE000\uE001\dはがとをにの]{2,5})[はが]",
                                before)
            head = topics[-1] if topics else ""
        else:
            head = re.split(r"[，。！？、：:；;「」『』“”\s\uE000\uE001\d]", before)[-1]
            head = re.split(r"对|向|跟|朝", head)[0]
        head = re.sub(r"(低声|轻声|大声|小声|笑着|哭着|冷冷地|慢慢地|缓缓地|突然|又|也|就|地)+$",
                      "", head)
        if not 1 < len(head) <= 4 or self.find(head, self.lex.nouns) or head in ("我们", "他们"):
            return None
        if any(head == w for w in (*self.lex.he, *self.lex.she)):
            return None
        return head

    # ---- quotes and beats -------------------------------------------------------------

    def speaker(self, unit: str, recent: list[str]) -> str | None:
        """Who says the first quote of `unit` (quotes marked \\uE000n\\uE001)."""
        quote = MARK.search(unit)
        if quote is None:
            return None
        mentions = self.mentions(unit)
        verbs = self._verbs(unit)
        after = unit[quote.end():]
        gap = re.match(r"[\s,，.。!！?？:：;—–-]*(?:と|，|,)?\s*", after)
        pick: Mention | None = None
        if verbs:
            inverted = [v for v in verbs if quote.end() <= v <= quote.end() + (gap.end() if gap
                                                                               else 0) + 1]
            if inverted and not self.cjk:  # "« … », dit le vieil homme"
                pick = next((m for m in mentions if m.pos > inverted[0]), None)
            else:  # "老人说：「…」", "「…」と少女が言った", "Anna sagt: „…“"
                verb = next((v for v in verbs if v > quote.start()), verbs[-1]) \
                    if self.lang == "ja" else min(verbs, key=lambda v: abs(v - quote.start()))
                before = [m for m in mentions if m.pos < verb]
                pick = before[-1] if before else None
        if pick is None and mentions:
            pick = min(mentions, key=lambda m: abs(m.pos - quote.start()))
        if pick is None:
            return recent[0] if recent else None
        if pick.pronoun:
            fitting = [c for c in recent if gender_of(self.gloss.get(c, c)) == pick.pronoun]
            return (fitting or recent or [None])[0]
        return pick.label

    def beats(self, description: str, n: int) -> list[Beat]:
        """The description's beats, dialogue lifted out of its quotes."""
        quotes: list[str] = []

        source = " ".join(description.split()) if not self.cjk else description.strip()

        def lift(m: re.Match[str]) -> str:
            raw = next(g for g in m.groups() if g is not None).strip()
            quotes.append(raw)
            tail = source[m.end():].lstrip()
            ends = raw[-1:] in ".!?…。！？؟"  # a quote that ends a sentence ends it here too
            if self.cjk:
                stop = "。" if ends and tail[:1] not in ("と", "，", "、", "") else ""
            else:
                head = tail[:1]  # a capital, or a letter of a script without case
                caseless = head.isalpha() and not head.islower()
                stop = "." if ends and (head.isupper() or caseless) else ""
            return f"\uE000{len(quotes) - 1}\uE001{stop}"

        text = QUOTE.sub(lift, source)
        text = re.sub(r"(^|\n)\s*[—–]\s*([^—–\n]+?)\s*[—–]\s*", self._raya(quotes), text)
        units = [u.strip() for u in _SENTENCES.split(text) if u and u.strip()]
        if len(units) < n:
            units = [c.strip() for u in units for c in _CLAUSES.split(u) if c and c.strip()]
        for unit in units:
            self.learn_names(unit)
        beats: list[Beat] = []
        recent: list[str] = []
        for unit in units:
            marks = [int(i) for i in MARK.findall(unit)]
            action = self.clean(MARK.sub(" ", unit))
            if not action and not marks:
                continue
            chars = list(dict.fromkeys(m.label for m in self.mentions(action) if not m.pronoun))
            speaker = self.speaker(unit, recent or chars) if marks else None
            if speaker and speaker not in chars:
                chars.insert(0, speaker)
            beat = Beat(action or (speaker or ""), chars=chars, places=self.places(action),
                        time=self.time(action))
            if marks:
                beat.dialogue = " ".join(self.end(quotes[i]) for i in marks)
                beat.speaker = speaker
            recent = [*chars, *(c for c in recent if c not in chars)]
            beats.append(beat)
        return beats or [Beat(" ".join(description.split())[:300] or "…")]

    @staticmethod
    def _raya(quotes: list[str]):  # type: ignore[no-untyped-def]
        """Spanish dialogue: "—Hola —dice el viejo." lifts "Hola" as a quote."""
        def lift(m: re.Match[str]) -> str:
            quotes.append(m.group(2).strip())
            return f"{m.group(1)}\uE000{len(quotes) - 1}\uE001 "
        return lift

    def clean(self, text: str) -> str:
        """Action text: quote marks' leftovers and loose punctuation removed."""
        text = re.sub(r"\s+", " " if not self.cjk else "", text).strip()
        if self.cjk:
            text = re.sub(r"[：:]\s*(?=[。！？]|$)", "", text)
            text = re.sub(r"^[と、，。]+", "", text)
            return text.strip(_CJK_STRIP.replace("。", "").replace("！", "").replace("？", ""))
        text = re.sub(r"\s+([,.;:!?»])", r"\1", text)
        text = re.sub(r"([,;:])(?=[,.;:!?]|$)", "", text)
        return re.sub(r"^[\s,.;:!?—–-]+|[\s,;:—–-]+$", "", text).strip()

    def end(self, line: str) -> str:
        """A quote ended like a sentence (。 for Chinese and Japanese)."""
        line = line.strip().rstrip(",，、")
        if not line or not line[-1].isalnum():
            return line or "…"
        return line + ("。" if self.cjk else ".")


def title(reader: Reader, beats: list[Beat], description: str) -> str:
    """A title in the description's language, letters kept: the first named character, else
    the first words (up to the first pause)."""
    if reader.names and not reader.given:
        return reader.names[0]
    first = beats[0].text if beats else description
    if reader.cjk:
        head = re.split(r"[，。！？、：；,.!?]", first)[0]
        return head[:12] or "…"
    words = re.split(r"[,;:.!?]", first)[0].split()[:6]
    return " ".join(words).strip() or "…"
