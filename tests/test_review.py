"""The review page and the contact sheet: every shot with its takes side by side, the chosen
one marked, the exact `film choose` commands, media that are there (or inside the page with
--embed), nothing from the network, everything escaped; a contact sheet of the chosen stills;
the page in a real browser."""

from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops, ImageStat

from film.build import review as review_module
from film.build.contact import layout
from film.build.review import phrases, usd, write_review
from film.cli import cli
from film.config import Settings, get_settings
from film.fsutil import shell_path
from film.project import Project
from film.schema import ShotList

from shotlists import make_shots

SCRIPT = "<script>alert('x')</script>"
KEYS = ["OPENROUTER_API_KEY", "FAL_KEY", "REPLICATE_API_TOKEN", "OPENAI_API_KEY",
        "FILM_IMAGE_PROVIDER", "FILM_VIDEO_PROVIDER", "FILM_TTS_PROVIDER"]


# ---- a small DOM from html.parser ------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node] = []
        self.parts: list[Node | str] = []  # text and children, in order

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        found = []
        for child in self.children:
            if (tag is None or child.tag == tag) and (cls is None or cls in child.classes):
                found.append(child)
            found += child.all(tag, cls)
        return found

    def one(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.all(tag, cls)
        assert len(found) == 1, (tag, cls, len(found))
        return found[0]

    def by_id(self, ident: str) -> Node:
        return next(n for n in self.all() if n.attrs.get("id") == ident)

    def content(self) -> str:
        return "".join(p if isinstance(p, str) else p.content() for p in self.parts)


class Tree(HTMLParser):
    VOID = frozenset({"meta", "img", "br", "source", "link", "input", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.node = Node("#root", {}, None)
        self.feed(html)

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        node = Node(tag, dict(attrs), self.node)
        self.node.children.append(node)
        self.node.parts.append(node)
        if tag not in self.VOID:
            self.node = node

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        node = self.node
        while node.parent is not None and node.tag != tag:
            node = node.parent
        assert node.tag == tag, f"</{tag}> closes nothing"
        self.node = node.parent or self.root

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.node.parts.append(data)


def page(root: Path) -> Node:
    return Tree((root / "review.html").read_text(encoding="utf-8")).root


def take_cards(doc: Node, shot_id: str, kind: str) -> list[Node]:
    return doc.by_id(f"shot-{shot_id}").one("div", kind).all("figure", "take")


# ---- a tiny offline film, made once ----------------------------------------------------------


def shot_list() -> ShotList:
    shots = make_shots(3, duration=0.6, lines={0: "The lamp has gone dark."})
    shots.shots[1].enhanced_prompt = f"a keeper {SCRIPT} & a lamp"
    shots.shots[2].dialogue, shots.shots[2].speaker = "Light it <now>.", "Keeper"
    shots.title = "Lamp <b>night</b>"
    return shots


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    """A project of three 0.6 s shots at 320x180, two takes of each still."""
    with pytest.MonkeyPatch.context() as mp:
        for var in KEYS:
            mp.delenv(var, raising=False)
        mp.setenv("FILM_HOME", str(tmp_path_factory.mktemp("film-home")))
        mp.setitem(Settings.model_config, "env_file", None)
        get_settings.cache_clear()
        folder = tmp_path_factory.mktemp("review")
        shots = folder / "shots.json"
        shots.write_text(shot_list().to_json(), encoding="utf-8")
        root = folder / "my film"
        result = CliRunner().invoke(cli, [
            "run", "--shots", str(shots), "-p", str(root), "--takes", "2", "--resolution",
            "320x180", "--image-provider", "offline", "--video-provider", "offline",
            "--tts-provider", "offline", "-q"])
        assert result.exit_code == 0, result.output
        get_settings.cache_clear()
    return root


@pytest.fixture
def project(made, tmp_path) -> Path:
    """A copy of the made project this test may change."""
    root = tmp_path / "my film"
    shutil.copytree(made, root)
    return root


def review(root: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["review", "-p", str(root), *args])
    assert result.exit_code == 0, result.output
    assert "review page:" in result.output and "contact sheet:" in result.output


# ---- the page --------------------------------------------------------------------------------


def test_each_shot_shows_its_takes_side_by_side_with_the_chosen_one_marked(project):
    review(project)
    doc = page(project)
    manifest = json.loads((project / "manifest.json").read_text())
    assert [a.attrs["data-shot"] for a in doc.all("article", "shot")] == [
        "shot_001", "shot_002", "shot_003"]
    for shot_id in ("shot_001", "shot_002", "shot_003"):
        stills = take_cards(doc, shot_id, "stills")
        assert [c.attrs["data-take"] for c in stills] == ["1", "2"]
        chosen = [c for c in stills if "chosen" in c.classes]
        assert len(chosen) == 1
        assert chosen[0].attrs["data-take"] == str(manifest["takes"][f"images/{shot_id}"]["chosen"])
        assert "chosen" in chosen[0].one("span", "mark").content()
        clips = take_cards(doc, shot_id, "clips")
        assert len(clips) == 1 and "chosen" in clips[0].classes
        assert clips[0].one("video").attrs["src"] == f"takes/video/{shot_id}/1.mp4"
        for card in stills + clips:
            caption = card.one("figcaption").content()
            assert f"Take {card.attrs['data-take']}" in caption
            assert "offline" in caption and "$0" in caption


def test_each_take_has_its_exact_film_choose_command(project):
    review(project)
    doc = page(project)
    where = shell_path(project)
    assert where == f"'{project}'"  # the folder's name has a space: quoted
    for shot_id in ("shot_001", "shot_002", "shot_003"):
        for kind, tail in (("stills", ""), ("clips", " --stage video")):
            for card in take_cards(doc, shot_id, kind):
                number = card.attrs["data-take"]
                expected = f"film choose -p {where} --shot {shot_id} --take {number}{tail}"
                assert card.one("button", "copy").attrs["data-copy"] == expected
                assert " ".join(card.one("div", "cmd").one("code").content().split()) == \
                    expected
    refs = {a.attrs["data-ref"]: a for a in doc.all("article", "ref")}
    assert set(refs) == {"character:keeper", "location:coast"}
    assert refs["character:keeper"].one("button", "copy").attrs["data-copy"] == \
        f"film choose -p {where} --character keeper --take 1"
    assert refs["location:coast"].one("button", "copy").attrs["data-copy"] == \
        f"film choose -p {where} --location coast --take 1"


def test_the_page_shows_the_film_the_lines_and_the_shots_facts(project):
    review(project)
    doc = page(project)
    film = doc.by_id("film").one("video")
    assert film.attrs["src"] == "final.mp4"
    assert doc.one("h1").content() == "Lamp <b>night</b>"  # escaped: text, not markup
    narration = doc.by_id("shot-shot_001").one("blockquote")
    assert "The lamp has gone dark." in narration.content() and "narration" in \
        narration.content()
    dialogue = doc.by_id("shot-shot_003").one("blockquote")
    assert "Keeper" in dialogue.content() and "Light it <now>." in dialogue.content()
    assert doc.by_id("shot-shot_003").one("audio").attrs["src"] == "audio/shot_003.wav"
    facts = doc.by_id("shot-shot_002").one("header").content()
    assert "medium" in facts and "0.6 s" in facts and "done" in facts


def test_media_are_linked_by_relative_paths_that_exist_and_nothing_comes_from_the_network(
        project):
    review(project)
    html = (project / "review.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "//" + "cdn" not in html
    doc = Tree(html).root
    links = [n.attrs[a] for n in doc.all() for a in ("src", "href") if n.attrs.get(a)]
    files = [link for link in links if not link.startswith("#")]
    assert len(files) >= 3 * 2 + 3 + 2 + 1  # stills, clips, references, the film
    for link in files:
        assert ":" not in link and not link.startswith("/"), link
        assert (project / unquote(link)).is_file(), link
    assert not doc.all("link") and not any(n.attrs.get("src") for n in doc.all("script"))


def test_a_script_in_a_prompt_is_shown_as_text(project):
    review(project)
    html = (project / "review.html").read_text(encoding="utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; a lamp" in html
    doc = Tree(html).root
    assert len(doc.all("script")) == 1  # the page's own
    assert SCRIPT in doc.by_id("shot-shot_002").one("dd", "prompt").content()


def test_embed_puts_every_medium_inside_the_page(project, settings, monkeypatch):
    review(project, "--embed")
    doc = page(project)
    sources = [n.attrs["src"] for n in doc.all() if n.attrs.get("src")]
    assert sources and all(src.startswith("data:") for src in sources)
    assert {src.split(";")[0] for src in sources} == {
        "data:image/jpeg", "data:video/mp4", "data:audio/wav"}
    hrefs = [n.attrs["href"] for n in doc.all("a") if n.attrs.get("href")]
    assert all(href.startswith("#") for href in hrefs)
    assert len(take_cards(doc, "shot_001", "stills")) == 2
    assert doc.by_id("film").one("video").attrs["src"].startswith("data:video/mp4;base64,")

    # a clip too large to embed is left out, and the page says so (no dangling path)
    monkeypatch.setattr(review_module, "EMBED_MAX_BYTES", 1000)
    write_review(Project.at(project), settings, embed=True)
    doc = page(project)
    assert not doc.all("video") and not doc.all("audio")
    assert "too large to embed" in take_cards(doc, "shot_001", "clips")[0].content()
    assert all(n.attrs["src"].startswith("data:image/jpeg") for n in doc.all() if
               n.attrs.get("src"))


def test_after_film_choose_the_page_marks_the_new_take(project):
    chose = CliRunner().invoke(cli, ["choose", "-p", str(project), "--shot", "shot_002",
                                     "--take", "2", "--json"])
    assert chose.exit_code == 0, chose.output
    review(project)
    stills = take_cards(page(project), "shot_002", "stills")
    assert [c.attrs["data-take"] for c in stills if "chosen" in c.classes] == ["2"]
    assert "aside" in stills[0].classes and "set aside" in stills[0].content()
    assert "chosen by you" in stills[1].one("figcaption").content()


# ---- the contact sheet -----------------------------------------------------------------------


def test_the_contact_sheet_has_a_cell_per_shot_with_its_chosen_still(project, settings):
    CliRunner().invoke(cli, ["choose", "-p", str(project), "--shot", "shot_003", "--take", "2",
                             "--no-run"])
    html, contact = write_review(Project.at(project), settings)
    assert html == project / "review.html" and contact == project / "contact.png"
    size, origins, cols = layout(3, "16:9")
    assert cols == 3
    with Image.open(contact) as image:
        sheet = image.convert("RGB")
    assert sheet.size == size
    for shot_id, (x, y), take in zip(("shot_001", "shot_002", "shot_003"), origins,
                                     (1, 1, 2), strict=True):
        cell = sheet.crop((x, y, x + 256, y + 144))
        still = Image.open(project / "takes/images" / shot_id / f"{take}.png").convert("RGB")
        other = Image.open(project / "takes/images" / shot_id / f"{3 - take}.png").convert("RGB")
        assert _difference(cell, still.resize((256, 144), Image.Resampling.LANCZOS)) < 0.5
        assert _difference(cell, other.resize((256, 144), Image.Resampling.LANCZOS)) > 1
        frame = sheet.getpixel((x - 2, y + 70))
        if shot_id == "shot_003":  # chosen, not yet in place: the next run puts it there
            assert frame[0] > 200 and frame[2] < 80, frame  # an amber frame: stale
        else:
            assert frame[1] > 120 and frame[0] < 100, frame  # a green frame: done
    # --contact-only leaves the page alone
    (project / "review.html").unlink()
    result = CliRunner().invoke(cli, ["review", "-p", str(project), "--contact-only", "--json"])
    assert result.exit_code == 0 and not (project / "review.html").exists()
    assert json.loads(result.stdout)["contact"] == str(project / "contact.png")


def _difference(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b.resize(a.size))).mean) / 3


# ---- scenes, a project with nothing made, errors --------------------------------------------


def test_shots_are_grouped_by_scene_and_a_project_with_nothing_made_still_has_a_page(tmp_path):
    shots = make_shots(3, duration=0.6)
    for shot, scene in zip(shots.shots, ("s01", "s01", "s02"), strict=True):
        shot.scene_id = scene
    (tmp_path / "shots.json").write_text(shots.to_json())
    review(tmp_path)
    doc = page(tmp_path)
    scenes = doc.all("section", "scene")
    assert [s.attrs["data-scene"] for s in scenes] == ["s01", "s02"]
    assert [a.attrs["data-shot"] for a in scenes[0].all("article")] == ["shot_001", "shot_002"]
    assert "no still yet" in doc.by_id("shot-shot_001").content()
    assert "missing" in doc.by_id("shot-shot_001").one("header").content()

    outline = {"scenes": [{"scene_id": "s01", "location": "coast", "time": "night",
                           "characters": ["keeper"], "beat": "The lamp goes out."},
                          {"scene_id": "s02", "location": "coast", "characters": ["keeper"],
                           "beat": "She climbs."}]}
    (tmp_path / "story").mkdir()
    (tmp_path / "story" / "outline.json").write_text(json.dumps(outline))
    review(tmp_path)
    scenes = page(tmp_path).all("section", "scene")
    assert scenes[0].one("h2").content() == "Scene s01 · INT. COAST - NIGHT"
    assert scenes[1].one("p", "beat").content() == "She climbs."


def test_no_project_is_a_one_line_error(tmp_path):
    for where, message in ((tmp_path / "nothing", "no project folder"),
                           (tmp_path, "no shots.json")):
        result = CliRunner().invoke(cli, ["review", "-p", str(where)])
        assert result.exit_code == 2, result.output
        assert message in result.output and "Traceback" not in result.output
        assert result.output.count("error:") == 1


def test_small_helpers():
    assert usd(0) == "$0" and usd(0.003) == "$0.003" and usd(0.25) == "$0.25"
    assert usd(1.5) == "$1.50"
    assert phrases("film choose -p 'my -p film' --shot s1 --take 2 --stage video") == [
        "film choose", "-p 'my", "-p film'", "--shot s1", "--take 2", "--stage video"]


# ---- in a real browser -----------------------------------------------------------------------


def _chromium() -> str | None:
    return next((found for name in ("chromium", "chromium-browser", "google-chrome")
                 if (found := shutil.which(name))), None)


def test_the_page_renders_in_a_headless_browser(project, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("no chromium on this machine (Debian: apt-get install chromium; .ci/run "
                    "installs it)")
    review(project)
    shot = tmp_path / "screenshot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
                    f"--screenshot={shot}", "--window-size=1280,1600",
                    (project / "review.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    with Image.open(shot) as image:
        picture = image.convert("RGB")
    assert picture.size == (1280, 1600)
    colours = picture.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 500  # stills drawn, not a blank page
    assert picture.getpixel((640, 20)) == (28, 31, 36)  # the title bar
    greens = sum(count for count, (r, g, b) in colours if (r, g, b) == (31, 157, 85))
    assert greens > 500  # the chosen takes' frames and badges
