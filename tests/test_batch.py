"""`film batch`: rows checked before anything is made (bad ones by line number), one budget
for every film, a rerun that skips finished films and resumes the others, a still two films
need made once, and the example jobs files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from film.batch.jobs import FilmJob, read_jobs
from film.cli import cli
from film.config import get_settings
from film.errors import InputError

from fakes.fal_jobs import FalJobs
from shotlists import make_shots

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "batch"


def shots_file(tmp_path: Path, name: str, prompt: str) -> Path:
    """A one-shot shot list whose still is drawn from `prompt`."""
    data = json.loads(make_shots(1).to_json())
    data["shots"][0]["enhanced_prompt"] = prompt
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


def jobs_file(tmp_path: Path, rows: list, name: str = "jobs.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


def batch(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["batch", *args], input=stdin)


def events(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def ledger(project: Path) -> list[dict]:
    return json.loads((project / "manifest.json").read_text())["ledger"]


@pytest.fixture
def fal(monkeypatch):
    with FalJobs() as fake:
        monkeypatch.setenv("FAL_KEY", "fal-secret-key")
        monkeypatch.setenv("FAL_QUEUE_URL", fake.url)
        monkeypatch.setenv("FILM_MAX_ATTEMPTS", "1")  # a failed poll is not waited on
        get_settings.cache_clear()
        yield fake


# ---- rows ------------------------------------------------------------------------------------


def test_rows_are_read_with_their_line_numbers(tmp_path):
    shots = shots_file(tmp_path, "s", "a harbour at night")
    path = jobs_file(tmp_path, [
        {"description": "A fox crosses a frozen lake.", "num_shots": 2},
        "",
        {"description": "A tram at dusk.", "colour": "red"},
        '{"description": "broken"',
        {"style": "noir"},
        {"log_line": "A keeper must relight the lamp.", "num_shots": 3},
        {"shots": "s.json", "name": "harbour"},
        {"shots": "missing.json"},
        {"description": "A fox crosses a frozen lake.", "num_shots": 2},
        {"description": "x", "name": "a/b"},
        {"description": "x", "num_shots": 0, "stlye": "noir"},
    ])
    rows, bad = read_jobs(str(path))
    assert [(r.line, r.name) for r in rows] == [(1, rows[0].name), (7, "harbour")]
    assert rows[1].shots_text == shots.read_text()
    errors = {b.line: b.error for b in bad}
    assert errors[3] == "unknown option 'colour'"
    assert errors[4].startswith("not JSON")
    assert errors[5] == "give exactly one of description, log_line or shots"
    assert errors[6] == "num_shots applies to a description row only"
    assert "shots file not found" in errors[8]
    assert "also line 1's" in errors[9]  # the same film twice: the same folder
    assert errors[10] == "name must be a plain folder name, not 'a/b'"
    assert errors[11] == ("num_shots: input should be greater than or equal to 1; unknown "
                          "option 'stlye' (did you mean 'style'?)")


def test_csv_rows_keep_their_line_numbers_across_quoted_line_breaks(tmp_path):
    path = tmp_path / "jobs.csv"
    path.write_text('name,description,num_shots\n'
                    'one,"A fox,\nacross two lines",2\n'
                    'two,A tram,many\n'
                    'three,,\n')
    rows, bad = read_jobs(str(path))
    assert [(r.line, r.name, r.job.num_shots) for r in rows] == [(2, "one", 2)]
    assert [(b.line, b.error.split(":")[0]) for b in bad] == [(4, "num_shots"), (5, "give "
                                                              "exactly one of description, "
                                                              "log_line or shots")]


def test_bad_rows_stop_the_batch_before_anything_is_made(tmp_path):
    path = jobs_file(tmp_path, [
        {"name": "good", "description": "A fox crosses a frozen lake.", "num_shots": 1,
         "shot_duration": 1, "resolution": "320x180"},
        {"name": "typo", "description": "A tram.", "colour": "red"},
        {"name": "nothing"},
        {"name": "voice", "description": "A tram.", "tts_provider": "nosuch"},
    ])
    out = tmp_path / "films"
    result = batch(str(path), "--out", str(out))
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "3 bad rows" in result.output and "nothing was made" in result.output
    assert "line 2: unknown option 'colour'" in result.output
    assert "line 3: give exactly one of description, log_line or shots" in result.output
    assert "line 4: unknown speech provider 'nosuch'" in result.output
    assert not out.exists()

    made = batch(str(path), "--out", str(out), "--skip-invalid", "--json")
    assert made.exit_code == 2, made.output  # not every row was made
    finished = events(made)[-1]
    assert finished["event"] == "batch_finished" and not finished["ok"]
    status = {o["film"]: o["status"] for o in finished["outcomes"]}
    assert status == {"good": "done", "typo": "invalid", "nothing": "invalid",
                      "voice": "invalid"}
    assert (out / "good" / "final.mp4").is_file()
    summary = json.loads((out / "batch.json").read_text())
    assert [f["status"] for f in summary["films"]] == ["done", "invalid", "invalid", "invalid"]


# ---- budget, resume, shared work -------------------------------------------------------------


def test_one_budget_for_every_film_of_the_batch(tmp_path, fal):
    rows = [{"name": n, "shots": shots_file(tmp_path, n, f"{n} at dawn").name}
            for n in ("alpha", "beta", "gamma")]
    out = tmp_path / "films"
    result = batch(str(jobs_file(tmp_path, rows)), "--out", str(out), "--image-provider",
                   "fal", "--video-provider", "offline", "--resolution", "320x180",
                   "--max-cost", "0.005", "--jobs", "3", "--json")
    assert result.exit_code == 5, result.output  # stopped by the budget
    outcomes = events(result)[-1]["outcomes"]
    assert sorted(o["status"] for o in outcomes) == ["done", "failed", "failed"]
    assert all("budget cap $0.005 reached" in o["error"] for o in outcomes
               if o["status"] == "failed")
    spent = sum(line["cost_usd"] for n in ("alpha", "beta", "gamma")
                for line in ledger(out / n) if (out / n / "manifest.json").exists())
    assert 0 < spent <= 0.005 and fal.total == 1  # one still paid: the cap holds for all


def test_a_rerun_skips_finished_films_and_resumes_the_others(tmp_path, fal):
    rows = [{"name": "alpha", "shots": shots_file(tmp_path, "alpha", "alpha at dawn").name},
            {"name": "beta", "shots": shots_file(tmp_path, "beta", "beta at dusk").name}]
    path = jobs_file(tmp_path, rows)
    out = tmp_path / "films"
    args = (str(path), "--out", str(out), "--image-provider", "fal", "--video-provider",
            "offline", "--resolution", "320x180", "--on-error", "fail", "--json")
    fal.failing = "beta"  # beta's job is paid, then its status cannot be read
    first = batch(*args)
    assert first.exit_code == 4, first.output
    status = {o["film"]: o["status"] for o in events(first)[-1]["outcomes"]}
    assert status == {"alpha": "done", "beta": "failed"}
    manifest = json.loads((out / "beta" / "manifest.json").read_text())
    assert [e["status"] for e in manifest["artifacts"].values() if e["stage"] == "images"] \
        == ["submitted"]  # its paid job, waiting to be collected

    fal.failing = None
    again = batch(*args)
    assert again.exit_code == 0, again.output
    by_film = {o["film"]: o for o in events(again)[-1]["outcomes"]}
    assert by_film["alpha"]["status"] == "current" and by_film["alpha"]["made"] == 0
    assert by_film["beta"]["status"] == "done" and (out / "beta" / "final.mp4").is_file()
    assert sorted(fal.submits.values()) == [1, 1]  # beta's paid job was collected
    assert len(ledger(out / "beta")) == 1


def test_two_films_that_need_the_same_still_make_it_once(tmp_path, fal):
    same = shots_file(tmp_path, "same", "the same lighthouse").name
    path = jobs_file(tmp_path, [{"name": "one", "shots": same}, {"name": "two", "shots": same}])
    result = batch(str(path), "--out", str(tmp_path / "films"), "--image-provider", "fal",
                   "--video-provider", "offline", "--resolution", "320x180", "--jobs", "2",
                   "--json")
    assert result.exit_code == 0, result.output
    assert fal.total == 1  # made and paid once, though both films ran at once
    outcomes = events(result)[-1]["outcomes"]
    assert sorted(o["shared"] for o in outcomes) == [0, 2]  # the still and its clip
    assert sum(o["cost_usd"] for o in outcomes) == pytest.approx(0.003, rel=0.5)


# ---- the examples ----------------------------------------------------------------------------


def test_the_example_jobs_files_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = batch(str(EXAMPLES / "jobs.jsonl"), "--out", "films", "-q")
    assert result.exit_code == 0, result.output
    for name in ("fox", "lighthouse", "market"):
        assert (tmp_path / "films" / name / "final.mp4").is_file()
    csv = batch("-", "--out", "films", "--json", stdin=(EXAMPLES / "jobs.csv").read_text())
    assert csv.exit_code == 0, csv.output
    assert [o["film"] for o in events(csv)[-1]["outcomes"]] == ["bakery", "tram"]
    rows, bad = read_jobs(str(EXAMPLES / "stories.jsonl"))  # a story film: checked only
    assert [r.job.source for r in rows] == ["log_line"] and bad == []


# ---- any jobs file -------------------------------------------------------------------------

_fields = st.sampled_from([*FilmJob.model_fields, "colour", ""])
_values = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(),
                    st.text(max_size=20), st.lists(st.integers(), max_size=2))
_rows = st.lists(st.dictionaries(_fields, _values, max_size=5).map(json.dumps), max_size=4)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.one_of(st.binary(max_size=200), _rows.map("\n".join).map(str.encode),
                         st.text(max_size=200).map(str.encode)),
       suffix=st.sampled_from([".jsonl", ".csv", ".txt"]))
def test_any_jobs_file_is_read_or_refused_in_one_line(tmp_path, content, suffix):
    """Whatever a jobs file holds, reading it ends in rows, bad rows with a line number and a
    one-line reason, or one InputError: never another exception."""
    path = tmp_path / f"jobs{suffix}"
    path.write_bytes(content)
    try:
        rows, bad = read_jobs(str(path))
    except InputError as exc:
        assert exc.message.strip()
        return
    for row in bad:
        assert row.line >= 1 and row.error and "\n" not in row.error
    assert all(row.name and "/" not in row.name for row in rows)


def test_a_row_follows_its_workflow_with_its_takes(tmp_path):
    shots = shots_file(tmp_path, "s", "a harbour at night")
    path = jobs_file(tmp_path, [
        {"name": "boards", "shots": "s.json", "workflow": "storyboard", "takes": 2},
        {"name": "nope", "shots": "s.json", "workflow": "fastest"},
    ])
    result = batch(str(path), "--out", str(tmp_path / "out"), "--resolution", "320x180",
                   "--skip-invalid")
    project = tmp_path / "out" / "boards"
    assert (project / "review.html").is_file() and (project / "contact.png").is_file()
    assert len(list((project / "takes" / "images" / "shot_001").iterdir())) == 2
    assert not (project / "final.mp4").exists()  # a storyboard makes no film
    assert "nope: INVALID" in result.output and "no workflow called 'fastest'" in result.output
    assert shots.is_file()
