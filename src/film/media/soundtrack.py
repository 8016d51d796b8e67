"""The soundtrack: voices at their shot starts, music looped and ducked under them, brought to
-16 LUFS integrated by one linear gain.

Two passes, and one when the mix was measured before:
1. the mix is made once, written as float WAV, and measured on the way (EBU R128 integrated
   loudness and sample peak, `ebur128`); the measurement is kept by the caller under the mix's
   hash;
2. the WAV gets one gain (a peak limiter at -1.5 dBFS only when the gain would push peaks above
   it) and is encoded to AAC.
When the limiter is needed it lowers the loudness too (much of it for peaky music), so the
limited mix is measured once more (a pass that writes nothing) and a correcting gain, limited
again, lands it on the target; the correction is kept with the measurement.
With a kept measurement the mix, the gains and the AAC encode are one pass. Builders return
argv lists (pure); `mix_soundtrack` runs them.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from film.errors import InputError, MediaError
from film.fsutil import atomic_write_json, temp_path_for
from film.media.ffmpeg import AUDIO_RATE, media_path, probe, run_ffmpeg

TARGET_LUFS = -16.0
#: no sample may exceed this after the gain (dBFS); a limiter holds peaks under it
PEAK_LIMIT_DB = -1.5
#: what the soundtrack's loudness step is: part of its cache key
LOUDNESS = f"ebur128-gain:I={TARGET_LUFS}:peak={PEAK_LIMIT_DB}:v2"
#: quieter than this, a mix is silence (or a noise floor): it gets no gain
SILENCE_LUFS = -60.0
DUCKING = "sidechaincompress=threshold=0.02:ratio=8:attack=20:release=350"
AAC = ["-c:a", "aac", "-b:a", "160k"]


@dataclass(frozen=True)
class Loudness:
    """A mix's EBU R128 integrated loudness (LUFS) and sample peak (dBFS), and the gain (dB)
    that brings it to the target once limited, when the limiter takes loudness away."""

    integrated: float
    peak: float
    correction: float = 0.0

    def gain_db(self) -> float:
        """The one gain that brings the mix to TARGET_LUFS (none for silence)."""
        if self.integrated < SILENCE_LUFS:
            return 0.0
        return TARGET_LUFS - self.integrated

    def limited(self) -> bool:
        """Whether the gain would lift peaks past the limit (so a limiter holds them)."""
        return self.gain_db() != 0.0 and self.peak + self.gain_db() > PEAK_LIMIT_DB

    def gain_filter(self, *, corrected: bool = True) -> str:
        """`volume` with the gain, and a limiter when the gain would lift peaks past the
        limit (latency compensated: the limiter's look-ahead does not shift the sound); then
        the correction (`corrected`), limited again when it lifts."""
        text = f"volume={self.gain_db():.2f}dB" + (f",{_LIMITER}" if self.limited() else "")
        if corrected and abs(self.correction) >= 0.05:
            text += f",volume={self.correction:.2f}dB"
            text += f",{_LIMITER}" if self.correction > 0 else ""
        return text


_LIMITER = (f"alimiter=limit={10 ** (PEAK_LIMIT_DB / 20):.4f}:level=0:latency=1:attack=5"
            ":release=50")


def _fmt(rate: int) -> str:
    return f"aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts=stereo"


def _mix_graph(
    voices: list[tuple[Path, float]], *, duration: float, music: Path | None,
    music_volume: float, rate: int,
) -> tuple[list[str], list[str]]:
    """Inputs and filter chains mixing voices and music into `[mix]` (before the gain)."""
    dur = f"{duration:.6f}"
    args: list[str] = []
    parts: list[str] = []
    for i, (path, start) in enumerate(voices):
        args += ["-i", media_path(path)]
        delay = round(start * 1000)
        parts.append(f"[{i}:a]aresample={rate},{_fmt(rate)},adelay=delays={delay}:all=1[v{i}]")
    if voices:
        inputs = "".join(f"[v{i}]" for i in range(len(voices)))
        parts.append(f"{inputs}amix=inputs={len(voices)}:normalize=0:duration=longest,"
                     f"apad=whole_dur={dur},atrim=end={dur}"
                     + (",asplit=2[speech][key]" if music else "[mix]"))
    if music is not None:
        args += ["-stream_loop", "-1", "-i", media_path(music)]
        fade = min(1.0, duration / 4)
        parts.append(
            f"[{len(voices)}:a]aresample={rate},{_fmt(rate)},atrim=end={dur},asetpts=PTS-STARTPTS,"
            f"volume={music_volume},afade=t=in:st=0:d={fade:.3f},"
            f"afade=t=out:st={max(0.0, duration - fade):.3f}:d={fade:.3f}"
            + ("[bed]" if voices else "[mix]"))
        if voices:
            parts.append(f"[bed][key]{DUCKING}[ducked]")
            parts.append("[speech][ducked]amix=inputs=2:normalize=0:duration=first[mix]")
    return args, parts


def _encode(out: Path, duration: float, rate: int) -> list[str]:
    return [*AAC, "-ar", str(rate), "-ac", "2", "-t", f"{duration:.6f}", "-f", "mp4",
            media_path(out)]


def build_mix_args(
    voices: list[tuple[Path, float]], *, duration: float, out: Path,
    music: Path | None = None, music_volume: float = 0.25, rate: int = AUDIO_RATE,
) -> list[str]:
    """argv for pass 1: the mix written to `out` (float WAV) and measured on the way; the
    measurement is printed to stderr (needs `-loglevel info`, read by `parse_loudness`)."""
    args, parts = _mix_graph(voices, duration=duration, music=music,
                             music_volume=music_volume, rate=rate)
    parts.append("[mix]asplit=2[wav][scan]")
    parts.append("[scan]ebur128=peak=sample:framelog=quiet,anullsink")
    return [*args, "-filter_complex", ";".join(parts), "-map", "[wav]", "-c:a", "pcm_f32le",
            "-f", "wav", media_path(out)]


def build_gain_args(mix: Path, *, loudness: Loudness, duration: float, out: Path,
                    rate: int = AUDIO_RATE) -> list[str]:
    """argv for pass 2: the measured mix with its one gain, encoded to AAC."""
    return ["-i", media_path(mix), "-af", f"{loudness.gain_filter()},{_fmt(rate)}",
            *_encode(out, duration, rate)]


def build_audio_args(
    voices: list[tuple[Path, float]], *, duration: float, out: Path,
    music: Path | None = None, music_volume: float = 0.25, rate: int = AUDIO_RATE,
    loudness: Loudness | None = None,
) -> list[str]:
    """argv for the whole soundtrack in one pass, for a mix measured before (`loudness`):
    mix, gain, AAC. Silence when there are no voices and no music."""
    if not voices and music is None:
        return ["-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=stereo", *_encode(out, duration,
                                                                                rate)]
    args, parts = _mix_graph(voices, duration=duration, music=music,
                             music_volume=music_volume, rate=rate)
    gain = loudness.gain_filter() if loudness is not None else "anull"
    parts.append(f"[mix]{gain},{_fmt(rate)}[aout]")
    return [*args, "-filter_complex", ";".join(parts), "-map", "[aout]",
            *_encode(out, duration, rate)]


_SUMMARY = re.compile(r"Summary:(.*)", re.S)


def parse_loudness(stderr: str) -> Loudness | None:
    """The integrated loudness and sample peak from ebur128's summary in ffmpeg's stderr;
    None when missing or not finite."""
    summary = _SUMMARY.search(stderr)
    if not summary:
        return None
    text = summary.group(1)
    i = re.search(r"I:\s+(-?[\d.]+|-?inf|nan) LUFS", text)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-?inf|nan) dBFS", text)
    if not i or not peak:
        return None
    try:
        values = float(i.group(1)), float(peak.group(1))
    except ValueError:
        return None
    if not math.isfinite(values[0]):
        return None
    return Loudness(values[0], values[1] if math.isfinite(values[1]) else -120.0)


def read_measurement(path: Path | None) -> Loudness | None:
    """A measurement kept by `mix_soundtrack` (None when there is none, or it is damaged)."""
    if path is None or not path.is_file():
        return None
    with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
        data = json.loads(path.read_text())
        return Loudness(float(data["integrated"]), float(data["peak"]),
                        float(data.get("correction", 0.0)))
    return None


async def mix_soundtrack(
    voices: list[tuple[Path, float]], *, duration: float, out: Path,
    music: Path | None = None, music_volume: float = 0.25, measurement: Path | None = None,
) -> None:
    """Write the soundtrack to `out`: one pass when `measurement` holds this mix's loudness,
    else mix-and-measure then gain-and-encode (the measurement is kept in `measurement`)."""
    loudness = read_measurement(measurement)
    if loudness is not None or (not voices and music is None):
        await run_ffmpeg(build_audio_args(voices, duration=duration, out=out, music=music,
                                          music_volume=music_volume, loudness=loudness),
                         what="mix audio")
        return
    wav = temp_path_for(out.with_suffix(".wav"))
    try:
        stderr = await run_ffmpeg(
            build_mix_args(voices, duration=duration, out=wav, music=music,
                           music_volume=music_volume),
            what="mix and measure audio", loglevel="info")
        loudness = parse_loudness(stderr) or Loudness(TARGET_LUFS, PEAK_LIMIT_DB)
        if loudness.limited():
            loudness = await _corrected(wav, loudness)
        if measurement is not None:
            atomic_write_json(measurement, asdict(loudness), sync=False)
        await run_ffmpeg(build_gain_args(wav, loudness=loudness, duration=duration, out=out),
                         what="encode audio")
    finally:
        with contextlib.suppress(OSError):
            wav.unlink(missing_ok=True)


def check_music(music: Path) -> None:
    """InputError unless `music` is a file ffmpeg reads with at least one audio stream."""
    if not music.is_file():
        raise InputError(f"missing music file {music}")
    try:
        info = probe(music)
    except MediaError:
        info = None
    if info is None or not info.audio:
        raise InputError(f"music {music} is not an audio file (ffmpeg finds no audio stream "
                         "in it)", hint="pass a sound file such as .mp3, .wav, .m4a or .ogg")


#: measurements of the limited mix at most (each a pass that writes nothing), and how near
#: the target (LU) is near enough
CORRECTION_ROUNDS, CORRECTION_TOLERANCE = 3, 0.2


def build_limited_measure_args(mix: Path, *, loudness: Loudness) -> list[str]:
    """argv for the measurement of the mix with its gains and limiters (nothing written)."""
    return ["-i", media_path(mix), "-af",
            f"{loudness.gain_filter()},ebur128=peak=sample:framelog=quiet", "-f", "null", "-"]


async def _corrected(mix: Path, loudness: Loudness) -> Loudness:
    """`loudness` with the correction that brings the limited mix to the target (the
    correction's own limiter takes a little more away, so it is measured again, a few times
    at most)."""
    for _ in range(CORRECTION_ROUNDS):
        stderr = await run_ffmpeg(build_limited_measure_args(mix, loudness=loudness),
                                  what="measure the limited audio", loglevel="info")
        limited = parse_loudness(stderr)
        if limited is None or abs(TARGET_LUFS - limited.integrated) < CORRECTION_TOLERANCE:
            break
        loudness = replace(loudness, correction=round(
            loudness.correction + TARGET_LUFS - limited.integrated, 2))
    return loudness
