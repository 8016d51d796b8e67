import json

import pytest

from film.errors import InputError
from film.schema import Shot, ShotList, load_shot_list, parse_shot_list, shot_list_json_schema

from shotlists import make_shots


def test_reference_shot_validates_unchanged(reference_shot):
    shot = Shot.model_validate(reference_shot)
    dumped = shot.model_dump(mode="json")
    for key, value in reference_shot.items():
        assert dumped[key] == value, key


def test_shot_type_aliases_are_normalised(reference_shot):
    assert Shot.model_validate({**reference_shot, "shot_type": "Close Up"}).shot_type == "close-up"
    assert Shot.model_validate({**reference_shot, "shot_type": "ECU"}).shot_type == \
        "extreme-close-up"


@pytest.mark.parametrize("bad_id", ["../etc", "a/b", "has space", "", ".hidden", "x" * 80])
def test_unsafe_shot_ids_are_rejected(reference_shot, bad_id):
    with pytest.raises(ValueError):
        Shot.model_validate({**reference_shot, "shot_id": bad_id})


@pytest.mark.parametrize("field,value", [
    ("duration", 0.1), ("duration", 31), ("enhanced_prompt", "   "), ("shot_type", "sideways"),
    ("shot_number", 0),
])
def test_values_that_would_break_later_stages_are_rejected(reference_shot, field, value):
    with pytest.raises(ValueError):
        Shot.model_validate({**reference_shot, field: value})


def test_duplicate_shot_ids_are_rejected(reference_shot):
    with pytest.raises(InputError, match="duplicate shot_id"):
        parse_shot_list({"shots": [reference_shot, reference_shot]})


def test_bare_list_and_single_shot_are_accepted(reference_shot):
    assert len(parse_shot_list([reference_shot]).shots) == 1
    assert parse_shot_list(reference_shot).shots[0].shot_id == "shot_001"


def test_load_reports_bad_json_with_position(tmp_path):
    path = tmp_path / "shots.json"
    path.write_text('{"shots": [}')
    with pytest.raises(InputError, match=r"not valid JSON.*line 1"):
        load_shot_list(path)
    with pytest.raises(InputError, match="not found"):
        load_shot_list(tmp_path / "missing.json")


def test_to_json_round_trips_and_keeps_reference_nulls():
    shot_list = make_shots(2)
    data = json.loads(shot_list.to_json())
    assert data["shots"][0]["dialogue"] is None
    assert "speaker" not in data["shots"][0]
    assert ShotList.model_validate(data) == shot_list


def test_voice_role_and_spoken_text(reference_shot):
    shot = Shot.model_validate({**reference_shot, "dialogue": "Hello.", "speaker": "Sam"})
    assert (shot.spoken_text, shot.voice_role) == ("Hello.", "Sam")
    narrated = Shot.model_validate({**reference_shot, "narration": "It rained."})
    assert (narrated.spoken_text, narrated.voice_role) == ("It rained.", "narrator")


def test_json_schema_exports_the_shot_fields():
    schema = shot_list_json_schema()
    shot = schema["$defs"]["Shot"]["properties"]
    assert {"shot_id", "enhanced_prompt", "duration", "camera_movement"} <= set(shot)
