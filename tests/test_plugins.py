"""Provider plugins through the `film.providers` entry points: found, built by name, checked
for their kind; a broken one is one clear error; a built-in name wins."""

from __future__ import annotations

import pytest

from film.errors import ConfigError
from film.providers import registry
from film.providers.registry import Plugin, get_provider


@pytest.fixture
def plugged(monkeypatch):
    def install(**found: str) -> None:
        table = {name: Plugin(name, target, "some-package") for name, target in found.items()}
        monkeypatch.setattr(registry, "plugins", lambda: table)

    return install


def test_a_plugin_is_built_by_name_with_its_model(plugged, settings):
    plugged(story="film.offline.providers:StoryboardImageProvider",
            mine="film.offline.providers:StoryboardImageProvider")
    provider = get_provider("image", "mine:fancy", settings)
    assert provider.name == "mine:fancy" and provider.model == "fancy"
    assert get_provider("image", "mine", settings).model == "default"


def test_a_plugin_that_cannot_load_is_one_clear_error(plugged, settings):
    plugged(broken="no_such_module:Provider", odd="film.errors:redact")
    with pytest.raises(ConfigError) as info:
        get_provider("image", "broken", settings)
    assert "cannot be loaded" in info.value.message and "some-package" in info.value.message
    with pytest.raises(ConfigError, match="not a film provider class"):
        get_provider("image", "odd", settings)
    rows = {r["name"]: r for r in registry.listing(settings)}
    assert "cannot be loaded" in rows["broken"]["note"]


def test_a_built_in_name_wins_and_is_flagged(plugged, settings):
    plugged(fal="film.offline.providers:StoryboardImageProvider")
    assert type(get_provider("image", "fal", settings)).__name__ == "FalImageProvider"
    shadowed = [r for r in registry.listing(settings) if r["source"].startswith("plugin")]
    assert shadowed[0]["note"].startswith("hidden by the built-in")


def test_an_unknown_name_suggests_plugins_too(plugged, settings):
    plugged(solid="film.offline.providers:StoryboardImageProvider")
    with pytest.raises(ConfigError) as info:
        get_provider("image", "solit", settings)
    assert "solid" in (info.value.hint or "")
