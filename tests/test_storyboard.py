"""The offline storyboard renderer: sizes, determinism, composition, caption, text helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from film.config import Settings
from film.offline.providers import StoryboardImageProvider
from film.offline.storyboard import cast, read_look, render_storyboard_frame
from film.offline.storyboard_overlays import bars, clean_text, excerpt, font, wrap
from film.offline.storyboard_text import length
from film.providers.contract import ImageRequest, JobContext
from film.providers.registry import get_provider
from film.schema import Shot

# shared/fixtures/reference_shot.json (copied: CI clones only the repository)
REFERENCE_SHOT = {
    "shot_id": "shot_001", "shot_number": 1, "shot_type": "wide",
    "enhanced_prompt": (
        "8K cinematic establishing shot, dimly lit detective office interior, film noir "
        "style, venetian blinds casting dramatic shadows across worn wooden desk and "
        "filing cabinets, rain-streaked window with neon signs visible outside, warm "
        "amber desk lamp providing sole light source, cigarette smoke atmosphere, "
        "professional color grading with high contrast, shallow depth of field, "
        "photorealistic, film grain"
    ),
    "negative_prompt": "cartoon, anime, low quality, bright lighting, cheerful, modern, clean",
    "duration": 5, "dialogue": None, "characters": ["detective"],
    "landscapes": ["office", "interior", "urban"],
    "styles": ["film noir", "cinematic", "dramatic"], "mood": "tense", "time_of_day": "night",
}


def make_shot(**changes: object) -> Shot:
    data = dict(REFERENCE_SHOT)
    data.update(changes)
    return Shot(**data)


def day_shot(shot_type: str, **changes: object) -> Shot:
    base = {"shot_id": f"day_{shot_type}", "shot_type": shot_type,
            "enhanced_prompt": "A hiker crosses a sunny meadow", "characters": ["hiker"],
            "landscapes": ["meadow"], "styles": [], "mood": "calm", "time_of_day": "noon"}
    base.update(changes)
    return make_shot(**base)


def request(shot: Shot, width: int = 480, height: int = 270, seed: int = 7) -> ImageRequest:
    return ImageRequest(shot=shot, width=width, height=height, seed=seed, title="The Long Rain",
                        index=shot.shot_number - 1, total=8)


def luma(img: Image.Image, box: tuple[int, int, int, int] | None = None) -> Image.Image:
    return (img.crop(box) if box else img).convert("L")


def dark_fraction(img: Image.Image, threshold: int = 70) -> float:
    """Share of pixels darker than `threshold` in the picture (between header and caption)."""
    top, bottom = bars(*img.size)
    area = luma(img, (0, top + 2, img.width, img.height - bottom - 2))
    hist = area.histogram()
    return sum(hist[:threshold]) / (area.width * area.height)


def figure_fraction(shot: Shot) -> float:
    """Share of the picture the shot's people cover: the frame against the same frame with
    nobody in it (same plate, same grain)."""
    with_people = render_storyboard_frame(request(shot))
    empty = render_storyboard_frame(request(shot.model_copy(update={"characters": []})))
    top, bottom = bars(*with_people.size)
    box = (0, top + 2, with_people.width, with_people.height - bottom - 2)
    diff = ImageChops.difference(luma(with_people, box), luma(empty, box))
    changed = sum(diff.point(lambda v: 255 if v > 12 else 0).histogram()[255:])
    return changed / (diff.width * diff.height)


def mean_abs_diff(a: Image.Image, b: Image.Image) -> float:
    return sum(ImageStat.Stat(ImageChops.difference(a, b)).mean) / 3


@pytest.mark.parametrize("size", [(640, 360), (360, 640), (512, 512), (320, 180)])
def test_frame_has_the_requested_size(size: tuple[int, int]) -> None:
    img = render_storyboard_frame(request(make_shot(), *size))
    assert img.size == size
    assert img.mode == "RGB"
    # not a flat placeholder: real tonal range in the picture
    lo, hi = luma(img).getextrema()
    assert hi - lo > 120


async def test_provider_writes_identical_png_twice(tmp_path: Path) -> None:
    provider = get_provider("image", "offline", Settings(_env_file=None))
    assert isinstance(provider, StoryboardImageProvider)
    assert provider.remote is False
    ctx = JobContext(client=None, settings=Settings(_env_file=None))
    req = request(make_shot(), 320, 180)
    first, second = tmp_path / "a.png", tmp_path / "b.png"
    result = await provider.generate(req, first, ctx)
    await provider.generate(req, second, ctx)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(first) as img:
        assert img.size == (320, 180)
    assert result.cost_usd == 0 and result.meta["move"]


def test_a_different_seed_changes_only_details() -> None:
    shot = make_shot(shot_type="establishing", landscapes=["city", "street"])
    a = render_storyboard_frame(request(shot, seed=1))
    b = render_storyboard_frame(request(shot, seed=2))
    assert a.tobytes() != b.tobytes()


def test_different_shots_differ_visibly() -> None:
    wide = render_storyboard_frame(request(make_shot()))
    close = render_storyboard_frame(request(make_shot(
        shot_id="shot_003", shot_number=3, shot_type="close-up")))
    insert = render_storyboard_frame(request(make_shot(
        shot_id="shot_004", shot_number=4, shot_type="insert",
        enhanced_prompt="A letter on the desk under the lamp")))
    assert mean_abs_diff(wide, close) > 12
    assert mean_abs_diff(wide, insert) > 12
    assert mean_abs_diff(close, insert) > 12


def test_closer_shots_have_more_figure() -> None:
    fractions = {t: figure_fraction(day_shot(t))
                 for t in ("extreme-wide", "wide", "medium", "close-up")}
    assert fractions["extreme-wide"] < fractions["wide"] < fractions["medium"]
    assert fractions["close-up"] > 5 * fractions["wide"]
    assert fractions["close-up"] > 0.08


def test_cast_follows_the_shot_type() -> None:
    three = ["Ann", "Ben", "Cal"]
    look = read_look(request(day_shot("wide")))
    wide, fg = cast(request(day_shot("wide", characters=three)), look, 1)
    assert [f.name for f in wide] == three and fg is None
    assert all(f.h < 0.3 * 270 for f in wide)
    close, _ = cast(request(day_shot("close-up", characters=three, speaker="Ben")), look, 1)
    assert [f.name for f in close] == ["Ben"] and close[0].h > 3 * 270 and close[0].eyes
    two, _ = cast(request(day_shot("two-shot", characters=["Ann"])), look, 1)
    assert [f.name for f in two] == ["Ann", ""]
    ots, shoulder = cast(request(day_shot("over-the-shoulder", characters=["Ann", "Ben"])),
                         look, -1)
    assert [f.name for f in ots] == ["Ben"] and shoulder is not None and shoulder.name == "Ann"
    assert cast(request(day_shot("insert")), look, 1) == ([], None)
    empty, _ = cast(request(day_shot("establishing", characters=[])), look, 1)
    assert empty == []


def test_bars_are_even_and_proportionate() -> None:
    for size in [(1280, 720), (720, 1280), (1024, 1024), (320, 180), (641, 361)]:
        top, bottom = bars(*size)
        assert top % 2 == 0 and bottom % 2 == 0
        assert 0.03 * size[1] < top < bottom < 0.25 * size[1]


def test_caption_band_is_dark_and_carries_text() -> None:
    img = render_storyboard_frame(request(day_shot("wide"), 640, 360))
    band = luma(img, (0, int(360 * 0.9), 640, 360))
    above = luma(img, (0, int(360 * 0.7), 640, int(360 * 0.75)))
    assert ImageStat.Stat(band).mean[0] < 60 < ImageStat.Stat(above).mean[0]
    assert band.getextrema()[1] > 180  # light text on it
    header = luma(img, (0, int(360 * 0.86), 200, int(360 * 0.92)))
    assert ImageStat.Stat(header).stddev[0] > 20


def test_look_reads_time_mood_setting_and_weather() -> None:
    noir = read_look(request(make_shot()))
    assert (noir.time, noir.interior, noir.rain, noir.blinds) == ("night", True, True, True)
    meadow = read_look(request(day_shot("wide")))
    assert (meadow.time, meadow.interior, meadow.kind) == ("day", False, "field")
    assert not meadow.rain
    city = read_look(request(make_shot(landscapes=["street", "city"], enhanced_prompt="A street")))
    assert (city.interior, city.kind) == (False, "city")
    sunset = read_look(request(day_shot("wide", time_of_day="dusk", landscapes=["beach"])))
    assert (sunset.time, sunset.kind) == ("sunset", "sea")
    assert read_look(request(day_shot("wide", time_of_day=None,
                                      enhanced_prompt="A barn in a field"))).interior is False


def test_palettes_follow_time_and_mood() -> None:
    def mean_rgb(shot: Shot) -> list[float]:
        return ImageStat.Stat(render_storyboard_frame(request(shot, 320, 180))).mean

    day, night = mean_rgb(day_shot("wide")), mean_rgb(day_shot("wide", time_of_day="night"))
    assert sum(day) > 1.6 * sum(night)
    r, g, b = mean_rgb(day_shot("wide", mood="horror", time_of_day="dusk"))
    assert g > r and g > b
    r, g, b = mean_rgb(day_shot("wide", mood="romantic", time_of_day="sunset"))
    assert r > g and r > b


def test_text_helpers() -> None:
    text = excerpt(REFERENCE_SHOT["enhanced_prompt"])
    assert text.startswith("Dimly lit detective office")
    assert "8K" not in text and "photorealistic" not in text and "establishing" not in text
    assert clean_text("Café Noël — Жук \x07 ok") == "Café Noël — Жук ok"  # letters kept
    d = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    f = font(12)
    lines = wrap(d, "word " * 200, f, 150, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(length(d, line, f) <= 150 for line in lines)
    assert wrap(d, "short", f, 150, 2) == ["short"]


@pytest.mark.parametrize("shot_type", ["medium-close-up", "close-up", "medium"])
def test_children_are_framed_like_adults_in_close_shots(shot_type: str) -> None:
    def frame(who: str) -> tuple[float, float]:
        shot = day_shot(shot_type, characters=[who], speaker=who)
        figs, _ = cast(request(shot), read_look(request(shot)), 1)
        return figs[0].top, figure_fraction(shot)

    (girl_top, girl), (woman_top, woman) = frame("girl"), frame("woman")
    assert girl_top < 0.5 * 270  # the head is in the upper half, not at the bottom edge
    assert abs(girl_top - woman_top) < 0.05 * 270
    assert girl > 0.6 * woman and girl > 0.08


def test_children_are_smaller_in_wide_shots() -> None:
    look = read_look(request(day_shot("wide")))
    (girl,), _ = cast(request(day_shot("wide", characters=["girl"])), look, 1)
    (woman,), _ = cast(request(day_shot("wide", characters=["woman"])), look, 1)
    assert girl.h < 0.8 * woman.h
    assert abs((girl.top + girl.h) - (woman.top + woman.h)) < 2  # both stand on the ground
