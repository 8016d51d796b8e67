"""The offline planner: deterministic, schema-valid, varied shot lists from a description."""

from __future__ import annotations

from itertools import pairwise

import pytest

from film.scenario.contract import ScenarioRequest
from film.scenario.planner import STYLE_PRESETS, plan_shot_list, resolve_style
from film.scenario.providers import OfflineScenarioProvider, get_scenario_provider
from film.schema import ShotList

NOIR = ("A detective enters his dimly lit office on a rainy night. He finds a letter on his "
        'desk. The detective says "Someone has been here." He turns off the lamp and waits '
        "in the dark.")
STORIES = [
    NOIR,
    "A lone astronaut wanders across a red desert at sunset.",
    '"We should not be here," Mara whispers. The old man lights a candle in the cathedral. '
    'Mara turns to the man and asks "Where is the key?" He smiles. The storm breaks outside. '
    "They run into the village. At dawn the village is silent.",
]


def plan(description: str = NOIR, n: int = 5, **kw) -> ShotList:
    return plan_shot_list(ScenarioRequest(description=description, num_shots=n, **kw))


def test_same_input_same_output_and_different_input_differs():
    a, b = plan(n=7, style="noir"), plan(n=7, style="noir")
    assert a.model_dump() == b.model_dump()
    assert plan(STORIES[1], 7).model_dump() != a.model_dump()


@pytest.mark.parametrize("description", STORIES)
def test_every_count_from_1_to_30_is_exact_and_valid(description):
    for n in range(1, 31):
        shots = plan(description, n, shot_duration=3.5)
        ShotList.model_validate_json(shots.model_dump_json())
        assert [s.shot_id for s in shots.shots] == [f"shot_{i:03d}" for i in range(1, n + 1)]
        assert [s.shot_number for s in shots.shots] == list(range(1, n + 1))
        assert {s.duration for s in shots.shots} == {3.5}
        assert shots.model == "offline" and shots.usage.cost_usd == 0
        types = [s.shot_type for s in shots.shots]
        assert all(a != b for a, b in pairwise(types)), types
        if n >= 4:
            assert len(set(types)) >= 3, types
        if n >= 2:
            assert types[0] in ("establishing", "wide", "extreme-wide", "aerial")
        if n >= 3:
            assert types[-1] in ("wide", "close-up")
        spoken = [s for s in shots.shots if s.narration]
        assert len(spoken) <= (n + 1) // 2
        assert all(len(s.narration.split()) <= 15 for s in spoken)
        assert any(s.spoken_text for s in shots.shots)
        assert all(s.camera_movement for s in shots.shots)
        prompts = [s.enhanced_prompt for s in shots.shots]
        assert len(set(prompts)) == n, "every shot needs its own prompt"


def test_beats_follow_the_story_and_coverage_fills_spare_shots():
    shots = plan(NOIR, 8).shots
    actions = [s.action for s in shots]
    assert "enters his dimly lit office" in actions[0]
    assert "turns off the lamp" in actions[-1]
    assert actions.index(next(a for a in actions if "letter" in a)) < \
        actions.index(next(a for a in actions if "turns off" in a))
    types = {s.shot_type for s in shots}
    assert types & {"reaction", "insert", "pov", "extreme-close-up", "medium-wide"}
    few = plan(NOIR + " " + NOIR.replace("detective", "woman"), 3).shots
    assert "enters" in few[0].action and "waits in the dark" in few[-1].action


def test_quoted_speech_becomes_dialogue_with_a_speaker():
    shots = plan(NOIR, 5).shots
    spoken = [s for s in shots if s.dialogue]
    assert len(spoken) == 1
    assert spoken[0].dialogue == "Someone has been here."
    assert spoken[0].speaker == "detective" and spoken[0].voice_role == "detective"
    assert spoken[0].narration is None
    other = plan('"Run!" the soldier shouts. The bridge explodes behind him.', 3).shots
    line = next(s for s in other if s.dialogue)
    assert line.dialogue == "Run!" and line.speaker == "soldier"
    named = plan(STORIES[2], 8).shots
    lines = {s.dialogue: s.speaker for s in named if s.dialogue}
    assert lines == {"We should not be here.": "Mara", "Where is the key?": "Mara"}


def spoken_line(description: str, n: int = 3):
    return next(s for s in plan(description, n).shots if s.dialogue)


@pytest.mark.parametrize("n", [1, 2, 4])
def test_an_animal_named_after_the_quote_speaks_not_the_main_character(n):
    line = spoken_line('A fox watches a crow. "Caw," says the crow.', n)
    assert line.dialogue == "Caw." and line.speaker == "crow" and line.voice_role == "crow"
    assert "crow" in line.characters
    assert "the crow speaks" in line.action and "fox speaks" not in line.action


@pytest.mark.parametrize(("description", "speaker"), [
    ('The old man says "Go home."', "old man"),
    ('"Run!" shouts Tom.', "Tom"),
    ('"Caw," the crow says.', "crow"),
    ('The crow says "Caw."', "crow"),
    ('A fox sleeps. "Wake up," whispers the owl.', "owl"),
    ('The girl waits. "Beep," says the robot.', "robot"),
    ('A fox watches. "Hello," says the old crow to the fox.', "old crow"),
    ('A knight rides past. "Halt!" cries the dragon.', "dragon"),
    ('The fox sits. "Squawk," says the parrot.', "parrot"),  # no word list knows it
    ('The fox sits. The parrot says "Squawk."', "parrot"),
    ('"Hi," says Emily softly.', "Emily"),
])
def test_explicit_attributions_name_the_speaker(description, speaker):
    for n in (1, 3):
        line = spoken_line(description, n)
        assert line.speaker == speaker, (n, line.speaker)
        assert speaker in line.characters


def test_a_pronoun_after_the_quote_is_the_last_character_not_the_listener():
    line = spoken_line('The detective walks the rainy streets. "Another one," he says to '
                       "the bartender.", 2)
    assert line.speaker == "detective" and "bartender" in line.characters
    assert "the detective speaks to the bartender" in line.action
    assert spoken_line('"Run!" shouts Tom.').action == "Tom shouts."
    man = plan('The old man sits by the fire. "Go home," says the man.', 2).shots
    assert {s.speaker for s in man if s.dialogue} == {"old man"}
    assert "man" not in {c for s in man for c in s.characters}


def test_characters_settings_mood_and_time_are_inferred():
    shots = plan(NOIR, 5)
    first = shots.shots[0]
    assert first.characters == ["detective"]
    assert first.landscapes[:3] == ["office", "interior", "urban"]
    assert first.time_of_day == "night" and shots.mood == "tense"
    assert all(s.time_of_day == "night" for s in shots.shots)
    assert plan("Rain falls on the empty street.", 2).shots[0].time_of_day == "night"
    sunset = plan("Two lovers walk along the beach at sunset.", 3)
    assert sunset.shots[0].time_of_day == "evening" and sunset.mood == "romantic"
    assert "lovers" in sunset.shots[1].characters and "beach" in sunset.shots[0].landscapes
    assert plan("A girl plays with a kite in the park.", 2).shots[0].time_of_day == "day"
    names = plan(STORIES[2], 6)
    cast = {c for s in names.shots for c in s.characters}
    assert {"Mara", "old man"} <= cast and "man" not in cast
    assert plan(NOIR, 3, mood="hopeful").mood == "hopeful"


def test_pronouns_are_replaced_in_prompts():
    shots = plan(NOIR, 4).shots
    second = next(s for s in shots if "letter" in (s.action or ""))
    assert "the detective finds a letter" in second.enhanced_prompt
    assert " he finds" not in second.enhanced_prompt.lower()


def test_every_style_preset_changes_the_prompts():
    assert len(STYLE_PRESETS) >= 9
    assert {"noir", "cyberpunk", "documentary", "fantasy", "horror", "romance", "anime",
            "vintage", "cinematic"} <= set(STYLE_PRESETS)
    default = plan(STORIES[1], 3)
    seen_prompts, seen_negatives = set(), set()
    for name, preset in STYLE_PRESETS.items():
        styled = plan(STORIES[1], 3, style=name)
        prompt = styled.shots[1].enhanced_prompt
        assert preset.lighting in prompt and preset.palette in prompt
        assert preset.negative in styled.shots[1].negative_prompt
        assert list(preset.styles) == styled.shots[0].styles
        seen_prompts.add(prompt)
        seen_negatives.add(styled.shots[1].negative_prompt)
        if name != "cinematic":
            assert prompt != default.shots[1].enhanced_prompt
    assert len(seen_prompts) == len(STYLE_PRESETS) == len(seen_negatives)


def test_style_names_aliases_and_unknown_styles():
    assert resolve_style("film noir")[0].name == "noir"
    assert resolve_style("Blade Runner neon")[0].name == "cyberpunk"
    assert resolve_style("Studio Ghibli")[0].name == "anime"
    assert resolve_style(None, "A wizard and a dragon meet.")[0].name == "fantasy"
    preset, extra = resolve_style("watercolor painting")
    assert preset.name == "cinematic" and extra == "watercolor painting"
    shots = plan(NOIR, 2, style="watercolor painting")
    assert "watercolor painting" in shots.shots[0].enhanced_prompt
    assert shots.shots[0].styles[0] == shots.style == "watercolor painting"


def test_aspect_ratio_shapes_the_composition():
    wide = plan(NOIR, 2, aspect_ratio="16:9").shots[0].enhanced_prompt
    tall = plan(NOIR, 2, aspect_ratio="9:16")
    assert "widescreen" in wide and "vertical composition" in tall.shots[0].enhanced_prompt
    assert tall.aspect_ratio == "9:16"


def test_matches_the_reference_shot(reference_shot):
    shots = plan(NOIR.split(". He finds")[0] + ".", 5, style="film noir")
    first = shots.shots[0]
    assert first.shot_type in ("wide", "establishing")
    for key in ("characters", "mood", "time_of_day", "duration"):
        assert getattr(first, key) == reference_shot[key], key
    assert set(reference_shot["landscapes"]) <= set(first.landscapes)
    assert "film noir" in first.styles
    assert shots.title and shots.title != "Untitled"


def test_odd_inputs_still_give_a_usable_plan():
    for text in ("x", '"Run!"', "...!!! ???", "word " * 3000, "Dr. Hale meets Mr. Grey."):
        shots = plan(text, 4)
        assert len(shots.shots) == 4
    long = plan(('The detective walks the rainy streets. "Another one," he says to the '
                 "bartender. ") * 100, 3)
    assert all(len(s.dialogue or "") <= 300 for s in long.shots)


async def test_provider_is_free_and_offline(settings):
    provider = OfflineScenarioProvider()
    result = await provider.generate(ScenarioRequest(description=NOIR, num_shots=4))
    assert result.model == "offline" and result.cost_usd == 0 and not result.cached
    assert result.usage.total_tokens == 0 and len(result.shots) == 4
    assert isinstance(get_scenario_provider("offline", settings), OfflineScenarioProvider)


FOX = ('A fox crosses a frozen lake at dawn. An old trapper watches from the shore. '
       'He says "Go on then."')


@pytest.mark.parametrize("n", [3, 5, 6, 8])
def test_a_pronoun_speaker_is_the_latest_person_not_the_animal(n):
    talk = [s for s in plan(FOX, n).shots if s.dialogue]
    assert [s.speaker for s in talk] == ["old trapper"]
    assert "old trapper" in talk[0].characters and "fox" not in talk[0].characters
    assert "the old trapper speaks" in talk[0].enhanced_prompt


@pytest.mark.parametrize(("description", "speaker"), [
    ('A man waits by the door. A girl runs in. She says "They are here."', "girl"),
    ('A girl runs in. A man waits by the door. She says "They are here."', "girl"),
    ('A woman sits by the fire. The old man enters. Her voice shakes as she says "Go."',
     "woman"),
    ('A crow lands on the fence. He says "Caw."', "crow"),
])
def test_pronouns_follow_gender_and_skip_animals(description, speaker):
    assert spoken_line(description).speaker == speaker


def test_animals_get_animal_details_in_close_shots():
    for n in range(2, 13):
        for story in ("A fox crosses a frozen lake at dawn. The fox stops and sniffs the snow.",
                      FOX):
            prompts = " ".join(s.enhanced_prompt for s in plan(story, n).shots)
            assert "fox's hands" not in prompts
    prompts = " ".join(s.enhanced_prompt for n in (6, 8)
                       for s in plan("A fox crosses a frozen lake at dawn. The fox stops and "
                                     "sniffs the snow.", n).shots)
    assert "the fox's fur" in prompts or "the fox's paws" in prompts


def test_body_details_for_people_and_animals():
    from film.scenario.planner_text import body_details, is_animal, pronoun_target

    assert body_details("old trapper")[0] == "hands"
    assert body_details("fox") == ("paws and tracks", "fur", "eyes")
    assert body_details("crow")[:2] == ("talons", "feathers")
    assert is_animal("wolves") and not is_animal("Mara") and not is_animal("elf")
    assert pronoun_target("he", ["woman", "fox", "old man"]) == "old man"
    assert pronoun_target("she", ["detective", "old man"]) == "detective"
    assert pronoun_target("he", ["fox"]) == "fox"


def test_the_demo_ending_is_narrated():
    from pathlib import Path

    demo = (Path(__file__).parent.parent / "examples" / "demo.txt").read_text()
    shots = plan(demo, 8).shots
    assert shots[-1].narration or shots[-2].narration
    spoken = [s for s in shots if s.narration or s.dialogue]
    assert len(spoken) <= 4
    assert all(len(s.narration.split()) <= 15 for s in shots if s.narration)


def test_a_quote_ending_in_an_emoji_or_cjk_stop_gets_no_extra_period():
    from film.scenario.contract import ScenarioRequest
    from film.scenario.planner import plan_shot_list

    for text, line in [('Jürgen says "Café crème, merci! 🙏"', "Café crème, merci! 🙏"),
                       ('Tom says "Go on then"', "Go on then.")]:
        shots = plan_shot_list(ScenarioRequest(description=text, num_shots=1)).shots
        assert shots[0].dialogue == line
