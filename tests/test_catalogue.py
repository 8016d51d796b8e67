"""The media model catalogue: every entry is well formed and usable by name, each model gets
its input in its own field names, prices follow each vendor's unit, and the providers of the
names projects already use keep their fingerprints (so nothing made is made again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from film.errors import ConfigError
from film.providers.catalogue import UNITS, catalogue, entries, find_model
from film.providers.inputs import image_arguments, reference_arguments, video_arguments
from film.providers.registry import get_provider

from fakes.remote import image_request, make_settings, video_request

READ = "2026-12-02"


@pytest.fixture
def settings():
    return make_settings(fal_key="k", replicate_api_token="t", openai_api_key="o")


def named(kind):
    return [m for m in catalogue() if m.kind == kind and not m.template]


def test_every_entry_is_complete_and_unique():
    seen = set()
    for m in catalogue():
        key = (m.provider, m.kind, m.name)
        assert key not in seen, key
        seen.add(key)
        assert m.read == READ and m.sources and m.title
        assert m.price is None or (m.price.unit in UNITS and m.price.usd > 0)
        if m.price and m.price.unit == "clip":
            assert m.price.seconds and m.price.seconds in m.durations
        if m.fields.duration:
            assert m.durations, m.name  # a duration field always says what it allows
        if m.kind == "video" and not m.requires_reference:
            assert m.fields.start_image, m.name
        if m.references:
            assert m.references.field and (m.references.limit is None or m.references.limit > 0)
    names = {(m.provider, m.kind) for m in catalogue() if m.template}
    assert names == {("fal", "image"), ("fal", "video"), ("replicate", "image"),
                     ("replicate", "video")}


def test_the_models_the_issue_asks_for_are_there():
    fal_images = {m.name for m in entries("fal", "image")}
    assert {"flux-schnell", "flux-dev", "flux-kontext", "flux-pulid"} <= fal_images
    fal_video = {m.id for m in entries("fal", "video")}
    assert {"fal-ai/kling-video/v2.1/standard/image-to-video",
            "fal-ai/kling-video/v3/pro/image-to-video",
            "fal-ai/kling-video/o3/standard/image-to-video",
            "fal-ai/minimax/hailuo-02/standard/image-to-video",
            "fal-ai/minimax/hailuo-02/pro/image-to-video"} <= fal_video
    replicate = {m.name for m in catalogue() if m.provider == "replicate"}
    assert {"black-forest-labs/flux-schnell", "black-forest-labs/flux-kontext-pro",
            "kwaivgi/kling-v2.1", "kwaivgi/kling-v1.6-pro", "minimax/hailuo-02"} <= replicate
    speech = {m.name: m for m in entries("openai", "speech")}
    assert set(speech) == {"tts-1", "tts-1-hd", "gpt-4o-mini-tts"}
    assert {m.retires for m in speech.values()} == {"2027-01-06"}


@pytest.mark.parametrize(("provider", "name", "start", "duration", "extra"), [
    ("fal", "kling-1.6-standard", "image_url", "10", {}),
    ("fal", "kling-2.1-pro", "image_url", "10", {}),
    ("fal", "kling-2.6-pro", "start_image_url", "10", {"generate_audio": False}),
    ("fal", "kling-3-pro", "start_image_url", "7", {"generate_audio": False}),
    ("fal", "kling-3-turbo-pro", "image_url", "7", {}),
    ("fal", "kling-o3-standard", "image_url", "7", {"generate_audio": False}),
    ("fal", "hailuo-02-standard", "image_url", "10", {"resolution": "768P"}),
    ("fal", "hailuo-02-pro", "image_url", None, {}),
    ("fal", "minimax", "image_url", None, {}),
    ("replicate", "kwaivgi/kling-v2.1", "start_image", 10, {"mode": "standard"}),
    ("replicate", "minimax/hailuo-02", "first_frame_image", 10, {"resolution": "768p"}),
    ("replicate", "minimax/video-01", "first_frame_image", None, {}),
    ("replicate", "kwaivgi/kling-v1.6-pro", "start_image", None, {}),
])
def test_video_input_in_each_models_field_names(tmp_path, provider, name, start, duration,
                                                extra):
    model = find_model(provider, "video", name)
    request = video_request(tmp_path / "still.png", duration=7.5, negative_prompt="blurry")
    args = video_arguments(model, request, "https://files.test/still.png")
    assert args[start] == "https://files.test/still.png"
    assert args[model.fields.prompt].startswith("A lighthouse on a cliff")
    if duration is None:
        assert "duration" not in args
    else:
        assert args["duration"] == duration  # a string or an int, as the model takes it
    for key, value in extra.items():
        assert args[key] == value
    assert ("negative_prompt" in args) == bool(model.fields.negative_prompt)
    assert "image_size" not in args and "seed" not in args


@pytest.mark.parametrize(("provider", "name", "expected"), [
    ("fal", "flux-schnell", {"image_size": {"width": 1280, "height": 720}, "seed": 42,
                             "num_inference_steps": 4, "num_images": 1,
                             "enable_safety_checker": True, "output_format": "png"}),
    ("fal", "flux-dev", {"num_inference_steps": 28}),
    ("replicate", "black-forest-labs/flux-schnell", {"aspect_ratio": "16:9", "seed": 42,
                                                     "num_outputs": 1,
                                                     "output_format": "png"}),
    ("replicate", "black-forest-labs/flux-kontext-pro", {"aspect_ratio": "16:9"}),
])
def test_image_input_in_each_models_field_names(provider, name, expected):
    args = image_arguments(find_model(provider, "image", name), image_request(1280, 720))
    for key, value in expected.items():
        assert args[key] == value
    assert args["prompt"].startswith("A lighthouse")


@pytest.mark.parametrize(("provider", "kind", "name", "field", "limit", "sent"), [
    ("fal", "image", "flux-pulid", "reference_image_url", 1, "https://r/0"),
    ("fal", "image", "flux-kontext", "image_url", 1, "https://r/0"),
    ("fal", "video", "kling-1.6-elements", "input_image_urls", 4,
     [f"https://r/{i}" for i in range(4)]),
    ("fal", "video", "kling-3-pro", "elements", None,
     [{"frontal_image_url": f"https://r/{i}", "reference_image_urls": [f"https://r/{i}"]}
      for i in range(5)]),
    ("replicate", "video", "kwaivgi/kling-v1.6-pro", "reference_images", 4,
     [f"https://r/{i}" for i in range(4)]),
    ("replicate", "video", "minimax/video-01", "subject_reference", 1, "https://r/0"),
    ("replicate", "image", "black-forest-labs/flux-kontext-pro", "input_image", 1,
     "https://r/0"),
])
def test_reference_fields_and_limits(provider, kind, name, field, limit, sent):
    model = find_model(provider, kind, name)
    assert model.references.field == field and model.references.limit == limit
    urls = [f"https://r/{i}" for i in range(5)]
    assert reference_arguments(model, urls) == {field: sent}
    assert reference_arguments(find_model("fal", "image", "flux-schnell"), urls) == {}


def test_prices_per_unit():
    def cost(provider, kind, name, **kw):
        return find_model(provider, kind, name).cost(**kw)

    # per started megapixel: 1280x720 is one, 1920x1080 (2.07 MP) three
    assert cost("fal", "image", "flux-dev", width=1280, height=720) == pytest.approx(0.025)
    assert cost("fal", "image", "flux-dev", width=1920, height=1080) == pytest.approx(0.075)
    assert cost("fal", "image", "flux-pulid", width=1024, height=1024) == pytest.approx(0.0666)
    # per image, whatever the size
    assert cost("fal", "image", "flux-kontext", width=4000, height=3000) == 0.04
    assert cost("replicate", "image", "black-forest-labs/flux-schnell") == 0.003
    # per clip length: $0.28 for 5 s + $0.056 a second beyond
    assert cost("fal", "video", "kling-2.1-standard", seconds=5) == pytest.approx(0.28)
    assert cost("fal", "video", "kling-2.1-standard", seconds=10) == pytest.approx(0.56)
    assert cost("fal", "video", "kling-2.1-pro", seconds=10) == pytest.approx(0.98)
    # per second of clip, and per clip
    assert cost("fal", "video", "hailuo-02-standard", seconds=6) == pytest.approx(0.27)
    assert cost("fal", "video", "kling-3-turbo-pro", seconds=8) == pytest.approx(1.12)
    assert cost("fal", "video", "hailuo-02-pro", seconds=10) == 0.49
    # per character, per minute of audio
    assert cost("openai", "speech", "tts-1-hd", chars=2000) == pytest.approx(0.06)
    assert cost("openai", "speech", "gpt-4o-mini-tts", chars=50, minutes=2) == pytest.approx(0.03)
    assert find_model("replicate", "video", "kwaivgi/kling-v2.1").cost(seconds=5) == 0.0


def test_billed_clip_length_follows_the_allowed_durations():
    kling = find_model("fal", "video", "kling-2.1-standard")
    assert [kling.clip_length(s) for s in (1, 5.4, 5.6, 12)] == [5, 5, 10, 10]
    v3 = find_model("fal", "video", "kling-3-pro")
    assert [v3.clip_length(s) for s in (1, 7.2, 7.6, 30)] == [3, 7, 8, 15]
    assert find_model("fal", "video", "hailuo-02-pro").clip_length(9) == 6


@pytest.mark.parametrize("model", [m for m in catalogue() if m.provider in ("fal", "replicate")
                                   and not m.template], ids=lambda m: f"{m.provider}:{m.name}")
def test_every_entry_works_by_name(settings, model):
    name = f"{model.provider}:{model.name}"
    provider = get_provider(model.kind, name, settings)
    assert provider.uses_references == (model.references is not None)
    assert provider.catalogue_model == model
    assert provider.price_known() == (model.price is not None)
    request = image_request() if model.kind == "image" else video_request(Path("s.png"), 5)
    assert (provider.estimate_cost(request) > 0) == (model.price is not None)
    for alias in model.aliases:
        assert get_provider(model.kind, f"{model.provider}:{alias}", settings).catalogue_model \
            == model


def test_unknown_names_and_any_id(settings):
    with pytest.raises(ConfigError) as info:
        get_provider("video", "fal:hailuo-2-standard", settings)
    assert "hailuo-02-standard" in (info.value.hint or "")
    any_app = get_provider("video", "fal:someone/new-model/image-to-video", settings)
    assert any_app.app_id == "someone/new-model/image-to-video" and not any_app.price_known()
    versioned = get_provider("image", "replicate:black-forest-labs/flux-schnell:" + "a" * 64,
                             settings)
    assert versioned.catalogue_model.name == "black-forest-labs/flux-schnell"


def test_fingerprints_of_the_names_projects_already_use_are_unchanged(settings):
    """What a project made with these providers stays current (no paid call is repeated)."""
    expected = {
        ("image", "fal:flux-schnell"): {
            "app": "fal-ai/flux/schnell", "num_inference_steps": 4,
            "enable_safety_checker": True, "output_format": "png", "fit": "cover"},
        ("image", "fal:flux-dev"): {
            "app": "fal-ai/flux/dev", "num_inference_steps": 28,
            "enable_safety_checker": True, "output_format": "png", "fit": "cover"},
        ("video", "fal:minimax"): {"app": "fal-ai/minimax/video-01/image-to-video",
                                   "camera_words": True, "duration": None},
        ("video", "fal:kling"): {"app": "fal-ai/kling-video/v1.6/standard/image-to-video",
                                 "camera_words": True, "duration": "5 if <= 5.5 s else 10"},
        ("image", "replicate"): {"output_format": "png", "num_outputs": 1,
                                 "aspect_ratio": "nearest", "fit": "cover"},
        ("video", "replicate"): {"image_field": "first_frame_image", "camera_words": True},
    }
    for (kind, name), params in expected.items():
        assert get_provider(kind, name, settings).params() == params, name


def test_the_catalogue_file_is_plain_json_with_one_entry_per_model():
    path = Path(__file__).resolve().parents[1] / "src" / "film" / "data" / "media_models.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert len(data["models"]) == len(catalogue())


def test_every_setting_is_documented_in_the_env_template():
    from film.config import Settings

    template = (Path(__file__).resolve().parents[1] / ".env_template").read_text()
    names = {line.split("=", 1)[0] for line in template.splitlines()
             if line and not line.startswith("#") and "=" in line}
    assert {name.upper() for name in Settings.model_fields} <= names
