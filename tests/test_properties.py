"""Property-based: random values thrown at the options, the environment, .env, stdin and the
files film reads always end in a clean exit code and a message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from film.cli import cli
from film.config import Settings, get_settings

from shotlists import make_shots

CHECKS = settings(max_examples=40, deadline=None,
                  suppress_health_check=[HealthCheck.function_scoped_fixture])
#: exit codes a user may see: ok, other, bad input, configuration
CLEAN = {0, 1, 2, 3}

numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.integers(min_value=-10**20, max_value=10**20).map(str),
                    st.sampled_from(["nan", "inf", "-inf", "1e999", "", " ", "0x10", "1,5"]))
words = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                       blacklist_characters="\x00"), max_size=40)
values = st.one_of(numbers, words)


def clean_run(args: list[str], **kw) -> int:
    result = CliRunner().invoke(cli, args, **kw)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{args}: {result.exception!r}"
    assert "Traceback" not in result.output
    assert result.exit_code in CLEAN, (args, result.output)
    if result.exit_code:
        assert "rror" in result.output, result.output  # a message says what is wrong
    return result.exit_code


@pytest.fixture
def shots_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("shots") / "shots.json"
    path.write_text(make_shots(2, lines={0: "Up we go."}).to_json())
    return path


@pytest.fixture
def empty_project(tmp_path_factory):
    return tmp_path_factory.mktemp("project")


MEDIA_OPTIONS = ["--resolution", "--max-cost", "--concurrency", "--on-error", "--transition",
                 "--transition-duration", "--music-volume", "--provider", "--music"]


@CHECKS
@given(option=st.sampled_from(MEDIA_OPTIONS), value=values)
def test_any_value_of_a_media_option_exits_cleanly(empty_project, option, value):
    # an empty project: whatever the option, the command ends before making anything
    code = clean_run(["compose" if option != "--provider" else "images", "-p",
                      str(empty_project), option, value])
    assert code != 0


SCENARIO_OPTIONS = ["-n", "--shot-duration", "--aspect-ratio", "--style", "--mood", "--model"]


@CHECKS
@given(option=st.sampled_from(SCENARIO_OPTIONS), value=values)
def test_any_value_of_a_scenario_option_exits_cleanly(option, value):
    clean_run(["scenario", "-d", "A keeper climbs a lighthouse.", "--estimate-only", option,
               value])


SETTINGS = ["FILM_MAX_COST", "FILM_CONCURRENCY_REMOTE", "FILM_CONCURRENCY_LOCAL",
            "FILM_HTTP_TIMEOUT", "FILM_MAX_ATTEMPTS", "FILM_MAX_RETRY_WAIT", "FILM_ON_ERROR",
            "FILM_IMAGE_PROVIDER", "FILM_VIDEO_PROVIDER", "FILM_TTS_PROVIDER",
            "SCENARIO_DEFAULT_MODEL", "OPENROUTER_BASE_URL"]


@CHECKS
@given(name=st.sampled_from(SETTINGS), value=values)
def test_any_value_in_the_environment_exits_cleanly(shots_file, name, value):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(name, value)
        get_settings.cache_clear()
        try:
            clean_run(["estimate", str(shots_file), "--json"])
        finally:
            get_settings.cache_clear()


@CHECKS
@given(content=st.binary(max_size=200))
def test_any_dot_env_file_exits_cleanly(shots_file, tmp_path_factory, content):
    folder = tmp_path_factory.mktemp("dotenv")
    (folder / ".env").write_bytes(content)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(Settings.model_config, "env_file", ".env")
        patch.chdir(folder)
        get_settings.cache_clear()
        try:
            clean_run(["estimate", str(shots_file), "--json"])
        finally:
            get_settings.cache_clear()


@CHECKS
@given(data=st.binary(max_size=300))
def test_any_bytes_on_stdin_exit_cleanly(data):
    clean_run(["scenario", "-d", "-", "--estimate-only"], input=data)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.floats(), st.integers(), words),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(words, inner, max_size=4)),
    max_leaves=20)


@CHECKS
@given(content=st.one_of(st.binary(max_size=200), json_values.map(json.dumps).map(str.encode)))
def test_any_shots_file_exits_cleanly(tmp_path_factory, content):
    path: Path = tmp_path_factory.mktemp("bad") / "shots.json"
    path.write_bytes(content)
    clean_run(["estimate", str(path), "--json"])


@CHECKS
@given(field=st.sampled_from(["duration", "shot_id", "shot_type", "seed", "shot_number",
                              "aspect_ratio", "enhanced_prompt", "speaker"]),
       value=json_values)
def test_any_value_in_a_shot_exits_cleanly(tmp_path_factory, field, value):
    data = make_shots(1).model_dump(mode="json")
    if field == "aspect_ratio":
        data[field] = value
    else:
        data["shots"][0][field] = value
    path: Path = tmp_path_factory.mktemp("shot") / "shots.json"
    path.write_text(json.dumps(data))
    clean_run(["estimate", str(path), "--json"])
