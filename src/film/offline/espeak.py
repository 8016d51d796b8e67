"""Offline speech: eSpeak NG through ctypes, from the `espeakng-loader` wheel (no system package).

The library is process-global and not thread-safe: it is loaded once, every synthesis holds
one lock, and runs in a worker thread so the event loop stays free. Output is deterministic
(same text and voice -> same bytes): eSpeak keeps a pitch-flutter phase and a roughness cycle
counter across utterances, so the engine runs on a private copy of the voice variants with
flutter and roughness switched off (the rest of the data is symlinked, not copied), seeds
eSpeak's random generator before each line, and settles its gain control with a quiet "ah".

Each line is spoken in its language (`film.lang`): the film's, or the line's own script's,
with the character's variant and pitch (`voices.localize`). A line mixing languages is cut
into runs, each spoken by its language's voice, and the runs are joined; emoji are not read.
eSpeak reads Japanese kana but says "Chinese letter" for each kanji, so kanji runs in a
Japanese line are read with the Mandarin voice (a related reading rather than a spelled-out
character name).
"""

from __future__ import annotations

import array
import asyncio
import atexit
import ctypes
import re
import shutil
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from film.errors import ConfigError, InputError, MediaError
from film.lang import language_runs, line_language, script_of
from film.providers.contract import JobContext, MediaResult, SpeechProvider, SpeechRequest
from film.providers.voices import (
    CASTING_VERSION,
    VoiceSpec,
    espeak_spec_for_openai_voice,
    espeak_voice_for,
    localize,
)
from film.text import clean_line

AUDIO_OUTPUT_SYNCHRONOUS = 2
CHARS_UTF8 = 1
PARAM_RATE, PARAM_VOLUME, PARAM_PITCH, PARAM_RANGE = 1, 2, 3, 4  # espeak_PARAMETER
EE_OK = 0
RAND_SEED = 1121
VOLUME = 100
SILENCE_THRESHOLD = 200  # int16 amplitude, about -44 dBFS
LEAD_MARGIN, TAIL_MARGIN, PAD_SECONDS = 0.01, 0.03, 0.1

_SynthCallback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)
_LOCK = threading.Lock()
_ENGINE: _Engine | None = None
_VOICE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*(\+[A-Za-z0-9 _-]+)?")


def _steady_variant(content: bytes) -> bytes:
    lines = [line for line in content.splitlines()
             if not line.strip().lower().startswith((b"flutter", b"roughness"))]
    return b"\n".join(lines) + b"\nflutter 0\nroughness 8\n"


def _steady_data_dir(stock: Path) -> tuple[Path, bool]:
    """A private espeak-ng-data: symlinks to the wheel's data, steady copies of the variants.

    Falls back to the wheel's own folder (output then varies slightly run to run) where
    symlinks cannot be made.
    """
    root = Path(tempfile.mkdtemp(prefix="film-espeak-"))
    atexit.register(shutil.rmtree, root, True)
    data = root / "espeak-ng-data"
    try:
        data.mkdir()
        for entry in stock.iterdir():
            if entry.name != "voices":
                (data / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
        (data / "voices").mkdir()
        for entry in (stock / "voices").iterdir():
            if entry.name != "!v":
                (data / "voices" / entry.name).symlink_to(entry, entry.is_dir())
        variants = data / "voices" / "!v"
        variants.mkdir()
        for variant in (stock / "voices" / "!v").iterdir():
            if variant.is_file():
                (variants / variant.name).write_bytes(_steady_variant(variant.read_bytes()))
    except OSError:
        return stock, False
    return data, True


class _Engine:
    """The loaded library. Every method must be called with `_LOCK` held."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise ConfigError("offline speech needs the espeakng-loader package",
                              hint="pip install espeakng-loader") from exc
        try:
            lib = ctypes.CDLL(espeakng_loader.get_library_path())
            stock = Path(espeakng_loader.get_data_path())
        except (OSError, RuntimeError) as exc:
            raise ConfigError(f"cannot load the eSpeak NG library: {exc}",
                              hint="Reinstall espeakng-loader.") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        lib.espeak_Info.argtypes = [ctypes.c_void_p]
        lib.espeak_Info.restype = ctypes.c_char_p
        self._seed = getattr(lib, "espeak_ng_SetRandSeed", None)
        if self._seed is not None:
            self._seed.argtypes = [ctypes.c_long]
        self.data_dir, self.steady = _steady_data_dir(stock)
        rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, str(self.data_dir).encode(), 0)
        if rate <= 0:
            raise ConfigError(f"eSpeak NG failed to start (data in {self.data_dir})",
                              hint="Reinstall espeakng-loader.")
        self.lib = lib
        self.sample_rate = int(rate)
        self.version = (lib.espeak_Info(None) or b"?").decode()
        self.variants = {p.name for p in (self.data_dir / "voices" / "!v").iterdir()}
        self._chunks: list[bytes] = []
        self._callback = _SynthCallback(self._on_audio)  # keep a reference: C holds it
        lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav: Any, count: int, _events: Any) -> int:
        if wav and count > 0:
            self._chunks.append(ctypes.string_at(wav, count * 2))
        return 0

    def _set_voice(self, spec: VoiceSpec, volume: int = VOLUME) -> None:
        base, _, variant = spec.voice.partition("+")
        if variant and variant not in self.variants:
            raise InputError(f"unknown eSpeak voice variant {variant!r} in {spec.voice!r}",
                             hint="Variants: " + ", ".join(sorted(self.variants)[:40]))
        if self.lib.espeak_SetVoiceByName(base.encode()) != EE_OK:
            raise InputError(f"unknown eSpeak voice {base!r}",
                             hint="Try en, en-us, en-gb-x-rp, en-gb-scotland or en-029.")
        self.lib.espeak_SetVoiceByName(spec.voice.encode())
        # parameters persist across voices in eSpeak, so set every one each time
        for param, value in ((PARAM_RATE, spec.rate), (PARAM_VOLUME, volume),
                             (PARAM_PITCH, spec.pitch), (PARAM_RANGE, spec.range)):
            self.lib.espeak_SetParameter(param, int(value), 0)

    def _speak(self, text: str) -> bytes:
        self._chunks = []
        if self._seed is not None:
            self._seed(RAND_SEED)
        data = text.encode("utf-8")
        err = self.lib.espeak_Synth(data, len(data) + 1, 0, 0, 0, CHARS_UTF8, None, None)
        self.lib.espeak_Synchronize()
        if err != EE_OK:
            raise MediaError(f"eSpeak NG could not synthesize the line (error {err})")
        pcm = b"".join(self._chunks)
        self._chunks = []
        return pcm

    def synthesize(self, text: str, spec: VoiceSpec) -> bytes:
        """Raw int16 mono samples (native byte order) of `text` spoken by `spec`."""
        self._set_voice(VoiceSpec("en-us"), volume=5)
        self._speak("ah")  # lets automatic gain control recover from any earlier overflow
        self._set_voice(spec)
        return self._speak(text)


def _engine() -> _Engine:
    global _ENGINE
    if _ENGINE is None:
        _ENGINE = _Engine()
    return _ENGINE


def engine_info() -> dict[str, Any]:
    """Library version, sample rate and whether output is byte-for-byte deterministic."""
    with _LOCK:
        eng = _engine()
        return {"version": eng.version, "sample_rate": eng.sample_rate,
                "deterministic": eng.steady, "variants": sorted(eng.variants)}


def trim_silence(samples: array.array, rate: int) -> array.array:
    """Cut leading/trailing near-silence (keeping short margins), then pad both ends."""
    first = next((i for i, v in enumerate(samples) if abs(v) > SILENCE_THRESHOLD), None)
    pad = array.array("h", bytes(2 * int(PAD_SECONDS * rate)))
    if first is None:
        return pad + pad
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) > SILENCE_THRESHOLD)
    start = max(0, first - int(LEAD_MARGIN * rate))
    end = min(len(samples), last + 1 + int(TAIL_MARGIN * rate))
    return pad + samples[start:end] + pad


@dataclass
class Rendered:
    duration: float
    sample_rate: int
    version: str
    deterministic: bool
    silent: bool


def render_wav(text: str | list[tuple[str, VoiceSpec]], spec: VoiceSpec | None,
               out: Path) -> Rendered:
    """Speak `text` with `spec` (or each (text, voice) part in turn, joined) into a 16-bit
    mono WAV at `out` (blocking; thread-safe)."""
    parts = [(text, spec)] if isinstance(text, str) else text
    with _LOCK:
        eng = _engine()
        pcm = b"".join(eng.synthesize(part, voice or VoiceSpec("en-us"))
                       for part, voice in parts)
        rate, version, steady = eng.sample_rate, eng.version, eng.steady
    samples = array.array("h")
    samples.frombytes(pcm)
    silent = not any(abs(v) > SILENCE_THRESHOLD for v in samples)
    samples = trim_silence(samples, rate)
    if sys.byteorder == "big":
        samples.byteswap()
    with wave.open(str(out), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return Rendered(len(samples) / rate, rate, version, steady, silent)




def voice_parts(text: str, spec: VoiceSpec, language: str | None) -> list[tuple[str, VoiceSpec]]:
    """(text, voice) per run of one language in `text`: `spec` localized to each run's
    language; kanji in a Japanese run go to the Mandarin voice (see the module's note)."""
    parts: list[tuple[str, VoiceSpec]] = []
    for lang, run in language_runs(text, language):
        pieces = _kanji_runs(run) if lang == "ja" else [(lang, run)]
        for piece_lang, piece in pieces:
            voice = localize(spec, piece_lang)
            if parts and parts[-1][1] == voice:
                parts[-1] = (f"{parts[-1][0]} {piece}", voice)
            else:
                parts.append((piece, voice))
    return parts


def _kanji_runs(text: str) -> list[tuple[str, str]]:
    """A Japanese run cut into kana (ja) and kanji (zh) pieces; punctuation stays put."""
    out: list[list[str]] = []
    for ch in text:
        script = script_of(ch)
        lang = "zh" if script == "han" else "ja" if script else (out[-1][0] if out else "ja")
        if out and out[-1][0] == lang:
            out[-1][1] += ch
        else:
            out.append([lang, ch])
    return [(lang, piece) for lang, piece in out if piece.strip()]


def parse_voice(name: str) -> VoiceSpec:
    """An explicit voice: an eSpeak name ("en-us+f3") or an OpenAI voice name ("nova")."""
    name = name.strip()
    mapped = espeak_spec_for_openai_voice(name)
    if mapped is not None:
        return mapped
    if not _VOICE_NAME.fullmatch(name):
        raise InputError(f"{name!r} is not an eSpeak voice name",
                         hint='Use a language and optional variant, e.g. "en-us+f3" or "en+m2".')
    variant = name.partition("+")[2]
    female = bool(re.fullmatch(r"f\d+", variant))
    return VoiceSpec(name, gender="female" if female else "male")


class EspeakSpeechProvider(SpeechProvider):
    """Offline, free, deterministic speech with eSpeak NG; a distinct voice per role."""

    remote = False

    def params(self) -> dict[str, Any]:
        return {"engine": "espeak-ng", "casting": CASTING_VERSION, "volume": VOLUME}

    def cast_voice(self, request: SpeechRequest) -> VoiceSpec:
        """The character's voice: `request.voice` wins, else casting (English names)."""
        if request.voice and request.voice.strip():
            return parse_voice(request.voice)
        return espeak_voice_for(request.role, list(request.roles))

    def resolve_voice(self, request: SpeechRequest) -> VoiceSpec:
        """The voice this request will be spoken with: the character's voice speaking the
        line's language (same variant and pitch); a voice chosen in another language than
        English is kept as it is."""
        spec = self.cast_voice(request)
        if not spec.voice.startswith("en"):
            return spec
        return localize(spec, line_language(clean_line(request.text), request.language))

    async def synthesize(self, request: SpeechRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Write the spoken line to `out` (WAV, 22050 Hz mono 16-bit)."""
        text = clean_line(request.text)
        if not text:
            where = f" for shot {request.shot_id}" if request.shot_id else ""
            raise InputError(f"nothing to say{where}: the line is empty")
        cast, spec = self.cast_voice(request), self.resolve_voice(request)
        language = line_language(text, request.language)
        parts = voice_parts(text, cast, request.language) if cast.voice.startswith("en") \
            else [(text, cast)]  # emoji alone: no part, a short silence
        started = time.perf_counter()
        rendered = await asyncio.to_thread(render_wav, parts, None, Path(out))
        meta: dict[str, Any] = {
            "duration": round(rendered.duration, 4),
            **spec.as_meta(),
            "role": request.role,
            "language": language,
            "sample_rate": rendered.sample_rate,
            "engine": f"espeak-ng {rendered.version}",
            "deterministic": rendered.deterministic,
            "seconds": round(time.perf_counter() - started, 4),
        }
        if rendered.silent:
            meta["silent"] = True
        return MediaResult(cost_usd=0.0, model=self.model, meta=meta)
