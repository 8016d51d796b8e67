"""Consistent characters and places: a sheet per character and a plate per location, made
once, used by every shot that needs them; composite shots that keep two characters apart;
the same offline figure in every kind of shot; `film regen --character/--location`."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner
from PIL import Image, ImageChops

from film.cli import cli
from film.offline.composite import drawn_person, render_shot
from film.offline.identity import KEY_GREEN, cast_appearances, cut_out
from film.providers.contract import ImageRequest, Reference
from film.schema import Shot

PIER = {"landscapes": ["pier", "harbour"], "location": "pier", "mood": "calm",
        "time_of_day": "day"}


def shot(n: int, kind: str, who: list[str], prompt: str, **over) -> dict:
    return {"shot_id": f"s{n}", "shot_number": n, "shot_type": kind, "enhanced_prompt": prompt,
            "duration": 1, "characters": who, **PIER, **over}


SHOTS = [
    shot(1, "wide", ["Mara", "Tom"], "Mara and Tom on the pier"),
    shot(2, "close-up", ["Mara"], "Mara looks out to sea"),
    shot(3, "medium", ["Tom"], "Tom waits by the rail"),
    shot(4, "two-shot", ["Mara", "Tom"], "Mara and Tom talk"),
    shot(5, "medium", ["Mara"], "Mara crosses the market", landscapes=["market"],
         location="market"),
]
BIBLE = {
    "plot": {"title": "Two", "log_line": "Two people on a pier."},
    "characters": [{"name": "Mara", "visual": "a woman in a red coat with dark hair"},
                   {"name": "Tom", "visual": "a man in a blue coat with ginger hair"}],
    "locations": [{"name": "Pier", "id": "pier", "interior": False,
                   "visual": "a wooden pier over grey water"},
                  {"name": "Market", "id": "market", "interior": False,
                   "visual": "a street market with awnings"}],
}


def write_project(tmp_path: Path, bible: dict | None = BIBLE) -> tuple[Path, Path]:
    shots = tmp_path / "shots.json"
    shots.write_text(json.dumps({"title": "Two", "description": "two people",
                                 "aspect_ratio": "16:9", "shots": SHOTS}))
    project = tmp_path / "film"
    if bible is not None:
        (project / "story").mkdir(parents=True)
        (project / "story" / "bible.json").write_text(json.dumps(bible))
    return shots, project


def run(*args: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(cli, [*args, "--json"])
    events = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert result.exit_code == 0, result.output
    return result.exit_code, events


def made(events: list[dict]) -> set[tuple[str, str]]:
    """(stage, key) of every artifact a run made (not the ones it found current)."""
    return {(e["stage"], e.get("shot_id") or "film") for e in events
            if e["event"] == "artifact_done" and not e["cached"]}


def film_run(shots: Path, project: Path, *extra: str) -> list[dict]:
    """`film images` (which makes the references first) with the composite provider."""
    return run("images", str(shots), "-p", str(project), "--resolution", "320x180",
               "--provider", "composite", *extra)[1]


def manifest(project: Path) -> dict:
    return json.loads((project / "manifest.json").read_text())


# ---- made once, used by each shot ----------------------------------------------------------


def test_each_character_and_place_gets_one_reference_and_each_shot_records_its_own(tmp_path):
    shots, project = write_project(tmp_path)
    events = film_run(shots, project)
    assert {k for s, k in made(events) if s == "sheets"} == {"mara", "tom"}
    assert {k for s, k in made(events) if s == "plates"} == {"pier", "market"}
    sheet = Image.open(project / "references" / "characters" / "mara.png")
    assert sheet.size == (1536, 1024) and sheet.getpixel((3, 3))[:3] == KEY_GREEN
    used = {path: entry["meta"]["references"]
            for path, entry in manifest(project)["artifacts"].items()
            if path.startswith("images/")}
    assert used == {
        "images/s1.png": ["character:mara", "character:tom", "location:pier"],
        "images/s2.png": ["character:mara", "location:pier"],
        "images/s3.png": ["character:tom", "location:pier"],
        "images/s4.png": ["character:mara", "character:tom", "location:pier"],
        "images/s5.png": ["character:mara", "location:market"],
    }
    assert made(film_run(shots, project)) == set()  # nothing is made twice

    status = json.loads(CliRunner().invoke(cli, ["status", "-p", str(project), "--json"]).stdout)
    rows = {(r["kind"], r["key"]): (r["state"], r["shots"]) for r in status["references"]}
    assert rows[("character", "tom")] == ("done", ["s1", "s3", "s4"])
    assert rows[("location", "market")] == ("done", ["s5"])


def test_editing_one_characters_look_redoes_its_sheet_and_its_shots_only(tmp_path):
    shots, project = write_project(tmp_path)
    film_run(shots, project)
    bible = json.loads((project / "story" / "bible.json").read_text())
    bible["characters"][1]["visual"] = "a man in a green coat with ginger hair"
    (project / "story" / "bible.json").write_text(json.dumps(bible))
    status = json.loads(CliRunner().invoke(cli, ["status", "-p", str(project), "--json"]).stdout)
    assert {r["key"] for r in status["references"] if r["state"] == "stale"} == {"tom"}
    assert made(film_run(shots, project)) == {
        ("sheets", "tom"), ("images", "s1"), ("images", "s3"), ("images", "s4")}


def test_a_shot_list_without_a_bible_casts_the_names_in_its_shots(tmp_path):
    shots, project = write_project(tmp_path, bible=None)
    events = film_run(shots, project)
    assert {k for s, k in made(events) if s == "sheets"} == {"mara", "tom"}
    assert {k for s, k in made(events) if s == "plates"} == {"pier", "market"}


def test_regen_character_remakes_its_sheet_and_every_shot_it_is_in(tmp_path):
    shots, project = write_project(tmp_path)
    run("run", "--shots", str(shots), "-p", str(project), "--resolution", "320x180",
        "--image-provider", "composite", "--video-provider", "offline")
    _, events = run("regen", "-p", str(project), "--character", "tom",
                    "--video-provider", "offline")
    redone = made(events)
    assert {(s, k) for s, k in redone if s in ("sheets", "plates", "images")} == {
        ("sheets", "tom"), ("images", "s1"), ("images", "s3"), ("images", "s4")}
    assert ("video", "s2") not in redone and ("compose", "film") in redone
    takes = manifest(project)["takes"]["sheets/tom"]
    assert takes["chosen"] == 2 and takes["takes"]["2"]["variant"] == 1  # a new take
    assert (project / "takes" / "sheets" / "tom" / "1.png").is_file()  # the old one is kept

    _, events = run("regen", "-p", str(project), "--location", "Market",
                    "--video-provider", "offline")
    assert {(s, k) for s, k in made(events) if s in ("plates", "images")} == {
        ("plates", "market"), ("images", "s5")}


def test_regen_an_unknown_character_names_the_cast(tmp_path):
    shots, project = write_project(tmp_path)
    film_run(shots, project)
    result = CliRunner().invoke(cli, ["regen", "-p", str(project), "--character", "Ada"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "no character called 'Ada'" in result.output and "Mara, Tom" in result.output


# ---- what a viewer sees ----------------------------------------------------------------------


def _refs() -> tuple[Reference, Reference, Reference]:
    mara, tom = cast_appearances([("Mara", "a red coat", ""), ("Tom", "a blue coat", "")])
    place = Reference(kind="location", key="pier", name="pier", path=Path("-"),
                      visual="a wooden pier", look={"words": "pier harbour", "time": "day",
                                                    "interior": False})
    return (Reference(kind="character", key="mara", name="Mara", path=Path("-"),
                      look=vars(mara)),
            Reference(kind="character", key="tom", name="Tom", path=Path("-"), look=vars(tom)),
            place)


def _frame(kind: str, people: list[Reference], place: Reference) -> Image.Image:
    names = [p.name for p in people]
    request = ImageRequest(
        shot=Shot(shot_id="s1", shot_number=1, shot_type=kind, duration=1, characters=names,
                  enhanced_prompt="on the pier", landscapes=["pier"], mood="calm",
                  time_of_day="day"),
        width=480, height=270, seed=7, references=[*people, place])
    return render_shot(request, people=drawn_person, captions=False, rng=random.Random(7))


def _figure_mask(kind: str, people: list[Reference], place: Reference) -> Image.Image:
    """Where the figures are: the frame differs from the same frame with nobody in it."""
    empty, full = _frame(kind, [], place), _frame(kind, people, place)
    diff = ImageChops.difference(full, empty).convert("L")
    return diff.point(lambda v: 255 if v > 24 else 0)


def _dominant(image: Image.Image, mask: Image.Image) -> tuple[int, int, int]:
    """The most common colour (to 16 levels a channel) under the mask."""
    counts: dict[tuple[int, int, int], int] = {}
    pixels, where = image.load(), mask.load()
    for y in range(image.height):
        for x in range(image.width):
            if where[x, y]:
                c = tuple(v // 16 * 16 + 8 for v in pixels[x, y])
                counts[c] = counts.get(c, 0) + 1
    return max(counts, key=counts.get)


def _distance(a, b) -> float:
    return sum((x - y) ** 2 for x, y in zip(a, b, strict=True)) ** 0.5


def _share(image: Image.Image, mask: Image.Image, colour) -> float:
    """The part of the masked pixels within a small distance of `colour`."""
    pixels, where = image.load(), mask.load()
    inside = near = 0
    for y in range(image.height):
        for x in range(image.width):
            if where[x, y]:
                inside += 1
                near += _distance(pixels[x, y], colour) < 40
    return near / max(inside, 1)


def test_the_offline_figure_is_the_same_person_in_every_kind_of_shot():
    mara, tom, place = _refs()
    coats = {p.key: _dominant(_frame("wide", [p], place), _figure_mask("wide", [p], place))
             for p in (mara, tom)}  # in a wide shot the coat is most of the figure
    assert _distance(coats["mara"], coats["tom"]) > 100
    for kind in ("wide", "medium", "close-up"):
        for person, other in ((mara, tom), (tom, mara)):
            frame, mask = _frame(kind, [person], place), _figure_mask(kind, [person], place)
            assert _share(frame, mask, coats[person.key]) > 0.10, (kind, person.key)
            assert _share(frame, mask, coats[other.key]) < 0.02, (kind, person.key)


def test_a_two_shot_puts_two_characters_apart():
    mara, tom, place = _refs()
    for kind in ("two-shot", "wide"):
        mask = _figure_mask(kind, [mara, tom], place)
        columns = [any(mask.getpixel((x, y)) for y in range(mask.height))
                   for x in range(mask.width)]
        runs, inside = [], False  # the stretches of columns a figure covers
        for x, filled in enumerate(columns):
            if filled and not inside:
                runs.append([x, x])
            if filled:
                runs[-1][1] = x
            inside = filled
        assert len(runs) == 2, f"{kind}: {runs}"  # two figures, with floor between them
        frame = _frame(kind, [mara, tom], place)
        left, right = (mask.crop((a, 0, b + 1, mask.height)) for a, b in runs)
        left_colour = _dominant(frame.crop((runs[0][0], 0, runs[0][1] + 1, frame.height)), left)
        right_colour = _dominant(frame.crop((runs[1][0], 0, runs[1][1] + 1, frame.height)),
                                 right)
        assert _distance(left_colour, right_colour) > 100  # one red coat, one blue


def test_a_sheet_cuts_out_to_the_figure_it_shows():
    mara, _, _ = _refs()
    from film.offline.identity import Appearance, render_sheet

    sheet = render_sheet(Appearance(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in mara.look.items()}), "Mara", 768, 512)
    front = cut_out(sheet, "front")
    alpha = front.getchannel("A")
    assert alpha.getbbox() is not None
    assert front.height > sheet.height * 0.6 and front.width < sheet.width / 3  # one view
    solid = alpha.point(lambda v: 255 if v == 255 else 0)
    filled = alpha.histogram()[255] / (front.width * front.height)
    assert 0.3 < filled < 0.95  # cropped to the figure, and the figure is not a box
    assert _share(front.convert("RGB"), solid, KEY_GREEN) == 0  # no green left on the figure


def test_estimate_prices_a_sheet_per_character_and_a_plate_per_place(tmp_path):
    shots, _ = write_project(tmp_path, bible=None)
    result = CliRunner().invoke(cli, ["estimate", str(shots), "--image-provider", "composite",
                                      "--reference-provider", "fal",
                                      "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["stage"]: row for row in json.loads(result.stdout)["stages"]}
    assert (rows["sheets"]["items"], rows["plates"]["items"], rows["images"]["items"]) == (2, 2, 5)
    assert rows["sheets"]["cost_usd"] > 0 and rows["plates"]["cost_usd"] > 0
    assert rows["images"]["cost_usd"] == 0  # composited here from the paid references

    plain = CliRunner().invoke(cli, ["estimate", str(shots), "--image-provider", "fal", "--json"])
    stages = {row["stage"]: row["items"] for row in json.loads(plain.stdout)["stages"]}
    assert stages["sheets"] == stages["plates"] == 0  # a model that takes no references


# ---- a remote model that takes reference images ----------------------------------------------

KONTEXT_MULTI = "fal-ai/flux-pro/kontext/multi"


def _remote_fal(server, monkeypatch):
    """fal on 127.0.0.1: storage upload, FLUX schnell (draws the references: a different
    colour each time) and FLUX Kontext multi (makes the stills from them)."""
    import itertools

    from film.config import get_settings

    from fakes.remote import image_bytes
    from fakes.vendors import fal_queue, fal_storage

    fal_storage(server)
    colours = itertools.count(1)

    def drawn():
        n = next(colours)
        server.route("GET", f"/files/ref-{n}", lambda _s: (
            200, {"Content-Type": "image/png"},
            image_bytes(size=(320, 180), color=(n * 37 % 256, n * 91 % 256, 90))))
        return {"images": [{"url": f"{server.url}/files/ref-{n}"}]}

    fal_queue(server, "fal-ai/flux/schnell", drawn, b"", "image/png", request_ids="s")
    fal_queue(server, KONTEXT_MULTI, lambda: {"images": [{"url": f"{server.url}/files/out"}]},
              image_bytes(size=(320, 180)), "image/png", request_ids="k")
    monkeypatch.setenv("FAL_KEY", "fal-key-refs:secret")
    monkeypatch.setenv("FAL_QUEUE_URL", server.url)
    monkeypatch.setenv("FAL_REST_URL", server.url)
    get_settings.cache_clear()


def test_remote_shots_carry_exactly_their_references_made_once(tmp_path, monkeypatch):
    import hashlib

    from fakes.remote import FakeServer

    shots, project = write_project(tmp_path)
    with FakeServer() as server:
        _remote_fal(server, monkeypatch)
        args = ["images", str(shots), "-p", str(project), "--resolution", "320x180",
                "--provider", "fal:flux-kontext-multi", "--json"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        posts = [s for s in server.seen if s.method == "POST"]
        drawn = [s for s in posts if s.path == "/fal-ai/flux/schnell"]
        assert len(drawn) == 4  # two sheets and two plates: once each, not per shot
        prompts = sorted(json.loads(s.body)["prompt"].split(":")[0] for s in drawn)
        assert prompts == ["Character reference sheet of Mara", "Character reference sheet of "
                           "Tom", "Establishing plate of Market", "Establishing plate of Pier"]

        # which uploaded file is which reference: by content
        uploads = {}
        for seen in server.seen:
            if seen.method == "PUT" and seen.path.startswith("/signed/"):
                n = seen.path.split("/")[2]
                uploads[f"{server.url}/files/upload-{n}.png"] = hashlib.sha256(
                    seen.body).hexdigest()
        refs = {hashlib.sha256(p.read_bytes()).hexdigest(): f"{kind}:{p.stem}"
                for kind, folder in (("character", "characters"), ("location", "locations"))
                for p in (project / "references" / folder).glob("*.png")}
        stills = [json.loads(s.body) for s in posts if s.path == f"/{KONTEXT_MULTI}"]
        sent = {}
        for body in stills:
            who = [refs[uploads[url]] for url in body["image_urls"]]
            sent[tuple(who)] = body["prompt"]
        assert set(sent) == {("character:mara", "character:tom", "location:pier"),
                             ("character:mara", "location:pier"),
                             ("character:tom", "location:pier"),
                             ("character:mara", "location:market")}
        note = sent[("character:mara", "location:market")]
        assert "image 1 shows Mara" in note and "image 2 shows Market" in note
        assert "Mara: a woman in a red coat" in note  # her look, in the same words

        again = CliRunner().invoke(cli, args)
        assert again.exit_code == 0
        assert len([s for s in server.seen if s.method == "POST"]) == len(posts)  # 0 calls


def test_a_clip_model_with_elements_gets_the_characters_sheets_named_in_its_prompt(tmp_path):
    from film.providers.catalogue import find_model
    from film.providers.contract import VideoRequest
    from film.providers.inputs import chosen_references, video_arguments

    mara, tom, place = _refs()
    shot = Shot(shot_id="s1", shot_number=1, shot_type="two-shot", duration=5,
                characters=["Mara", "Tom"], enhanced_prompt="Mara and Tom talk")
    request = VideoRequest(shot=shot, image_path=tmp_path / "s1.png", duration=5, width=1280,
                           height=720, references=[mara, tom, place])
    model = find_model("fal", "video", "kling-3-pro")
    chosen = chosen_references(model, request.references)
    assert [r.key for r in chosen] == ["mara", "tom"]  # the start frame shows the place
    args = video_arguments(model, request, "https://s/still.png", ["https://r/m", "https://r/t"])
    assert args["elements"] == [
        {"frontal_image_url": "https://r/m", "reference_image_urls": ["https://r/m"]},
        {"frontal_image_url": "https://r/t", "reference_image_urls": ["https://r/t"]}]
    assert "@Element1 is Mara; @Element2 is Tom." in args["prompt"]
    assert args["start_image_url"] == "https://s/still.png"
