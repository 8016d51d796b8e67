"""Providers by name: `offline`, `fal:flux-schnell`, `replicate:owner/model[:version]`,
`openai:tts-1`, `local:kokoro`, `comfyui[:workflow.json]`, ...

`get_provider(kind, name, settings)` imports a provider's module only when it is asked for,
so `film --help` never loads an HTTP client or Pillow. Unknown names get "did you mean".
"""

from __future__ import annotations

import difflib
import importlib
from typing import TYPE_CHECKING, Any

from film.errors import ConfigError

if TYPE_CHECKING:
    from film.config import Settings

#: kind -> vendor prefix -> "module:Class"; classes take (name, model, settings)
REGISTRY: dict[str, dict[str, str]] = {
    "image": {
        "offline": "film.offline.storyboard:StoryboardImageProvider",
        "composite": "film.offline.composite:CompositeImageProvider",
        "fal": "film.providers.images:FalImageProvider",
        "replicate": "film.providers.images:ReplicateImageProvider",
        "comfyui": "film.providers.comfyui:ComfyImageProvider",
    },
    "video": {
        "offline": "film.offline.camera_moves:CameraMoveVideoProvider",
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

#: names that are a whole provider, not a vendor with a model
_BARE = frozenset({"offline", "ffmpeg", "story", "composite"})


def split_name(name: str) -> tuple[str, str | None]:
    """`"fal:flux-dev"` → `("fal", "flux-dev")`; `"fal"` → `("fal", None)`."""
    vendor, _, model = name.strip().partition(":")
    return vendor.lower(), (model or None)


def provider_names(kind: str) -> list[str]:
    """The vendor names known for `kind`."""
    return sorted(REGISTRY[kind])


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
    if target is None:
        close = difflib.get_close_matches(vendor, REGISTRY[kind], n=2, cutoff=0.4)
        hint = f"Did you mean {' or '.join(close)}? " if close else ""
        raise ConfigError(f"unknown {kind} provider {name!r}",
                          hint=f"{hint}Known: {', '.join(provider_names(kind))}.")
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
