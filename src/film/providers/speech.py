"""Remote speech over plain httpx: OpenAI text-to-speech (`POST {OPENAI_BASE_URL}/audio/speech`)
and any local server that speaks the same API (`local:<model>`, e.g. Kokoro-FastAPI at
`LOCAL_TTS_BASE_URL`), with a voice per character from the server's own voices.

OpenAI's prices come from the media catalogue: tts-1 and tts-1-hd per character,
gpt-4o-mini-tts per minute of audio (it is billed per token). Replies are asked for as WAV.
OpenAI streams its WAV, so the header's RIFF and data sizes may be 0xFFFFFFFF: the data size
is then taken from the bytes received, and the file is written back with a correct header.
Lines longer than the API's 4096 characters are split at sentence ends, spoken in turn and
joined. The offline provider lives in `film.offline.espeak`.
"""

from __future__ import annotations

import re
import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from film.errors import ConfigError, InputError, ProviderError, Unavailable, redact
from film.lang import language_name, line_language, speakable
from film.providers.catalogue import MediaModel, find_model
from film.providers.contract import JobContext, MediaResult, SpeechProvider, SpeechRequest
from film.providers.voices import (
    CASTING_VERSION,
    KOKORO_POOLS,
    OPENAI_EXTRA_VOICES,
    OPENAI_VOICES,
    VoicePools,
    is_narrator,
    openai_voice_for,
)
from film.text import clean_line
from film.vendors.http import RetryPolicy, make_client, send_with_retries

MAX_INPUT_CHARS = 4096
_UNKNOWN_SIZE = 0xFFFFFFFF
_SENTENCE_END = re.compile(r"(?<=[.!?…;:])\s+|(?<=[。！？；])")


# ---- WAV -------------------------------------------------------------------------------------


@dataclass
class WavData:
    """A parsed WAV: its `fmt ` chunk body, the audio bytes, and the facts read from them."""

    fmt: bytes
    pcm: bytes
    channels: int
    sample_rate: int
    bits: int
    block_align: int

    @property
    def duration(self) -> float:
        return len(self.pcm) / (self.sample_rate * self.block_align)

    def to_bytes(self) -> bytes:
        """The WAV with correct RIFF and data sizes."""
        pad = b"\x00" if len(self.pcm) % 2 else b""
        riff_size = 4 + (8 + len(self.fmt)) + (8 + len(self.pcm) + len(pad))
        return b"".join([
            b"RIFF", struct.pack("<I", riff_size), b"WAVE",
            b"fmt ", struct.pack("<I", len(self.fmt)), self.fmt,
            b"data", struct.pack("<I", len(self.pcm)), self.pcm, pad,
        ])


def parse_wav(data: bytes, provider: str = "speech") -> WavData:
    """Parse a RIFF/WAVE file, tolerating streamed headers whose sizes are unknown.

    Raises ProviderError when `data` is not a usable WAV file.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ProviderError(f"{provider} did not return a WAV file (starts with {data[:16]!r})",
                            provider=provider, body=data[:200].decode("latin-1"))
    fmt: bytes | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = data[offset:offset + 4]
        (size,) = struct.unpack("<I", data[offset + 4:offset + 8])
        start = offset + 8
        if chunk_id == b"fmt ":
            fmt = data[start:start + size]
        elif chunk_id == b"data":
            if fmt is None or len(fmt) < 16:
                break
            channels, rate, _byte_rate, align, bits = struct.unpack("<HIIHH", fmt[2:16])
            if size in (0, _UNKNOWN_SIZE) or start + size > len(data):
                size = len(data) - start
            if channels < 1 or rate < 1 or align < 1:
                break
            size -= size % align
            if size <= 0:
                raise ProviderError(f"{provider} returned a WAV file with no audio",
                                    provider=provider)
            return WavData(fmt, data[start:start + size], channels, rate, bits, align)
        if size == _UNKNOWN_SIZE:
            break
        offset = start + size + (size & 1)
    raise ProviderError(f"{provider} returned a damaged WAV file (no usable fmt/data chunks)",
                        provider=provider)


def join_wavs(parts: list[WavData], provider: str) -> WavData:
    """Concatenate WAVs of the same format."""
    first = parts[0]
    for part in parts[1:]:
        if part.fmt != first.fmt:
            raise ProviderError(f"{provider} returned parts of one line in different formats",
                                provider=provider)
    return WavData(first.fmt, b"".join(p.pcm for p in parts), first.channels,
                   first.sample_rate, first.bits, first.block_align)


# ---- text ------------------------------------------------------------------------------------


def split_text(text: str, limit: int = MAX_INPUT_CHARS) -> list[str]:
    """Pieces of at most `limit` characters, cut at sentence ends, else at spaces."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if pieces and len(pieces[-1]) + 1 + len(sentence) <= limit:
            pieces[-1] = f"{pieces[-1]} {sentence}"
        elif sentence:
            pieces.append(sentence)
    return [p for p in pieces if p]


# ---- providers --------------------------------------------------------------------------------


class OpenAISpeechProvider(SpeechProvider):
    """OpenAI TTS (`tts-1`, `tts-1-hd`, `gpt-4o-mini-tts`), priced by the media catalogue."""

    key_var: str | None = "OPENAI_API_KEY"

    def params(self) -> dict[str, Any]:
        return {"response_format": "wav", "casting": CASTING_VERSION}

    def _entry(self) -> MediaModel | None:
        try:
            return find_model("openai", "speech", self.model)
        except ConfigError:
            return None  # another OpenAI model: it works, at a price film does not know

    def price_known(self) -> bool:
        entry = self._entry()
        return entry is not None and entry.price is not None

    def estimate_cost(self, request: SpeechRequest) -> float:
        entry = self._entry()
        return entry.cost(chars=len(clean_line(request.text))) if entry else 0.0

    def _cost(self, text: str, wav: WavData) -> float:
        """The cost of a spoken line: per character, or per minute of the audio received."""
        entry = self._entry()
        return entry.cost(chars=len(text), minutes=wav.duration / 60) if entry else 0.0

    def resolve_voice(self, request: SpeechRequest) -> str:
        """`request.voice` if it is an OpenAI voice (or any plain name), else the cast voice.

        eSpeak names ("en-us+f3") are ignored, so a voices table written for the offline
        engine still works here.
        """
        voice = (request.voice or "").strip()
        known = (*OPENAI_VOICES, *OPENAI_EXTRA_VOICES)
        if voice.lower() in known:
            return voice.lower()
        if voice and re.fullmatch(r"[a-z][a-z0-9_]*", voice) and not voice.startswith("en"):
            return voice  # a custom voice, or a voice of an OpenAI-compatible local server
        return openai_voice_for(request.role, list(request.roles))

    def _payload(self, text: str, voice: str, role: str, language: str = "en"
                 ) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.model, "input": text, "voice": voice,
                                   "response_format": "wav"}
        if self.model.startswith("gpt-4o"):  # tts-1 and tts-1-hd take no instructions
            payload["instructions"] = (
                "Calm, warm film narrator." if is_narrator(role)
                else f"Speak in character as {role}."
            )
            if language != "en":  # every OpenAI voice speaks the language of its input
                payload["instructions"] += (f" Speak {language_name(language)} "
                                            "with a native accent.")
        return payload

    def _url(self) -> str:
        return self.settings.openai_base_url.rstrip("/") + "/audio/speech"

    def _key(self) -> str | None:
        return self.settings.require("openai_api_key")

    async def synthesize(self, request: SpeechRequest, out: Path, ctx: JobContext) -> MediaResult:
        """Speak the line and write a WAV (as the server sends it, header fixed) to `out`."""
        text = speakable(clean_line(request.text))
        if not text:
            where = f" for shot {request.shot_id}" if request.shot_id else ""
            raise InputError(f"nothing to say{where}: the line is empty (or only emoji)")
        key = self._key()
        voice = self.resolve_voice(request)
        language = line_language(text, request.language)
        policy = ctx.retry_policy()
        client = ctx.client or make_client(self.settings.film_http_timeout)
        started = time.perf_counter()
        parts: list[WavData] = []
        request_ids: list[str] = []
        try:
            for piece in split_text(text):
                response = await self._post(client, self._url(), key, policy, ctx,
                                            self._payload(piece, voice, request.role,
                                                          language))
                if response.headers.get("x-request-id"):
                    request_ids.append(response.headers["x-request-id"])
                parts.append(parse_wav(response.content, self.name))
        finally:
            if ctx.client is None:
                await client.aclose()
        wav = join_wavs(parts, self.name)
        Path(out).write_bytes(wav.to_bytes())
        return MediaResult(
            cost_usd=self._cost(text, wav),
            request_id=request_ids[0] if request_ids else None,
            model=self.model,
            meta={
                "duration": round(wav.duration, 4),
                "voice": voice,
                "role": request.role,
                "language": language,
                "sample_rate": wav.sample_rate,
                "chars": len(text),
                "parts": len(parts),
                "seconds": round(time.perf_counter() - started, 3),
            },
        )

    def _explain(self, exc: ProviderError, key: str | None) -> tuple[str, str | None]:
        """The message and hint of a failed call (the key never in them)."""
        message = redact(exc.message, key)
        if exc.status in (401, 403):
            return (f"OPENAI_API_KEY was rejected: {message}",
                    "Check OPENAI_API_KEY (a key from platform.openai.com/api-keys).")
        return message, exc.hint

    async def _post(self, client: httpx.AsyncClient, url: str, key: str | None,
                    policy: RetryPolicy, ctx: JobContext,
                    payload: dict[str, Any]) -> httpx.Response:
        def on_retry(attempt: int, delay: float, message: str) -> None:
            if ctx.on_retry is not None:  # the engine names the stage and shot
                ctx.on_retry(attempt, delay, redact(message, key))
            else:
                ctx.report(f"{redact(message, key)}; retry {attempt} in {delay:.1f}s")

        headers = {"Accept": "audio/wav"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        try:
            return await send_with_retries(
                client, "POST", url, provider=self.name, policy=policy, key_var=self.key_var,
                on_retry=on_retry, json=payload, headers=headers,
            )
        except ProviderError as exc:
            message, hint = self._explain(exc, key)
            raise type(exc)(message, provider=exc.provider, status=exc.status,
                            body=redact(exc.body, key), hint=hint,
                            request_id=exc.request_id) from None


class LocalSpeechProvider(OpenAISpeechProvider):
    """Any local server with OpenAI's speech API (`local:<model>`): Kokoro-FastAPI by default.

    Free, no key needed (LOCAL_TTS_API_KEY is sent when set). Each character gets a voice of
    the server's own (`LOCAL_TTS_VOICES`, Kokoro's by default), cast as for OpenAI."""

    key_var: str | None = None

    def params(self) -> dict[str, Any]:
        return {"response_format": "wav", "casting": CASTING_VERSION, "server": "local"}

    def price_known(self) -> bool:
        return True

    def estimate_cost(self, request: SpeechRequest) -> float:
        return 0.0

    def _cost(self, text: str, wav: WavData) -> float:
        return 0.0

    def pools(self) -> VoicePools:
        """The voices to cast from: LOCAL_TTS_VOICES, else Kokoro-FastAPI's."""
        text = self.settings.local_tts_voices
        if not text:
            return KOKORO_POOLS
        try:
            return VoicePools.parse(text)
        except ValueError as exc:
            raise ConfigError(f"LOCAL_TTS_VOICES is not valid: {exc}", hint=(
                "e.g. LOCAL_TTS_VOICES='narrator=af_sarah; male=am_adam,bm_george; "
                "female=af_heart,bf_emma'")) from exc

    def resolve_voice(self, request: SpeechRequest) -> str:
        """The shot list's voice for the role when it names one of the server's (Kokoro ids
        such as af_bella, mixes such as af_bella+af_sky), else the cast voice."""
        voice = (request.voice or "").strip()
        if voice and re.fullmatch(r"[A-Za-z0-9_.+-]+", voice) and (
                "_" in voice or voice.lower() in OPENAI_VOICES):
            return voice
        return self.pools().voice_for(request.role, list(request.roles))

    def _payload(self, text: str, voice: str, role: str, language: str = "en"
                 ) -> dict[str, Any]:
        """A local server's voices speak what they are given; no instructions."""
        return {"model": self.model, "input": text, "voice": voice, "response_format": "wav"}

    def _url(self) -> str:
        return self.settings.local_tts_base_url.rstrip("/") + "/audio/speech"

    def _key(self) -> str | None:
        key = self.settings.local_tts_api_key
        return key.get_secret_value().strip() or None if key else None

    def _explain(self, exc: ProviderError, key: str | None) -> tuple[str, str | None]:
        message = redact(exc.message, key)
        if isinstance(exc, Unavailable) and exc.status is None:
            return message, ("Is the speech server running? e.g. docker run -p 8880:8880 "
                             "ghcr.io/remsky/kokoro-fastapi-cpu:latest, or set "
                             "LOCAL_TTS_BASE_URL.")
        if exc.status == 400:
            return message, ("Check the model name (local:<model>, e.g. local:kokoro) and "
                             "the voices (LOCAL_TTS_VOICES).")
        return message, exc.hint
