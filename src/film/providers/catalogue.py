"""The media model catalogue: every remote image, video and speech model film knows, as data.

Each entry of `film/data/media_models.json` names a vendor's model (`fal`, `replicate`,
`openai`), the names of its input fields (prompt, negative prompt, start/end image, size,
aspect ratio, duration and the values it allows, seed), its reference images and their limit,
the fixed input film sends, and its price rule in the vendor's own unit, with the sources and
the date they were read. Adding a model is adding one entry; `fal:<name>` then works, and
`film estimate`, `--max-cost` and the ledger price it with the same rule. An entry named `*`
is the template for any other id of that vendor and kind (no price known).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Literal

from film.errors import ConfigError

Kind = Literal["image", "video", "speech"]
Unit = Literal["image", "megapixel", "second", "video", "clip", "char", "minute"]
UNITS: tuple[str, ...] = ("image", "megapixel", "second", "video", "clip", "char", "minute")

#: speaking rate used to estimate a line's length before it is spoken (about 150 words/min)
CHARS_PER_MINUTE = 900.0


@dataclass(frozen=True)
class Price:
    """A price rule in the vendor's unit.

    image / video: `usd` per image or clip; megapixel: per started megapixel (rounded up);
    second: per second of the clip billed; clip: `usd` for the first `seconds`, plus
    `extra_per_second` beyond; char: per character spoken; minute: per minute of audio."""

    unit: Unit
    usd: float
    seconds: float | None = None
    extra_per_second: float = 0.0

    def text(self) -> str:
        """The rule as the vendor states it ("$0.28 per 5 s + $0.056 per extra second")."""
        if self.unit == "clip":
            extra = (f" + ${self.extra_per_second:g} per extra second"
                     if self.extra_per_second else "")
            return f"${self.usd:g} per {self.seconds:g} s{extra}"
        if self.unit == "char":
            return f"${self.usd * 1_000_000:g} per 1M characters"
        return f"${self.usd:g} per {self.unit}"


@dataclass(frozen=True)
class Fields:
    """The model's input field names (None: the model has no such input)."""

    prompt: str = "prompt"
    negative_prompt: str | None = None
    #: the first frame of an image-to-video clip
    start_image: str | None = None
    end_image: str | None = None
    #: a field taking {"width": w, "height": h}
    size: str | None = None
    aspect_ratio: str | None = None
    duration: str | None = None
    seed: str | None = None


@dataclass(frozen=True)
class References:
    """Where reference images (a character's face, a place) go, and how many fit.

    `many`: a list of URLs (else one URL); `shape` "elements": Kling's
    [{frontal_image_url, reference_image_urls}] objects; `limit` None: not documented."""

    field: str
    limit: int | None
    many: bool
    shape: Literal["url", "elements"] = "url"


@dataclass(frozen=True)
class MediaModel:
    """One catalogue entry (see the module docstring)."""

    name: str
    provider: str
    kind: Kind
    id: str
    title: str
    fields: Fields
    price: Price | None
    confirmed: bool
    read: str
    sources: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    durations: tuple[float, ...] = ()
    duration_type: Literal["string", "int"] = "string"
    aspect_ratios: tuple[str, ...] = ()
    #: the clip's length when the model has no duration field
    clip_seconds: float | None = None
    references: References | None = None
    #: the model cannot run without a reference image
    requires_reference: bool = False
    fixed: dict[str, Any] = field(default_factory=dict)
    retires: str | None = None
    note: str = ""

    @property
    def template(self) -> bool:
        return self.name == "*"

    def price_text(self) -> str:
        return self.price.text() if self.price else "unknown"

    def clip_length(self, shot_seconds: float) -> float:
        """How long a clip for a shot of `shot_seconds` will be: the shortest allowed length
        that holds it (the longest when none does), the model's fixed length, or the shot's."""
        if self.durations:
            return next((d for d in self.durations if shot_seconds <= d + 0.5),
                        self.durations[-1])
        return self.clip_seconds or shot_seconds

    def duration_value(self, shot_seconds: float) -> str | int:
        """The duration input for a shot (a string or an int, as the model takes it)."""
        seconds = int(self.clip_length(shot_seconds))
        return str(seconds) if self.duration_type == "string" else seconds

    def duration_rule(self) -> str | None:
        """How the clip length is chosen, in words (part of the provider's fingerprint)."""
        if not (self.fields.duration and self.durations):
            return None
        d = [f"{x:g}" for x in self.durations]
        if len(d) == 2:
            return f"{d[0]} if <= {self.durations[0] + 0.5:g} s else {d[1]}"
        return f"the shortest of {', '.join(d)} that holds the shot"

    def cost(self, *, width: int = 0, height: int = 0, seconds: float = 0.0, chars: int = 0,
             minutes: float | None = None) -> float:
        """USD of one call by this model's price rule (0.0 when no price is known).

        `seconds` is the clip's billed length; speech is priced from `chars`, or from
        `minutes` of audio when known (else estimated from the characters)."""
        price = self.price
        if price is None:
            return 0.0
        if price.unit == "megapixel":
            units = max(1.0, math.ceil(width * height / 1_000_000)) if width else 1.0
        elif price.unit == "second":
            units = max(seconds, 1.0)
        elif price.unit == "clip":
            base = price.seconds or 0.0
            return round(price.usd + price.extra_per_second * max(0.0, seconds - base), 6)
        elif price.unit == "char":
            units = float(chars)
        elif price.unit == "minute":
            units = minutes if minutes is not None else chars / CHARS_PER_MINUTE
        else:  # image, video
            units = 1.0
        return round(price.usd * units, 6)


# ---- loading -------------------------------------------------------------------------------


def _entry(raw: dict[str, Any]) -> MediaModel:
    """One JSON entry as a MediaModel; a wrong field name is a TypeError (caught in tests)."""
    data = dict(raw)
    data["fields"] = Fields(**data.get("fields", {}))
    data["price"] = Price(**data["price"]) if data.get("price") else None
    refs = data.get("references")
    data["references"] = References(**refs) if refs else None
    for name in ("sources", "aliases", "durations", "aspect_ratios"):
        data[name] = tuple(data.get(name, ()))
    model = MediaModel(**data)
    if model.price is not None and model.price.unit not in UNITS:
        raise ValueError(f"{model.provider}:{model.name}: unknown price unit {model.price.unit}")
    return model


@cache
def catalogue() -> tuple[MediaModel, ...]:
    """Every entry of film/data/media_models.json, in file order."""
    text = (Path(__file__).resolve().parents[1] / "data" / "media_models.json").read_text(
        encoding="utf-8")
    return tuple(_entry(item) for item in json.loads(text)["models"])


def entries(provider: str, kind: str) -> list[MediaModel]:
    """The named (non-template) entries of one vendor and kind."""
    return [m for m in catalogue() if m.provider == provider and m.kind == kind
            and not m.template]


def find_model(provider: str, kind: str, model: str) -> MediaModel:
    """The entry for `model` (a catalogue name, an alias or the vendor's id; a Replicate
    `:version` is ignored), else the vendor's template with the id filled in.

    A name with no slash that matches nothing is a ConfigError with close names."""
    wanted = model.strip()
    base = wanted.split(":", 1)[0] if provider == "replicate" else wanted
    for entry in entries(provider, kind):
        if base in (entry.name, entry.id, *entry.aliases):
            return entry
    template = next((m for m in catalogue() if m.provider == provider and m.kind == kind
                     and m.template), None)
    if template is not None and "/" in base and " " not in base:
        return replace(template, name=base, id=base)
    import difflib

    names = [n for e in entries(provider, kind) for n in (e.name, *e.aliases)]
    close = difflib.get_close_matches(wanted, names, n=2, cutoff=0.4)
    hint = f"Did you mean {' or '.join(close)}? " if close else ""
    more = ", or a full app id" if template is not None else ""
    raise ConfigError(f"unknown {provider} {kind} model {wanted!r}",
                      hint=f"{hint}Known: {', '.join(sorted(names))}{more} (film models).")
