"""Every language: the planner reads zh, ja, es, fr, de (and ar), each line is spoken by its
language's voice, captions wrap by width with kinsoku and name a font per run, and the fonts
drawn map every character (checked against each font's cmap with fontTools)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from fontTools.ttLib import TTFont

from film.lang import guess_language, language_runs, line_language, normalize_language
from film.media.fonts import chain_for, libass_runs, missing, split_runs, visual_runs
from film.media.linebreak import NO_END, NO_START, line_columns, text_width, wrap
from film.media.subtitles import Cue, render_ass, render_srt, split_into_cue_texts
from film.media.timeline import TimelineShot, build_timeline
from film.offline.espeak import EspeakSpeechProvider, voice_parts
from film.providers.contract import SpeechRequest
from film.providers.voices import guess_age, guess_gender
from film.scenario.contract import ScenarioRequest
from film.scenario.planner import plan_shot_list
from film.scenario.prompt import build_messages, validate_reply

#: language -> (description, [(speaker, line)], the time of day, a word the title keeps)
FILMS = {
    "zh": ("黎明时分，老船长独自站在码头上，望着远方的大海。一个小女孩跑过来。"
           "小女孩问：“爷爷，船什么时候回来？”老船长低声说：“快了，孩子。”太阳慢慢升起。🌅",
           [("小女孩", "爷爷，船什么时候回来？"), ("老船长", "快了，孩子。")], "dawn", "黎明"),
    "ja": ("夜明け、老人は静かな港に立っていた。少女が走ってきた。"
           "「おじいさん、船はいつ帰ってくるの？」と少女が尋ねた。老人は「もうすぐだよ」と言った。",
           [("少女", "おじいさん、船はいつ帰ってくるの？"), ("老人", "もうすぐだよ。")], "dawn",
           "夜明け"),
    "es": ("Al anochecer, el viejo pescador espera en el puerto. Una niña corre hacia él. "
           "«¿Cuándo vuelve el barco?», pregunta la niña. El viejo sonríe y dice: «Pronto, "
           "pequeña».", [("niña", "¿Cuándo vuelve el barco?"),
                         ("viejo pescador", "Pronto, pequeña.")], "evening", "anochecer"),
    "fr": ("La nuit tombe sur le port. Élodie attend sur le quai. « Où es-tu ? », murmure "
           "Élodie. Le vieux marin arrive. « Me voilà », répond le vieux marin.",
           [("Élodie", "Où es-tu ?"), ("vieux marin", "Me voilà.")], "night", "Élodie"),
    "de": ("Im Morgengrauen steht der alte Fischer allein am Hafen. Ein kleines Mädchen läuft "
           "zu ihm. „Wann kommt das Boot zurück?“, fragt das Mädchen. „Bald“, sagt der alte "
           "Fischer.", [("kleines Mädchen", "Wann kommt das Boot zurück?"),
                        ("alte Fischer", "Bald.")], "dawn", "Morgengrauen"),
    "ar": ("عند الفجر يقف الصياد العجوز على الرصيف. تقترب منه فتاة صغيرة. قالت الفتاة: "
           "«متى يعود القارب؟» ابتسم الصياد وقال: «قريباً يا صغيرتي».",
           [("فتاة صغيرة", "متى يعود القارب؟"), ("الصياد العجوز", "قريباً يا صغيرتي.")],
           "dawn", "الفجر"),
}
VOICE = {"zh": "cmn", "ja": "ja", "es": "es", "fr": "fr", "de": "de", "ar": "ar"}
SAMPLES = {
    "zh": "你好世界，黎明时分。", "ja": "こんにちは「世界」", "ru": "Привет мир", "el": "Γειά σου",
    "ar": "مرحبا بالعالم", "he": "שלום עולם", "hi": "नमस्ते दुनिया", "th": "สวัสดีชาวโลก",
    "fr": "Ça va? Élodie «bonjour» ñ ß", "en": "🎬🌅😀 Hello", "es": "¿Dónde está? ¡Ñandú!",
    "de": "„Grüß Gott“, sagt Jürgen.",
}


def plan(lang: str, n: int = 5):
    return plan_shot_list(ScenarioRequest(description=FILMS[lang][0], num_shots=n,
                                          shot_duration=1))


@pytest.mark.parametrize("lang", list(FILMS))
def test_the_planner_reads_dialogue_speakers_and_time(lang):
    shot_list = plan(lang)
    _, lines, time, title_word = FILMS[lang]
    assert shot_list.language == lang
    spoken = [(s.speaker, s.dialogue) for s in shot_list.shots if s.dialogue]
    assert spoken == lines
    assert shot_list.shots[0].time_of_day == time
    assert title_word in shot_list.title or title_word in shot_list.description
    assert title_word[:2] in shot_list.title  # letters kept, accents and all
    for shot in shot_list.shots:  # prompts are English scaffolding around the story's words
        assert shot.enhanced_prompt.startswith("cinematic film still")
        assert all(c in shot_list.speaking_roles() or not shot.dialogue
                   for c in [shot.speaker] if c)


def test_foreign_prompts_gloss_characters_in_english():
    shot_list = plan("zh")
    prompt = next(s.enhanced_prompt for s in shot_list.shots if s.speaker == "老船长")
    assert "老船长" in prompt and "featuring the old captain" in prompt
    assert "harbor" in " ".join(shot_list.shots[0].landscapes)


def test_an_english_description_plans_as_before():
    shot_list = plan_shot_list(ScenarioRequest(
        description='At dawn the old man waits. "Come home," says the old man.', num_shots=3))
    assert shot_list.language == "en"
    assert [(s.speaker, s.dialogue) for s in shot_list.shots if s.dialogue] == \
        [("old man", "Come home.")]


def test_language_guess_and_codes():
    for lang, (text, *_rest) in FILMS.items():
        assert guess_language(text) == lang
    assert guess_language("The old man waits at the harbour and says nothing.") == "en"
    assert normalize_language("zh-CN") == "zh" and normalize_language("Français") == "fr"
    assert line_language("مرحبا", "fr") == "ar" and line_language("Bonjour", "fr") == "fr"
    assert line_language("今日は", "ja") == "ja" and line_language("OK", "de") == "de"
    assert language_runs("Il a dit 你好 puis مرحبا 😀", "fr") == [
        ("fr", "Il a dit"), ("zh", "你好"), ("fr", "puis"), ("ar", "مرحبا")]


@pytest.mark.parametrize("lang", list(FILMS))
def test_each_line_gets_its_languages_voice_with_the_cast_kept(lang):
    provider = EspeakSpeechProvider("offline", "espeak", None)
    shot_list = plan(lang)
    roles = shot_list.speaking_roles()
    voices = {}
    for shot in shot_list.shots:
        if shot.spoken_text:
            request = SpeechRequest(text=shot.spoken_text, role=shot.voice_role, roles=roles,
                                    language=shot_list.language)
            voices[shot.voice_role] = provider.resolve_voice(request)
    assert all(v.voice.split("+")[0] == VOICE[lang] for v in voices.values())
    speakers = [s for s, _ in FILMS[lang][1]]
    assert voices[speakers[0]] != voices[speakers[1]]  # two characters, two voices
    english = provider.resolve_voice(SpeechRequest(text="Hello.", role=speakers[1], roles=roles))
    assert english.voice.split("+")[1:] == voices[speakers[1]].voice.split("+")[1:]


async def test_a_chinese_line_is_spoken_in_mandarin_not_spelled(tmp_path):
    provider = EspeakSpeechProvider("offline", "espeak", None)
    out = tmp_path / "zh.wav"
    result = await provider.synthesize(SpeechRequest(text="你好世界，黎明时分。"), out, None)
    assert result.meta["voice"].startswith("cmn") and result.meta["language"] == "zh"
    # an English voice says "Chinese letter" per character: about 5.4 s for these 10
    assert 0.8 < result.meta["duration"] < 4.0
    emoji = await provider.synthesize(SpeechRequest(text="🎬🌅"), tmp_path / "e.wav", None)
    assert emoji.meta.get("silent")  # emoji are not read out


def test_mixed_and_japanese_lines_are_cut_into_voices():
    spec = EspeakSpeechProvider("offline", "espeak", None).cast_voice(
        SpeechRequest(text="x", role="Tom"))
    parts = voice_parts("Il a dit 你好 puis مرحبا", spec, "fr")
    assert [v.voice.split("+")[0] for _, v in parts] == ["fr", "cmn", "fr", "ar"]
    kanji = voice_parts("今日は晴れです。", spec, "ja")  # eSpeak reads kana, not kanji
    assert [(t, v.voice.split("+")[0]) for t, v in kanji][:2] == [("今日", "cmn"), ("は", "ja")]


def test_voice_gender_and_age_read_other_languages():
    assert (guess_gender("小女孩"), guess_age("小女孩")) == ("female", "child")
    assert (guess_gender("vieil homme"), guess_age("vieil homme")) == ("male", "elder")
    assert guess_gender("kleines Mädchen") == "female" and guess_gender("Tom") == "male"


@pytest.mark.parametrize("lang", list(FILMS))
def test_subtitles_file_and_burned_captions(lang, tmp_path):
    shot_list = plan(lang)
    shots = [TimelineShot(shot_id=s.shot_id, clip=tmp_path / "c.mp4", planned=2.0,
                          text=s.spoken_text, language=line_language(s.spoken_text or "", lang))
             for s in shot_list.shots]
    timeline = build_timeline(shots, transition="cut")
    srt = render_srt(timeline.cues)
    for _, line in FILMS[lang][1]:
        assert line.replace(" ", "") in srt.replace("\n", "").replace(" ", "")
    limit = line_columns(lang)
    assert all(text_width(row) <= limit for cue in timeline.cues for row in cue.text.split("\n"))
    ass = render_ass(timeline.cues, width=640, height=360, font="Noto Sans", runs=True)
    families = {f.family for f in chain_for(lang)}
    named = {part.split("\\fs")[0] for part in ass.split("{\\fn")[1:]}
    assert named and named <= families  # every tag names a family libass can find
    assert ",-1\n" in ass  # Encoding -1: libass finds each line's direction


@pytest.mark.parametrize("lang,text", list(SAMPLES.items()))
def test_the_font_drawn_maps_every_character(lang, text):
    """Each run's face has every character of the run in its cmap (read with fontTools)."""
    assert missing(text, lang) == []
    for run in split_runs(text, chain_for(lang)):
        with TTFont(str(run.face.path), fontNumber=run.face.index, lazy=True) as font:
            cmap = font.getBestCmap()
        absent = [c for c in run.text if ord(c) not in cmap and c not in "\u200d\ufe0f"]
        assert absent == [], (run.face.family, run.text)


def test_cjk_runs_use_the_languages_face_and_rtl_runs_reverse():
    assert split_runs("直骨", chain_for("ja"))[0].face.family == "Noto Sans CJK JP"
    assert split_runs("直骨", chain_for("zh"))[0].face.family == "Noto Sans CJK SC"
    runs = split_runs("שלום world", chain_for("he"))
    assert next(r.text for r in visual_runs(runs, True)) == "world"
    tagged = libass_runs("Elle a dit «مرحبا» 😀", "fr", 30)
    assert "\\fnNoto Sans Arabic\\fs42.8}" in tagged and "\\fnNoto Emoji" in tagged


@pytest.mark.parametrize("lang,width,text", [
    ("zh", 32, "黎明时分，老船长独自站在码头上，望着远方渐渐亮起来的海平线。"
               "他说：“我们明天去看看吧！”"),
    ("ja", 26, "彼は「今日は晴れだね」と言った。そしてゆっくりと歩き出した……そう、ゆっくりと。"),
    ("fr", 42, "Le soleil se lève sur le vieux port ; Élodie attend « son » bateau "
               "depuis l'aube !"),
])
def test_wrapping_by_width_keeps_kinsoku(lang, width, text):
    lines = wrap(text, width)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(text_width(line) <= width for line in lines)
    assert not any(line[0] in NO_START for line in lines[1:])
    assert not any(line[-1] in NO_END for line in lines)
    assert not any(a.endswith("…") and b.startswith("…") for a, b in pairwise(lines))
    cues = split_into_cue_texts(text, language=lang)
    assert all(text_width(row) <= line_columns(lang) for c in cues for row in c.split("\n"))


def test_llm_prompt_keeps_the_films_language_and_records_it():
    request = ScenarioRequest(description=FILMS["zh"][0], num_shots=1)
    system, user = build_messages(request.description, request)
    assert "LANGUAGE" in system["content"] and "Chinese (zh)" in user["content"]
    reply = ('{"title": "黎明", "shots": [{"shot_type": "wide", "enhanced_prompt": "A harbour '
             'at dawn", "duration": 2, "dialogue": "快了。", "speaker": "老船长"}]}')
    assert validate_reply(reply, request, "m").language == "zh"
    forced = ScenarioRequest(description="A quiet harbour.", num_shots=1, language="fr")
    assert "French (fr)" in build_messages(forced.description, forced)[1]["content"]


def test_cue_language_survives_shifting():
    assert Cue(0, 1, "你好", "zh").shifted(2).language == "zh"
