"""Providers by name: `offline`, `fal:flux-schnell`, `replicate:owner/model[:version]`,
`openai:tts-1`, `local:kokoro`, `comfyui[:workflow.json]`, ...

`get_provider(kind, name, settings)` imports a provider's module only when it is asked for,
so `film --help` never loads an HTTP client or Pillow. Unknown names get "did you mean".

Plugins: a package registers providers under the entry-point group `film.providers`
(`name = "package.module:Class"`, a subclass of ImageProvider, VideoProvider or
SpeechProvider); `--image-provider name[:model]` then builds it like a built-in one. A
built-in name always wins over a plugin's.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from film.errors import ConfigError

if TYPE_CHECKING:
    from film.config import Settings

#: kind -> vendor prefix -> "module:Class"; classes take (name, model, settings)
REGISTRY: dict[str, dict[str, str]] = {
    "image": {
        "offline": "film.offline.providers:StoryboardImageProvider",
        "composite": "film.offline.providers:CompositeImageProvider",
        "fal": "film.providers.images:FalImageProvider",
        "replicate": "film.providers.images:ReplicateImageProvider",
        "comfyui": "film.providers.comfyui:ComfyImageProvider",
    },
    "video": {
        "offline": "film.offline.providers:CameraMoveVideoProvider",
        "fal": "film.providers.video:FalVideoProvider",
        "replicate": "film.providers.video:ReplicateVideoProvider",
        "comfyui": "film.providers.comfyui:ComfyVideoProvider",
    },
    "speech": {
        "offline": "film.offline.espeak:EspeakSpeechProvider",
        "openai": "film.providers.speech:OpenAISpeechProvider",
        "local": "film.providers.speech:LocalSpeechProvider",
    },
    "normalise": {
        "ffmpeg": "film.providers.normaliser:FfmpegNormaliser",
    },
    "compose": {
        "ffmpeg": "film.providers.composer:FfmpegComposer",
    },
    "assemble": {
        "story": "film.story.assemble:StoryAssembler",
    },
}

#: the model of a bare vendor name (`fal` → `fal:flux-schnell`); ComfyUI's "workflow" is the
#: workflow file its setting names (COMFYUI_IMAGE_WORKFLOW, COMFYUI_VIDEO_WORKFLOW)
DEFAULT_MODELS: dict[str, dict[str, str]] = {
    "image": {"offline": "storyboard", "composite": "composite", "fal": "flux-schnell",
              "replicate": "black-forest-labs/flux-schnell", "comfyui": "workflow"},
    "video": {"offline": "camera-moves", "fal": "hailuo-02-standard",
              "replicate": "minimax/video-01", "comfyui": "workflow"},
    "speech": {"offline": "espeak-ng", "openai": "tts-1", "local": "kokoro"},
    "normalise": {"ffmpeg": "ffmpeg"},
    "compose": {"ffmpeg": "ffmpeg"},
    "assemble": {"story": "story"},
}

#: kind -> (setting holding a key, provider used by default when that key is set), in order
DEFAULT_REMOTE: dict[str, tuple[tuple[str, str], ...]] = {
    "image": (("fal_key", "fal:flux-schnell"), ("replicate_api_token", "replicate")),
    "video": (("fal_key", "fal:hailuo-02-standard"), ("replicate_api_token", "replicate")),
    "speech": (("openai_api_key", "openai:tts-1"),),
    "scenario": (("openrouter_api_key", "claude-haiku-4.5"),),
    "story": (("openrouter_api_key", "claude-haiku-4.5"),),
}

#: the entry-point group third-party providers register under
PLUGIN_GROUP = "film.providers"


@dataclass(frozen=True)
class Plugin:
    """A provider a package registered: its name, "module:Class" and the package."""

    name: str
    target: str
    package: str | None

    def load(self) -> Any:
        """The provider class (ConfigError naming the package when it cannot be imported)."""
        from film.providers.contract import Provider

        module_name, _, attr = self.target.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            raise ConfigError(f"the provider plugin {self.name!r} ({self.package or '?'}) "
                              f"cannot be loaded: {exc}",
                              hint=f"Reinstall it (pip install {self.package or self.name})."
                              ) from exc
        if not (isinstance(cls, type) and issubclass(cls, Provider)):
            raise ConfigError(f"the provider plugin {self.name!r} ({self.target}) is not a "
                              "film provider class")
        return cls


@lru_cache(maxsize=1)
def plugins() -> dict[str, Plugin]:
    """The providers installed packages register, by name (read once per process)."""
    from importlib.metadata import entry_points

    found = {}
    for point in entry_points(group=PLUGIN_GROUP):
        package = point.dist.name if point.dist is not None else None
        found.setdefault(point.name, Plugin(point.name, point.value, package))
    return found


#: names that are a whole provider, not a vendor with a model
_BARE = frozenset({"offline", "ffmpeg", "story", "composite"})


def split_name(name: str) -> tuple[str, str | None]:
    """`"fal:flux-dev"` → `("fal", "flux-dev")`; `"fal"` → `("fal", None)`."""
    vendor, _, model = name.strip().partition(":")
    return vendor.lower(), (model or None)


def drawing_provider(name: str) -> str:
    """The image provider that draws the references for image provider `name`: itself, or
    its vendor's text-to-image default when its model needs a reference image to run."""
    vendor, model = split_name(name)
    if vendor not in ("fal", "replicate") or model is None:
        return name
    from film.providers.catalogue import find_model

    try:
        entry = find_model(vendor, "image", model)
    except ConfigError:
        return name
    return vendor if entry.requires_reference else name


def provider_names(kind: str) -> list[str]:
    """The vendor names known for `kind` (built in; plugins are listed by `film providers`)."""
    return sorted(REGISTRY[kind])


def _plugin_provider(kind: str, vendor: str, model: str | None, settings: Settings) -> Any:
    """Build a plugin's provider: the class must make this kind of artifact."""
    cls = plugins()[vendor].load()
    made = getattr(cls, "kind", None)
    if made != kind:
        option = {"image": "--image-provider", "video": "--video-provider",
                  "speech": "--tts-provider"}.get(str(made))
        raise ConfigError(f"the provider plugin {vendor!r} makes {made or 'nothing'}, not "
                          f"{kind}", hint=f"Use it as {option} {vendor}." if option else None)
    model = model or str(getattr(cls, "default_model", "default"))
    return cls(f"{vendor}:{model}", model, settings)


def default_provider(kind: str, explicit: str | None, settings: Settings) -> str:
    """`explicit` (a FILM_<KIND>_PROVIDER setting), else the first remote provider whose key is
    set, else offline."""
    if explicit:
        return explicit
    for key, name in DEFAULT_REMOTE.get(kind, ()):
        value = getattr(settings, key)
        if value is not None and value.get_secret_value().strip():
            return name
    return "offline"


def get_provider(kind: str, name: str, settings: Settings, **options: Any) -> Any:
    """Build the provider `name` of `kind`; unknown names get a "did you mean" ConfigError.

    Media providers take no build options; a stage that passes some is misconfigured."""
    if options:
        raise ConfigError(f"the {kind} providers take no options ({', '.join(options)})")
    if kind not in REGISTRY:
        raise ConfigError(f"unknown provider kind {kind!r}")
    vendor, model = split_name(name)
    target = REGISTRY[kind].get(vendor)
    if target is None and vendor in plugins():
        return _plugin_provider(kind, vendor, model, settings)
    if target is None:
        known = [*REGISTRY[kind], *plugins()]
        close = difflib.get_close_matches(vendor, known, n=2, cutoff=0.4)
        hint = f"Did you mean {' or '.join(close)}? " if close else ""
        raise ConfigError(f"unknown {kind} provider {name!r}",
                          hint=f"{hint}Known: {', '.join(provider_names(kind))} "
                          "(film providers lists them).")
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if (exc.name or "").startswith("film"):
            raise
        raise ConfigError(
            f"the {vendor} {kind} provider needs a package that is not installed: {exc.name}",
            hint=f"pip install {exc.name}") from exc
    cls = getattr(module, class_name)
    model = model or DEFAULT_MODELS[kind][vendor]
    full = vendor if vendor in _BARE else f"{vendor}:{model}"
    return cls(full, model, settings)


def listing(settings: Settings) -> list[dict[str, Any]]:
    """Every media provider, built in and plugged in: kind, name, default model, where it
    comes from, the key it needs and whether that key is set."""
    rows = []
    for kind in ("image", "video", "speech"):
        for vendor, target in REGISTRY[kind].items():
            rows.append(_row(kind, vendor, _load(target), "built in", settings,
                             DEFAULT_MODELS[kind][vendor]))
    for plugin in plugins().values():
        try:
            cls = plugin.load()
        except ConfigError as exc:
            rows.append({"kind": "?", "name": plugin.name, "model": None,
                         "source": plugin.package, "key": None, "key_set": None,
                         "remote": None, "note": exc.message})
            continue
        kind = str(getattr(cls, "kind", "?"))
        row = _row(kind, plugin.name, cls, f"plugin: {plugin.package or plugin.target}",
                   settings, str(getattr(cls, "default_model", "default")))
        if plugin.name in REGISTRY.get(kind, {}):
            row["note"] = "hidden by the built-in provider of the same name"
        rows.append(row)
    return rows


def _load(target: str) -> Any:
    module_name, _, class_name = target.partition(":")
    return getattr(importlib.import_module(module_name), class_name)


def _row(kind: str, name: str, cls: Any, source: str, settings: Settings,
         model: str) -> dict[str, Any]:
    key = getattr(cls, "key_var", None)
    value = getattr(settings, key.lower(), None) if key else None
    is_set = bool(value.get_secret_value().strip()) if value is not None else False
    return {"kind": kind, "name": name, "model": model, "source": source, "key": key,
            "key_set": is_set if key else None, "remote": bool(getattr(cls, "remote", True)),
            "note": ""}
