"""The soundtrack: voices at their shot starts, music looped and ducked under them, then
two-pass loudnorm to -16 LUFS (pass 1 measures, pass 2 applies one linear gain). Builders
return argv lists (pure); `mix_soundtrack` runs them."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from film.errors import InputError, MediaError
from film.media.ffmpeg import AUDIO_RATE, media_path, probe, run_ffmpeg

LOUDNORM = "loudnorm=I=-16:TP=-1.5:LRA=11"
LOUDNORM_PASSES = 2  # part of the soundtrack's cache key
# loudnorm's print_format=json keys -> its pass-2 options
MEASURED = {"input_i": "measured_I", "input_tp": "measured_TP", "input_lra": "measured_LRA",
            "input_thresh": "measured_thresh", "target_offset": "offset"}
DUCKING = "sidechaincompress=threshold=0.02:ratio=8:attack=20:release=350"


def _mix_graph(
    voices: list[tuple[Path, float]], *, duration: float, music: Path | None,
    music_volume: float, rate: int,
) -> tuple[list[str], list[str]]:
    """Inputs and filter chains mixing voices and music into `[mix]` (before loudnorm)."""
    dur = f"{duration:.6f}"
    fmt = f"aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts=stereo"
    args: list[str] = []
    parts: list[str] = []
    for i, (path, start) in enumerate(voices):
        args += ["-i", media_path(path)]
        delay = round(start * 1000)
        parts.append(f"[{i}:a]aresample={rate},{fmt},adelay=delays={delay}:all=1[v{i}]")
    if voices:
        inputs = "".join(f"[v{i}]" for i in range(len(voices)))
        parts.append(f"{inputs}amix=inputs={len(voices)}:normalize=0:duration=longest,"
                     f"apad=whole_dur={dur},atrim=end={dur}"
                     + (",asplit=2[speech][key]" if music else "[mix]"))
    if music is not None:
        args += ["-stream_loop", "-1", "-i", media_path(music)]
        fade = min(1.0, duration / 4)
        parts.append(
            f"[{len(voices)}:a]aresample={rate},{fmt},atrim=end={dur},asetpts=PTS-STARTPTS,"
            f"volume={music_volume},afade=t=in:st=0:d={fade:.3f},"
            f"afade=t=out:st={max(0.0, duration - fade):.3f}:d={fade:.3f}"
            + ("[bed]" if voices else "[mix]"))
        if voices:
            parts.append(f"[bed][key]{DUCKING}[ducked]")
            parts.append("[speech][ducked]amix=inputs=2:normalize=0:duration=first[mix]")
    return args, parts


def build_loudness_scan_args(
    voices: list[tuple[Path, float]], *, duration: float, music: Path | None = None,
    music_volume: float = 0.25, rate: int = AUDIO_RATE,
) -> list[str]:
    """argv for loudnorm's pass 1: the soundtrack's mix measured, its JSON printed to stderr
    (needs `-loglevel info`), nothing written."""
    args, parts = _mix_graph(voices, duration=duration, music=music,
                             music_volume=music_volume, rate=rate)
    parts.append(f"[mix]{LOUDNORM}:print_format=json[aout]")
    return [*args, "-filter_complex", ";".join(parts), "-map", "[aout]", "-f", "null", "-"]


def parse_loudnorm_json(stderr: str) -> dict[str, float] | None:
    """The measurements of loudnorm's pass 1 from ffmpeg's stderr; None when they are missing
    or not finite (e.g. a silent mix), so pass 2 falls back to one-pass loudnorm."""
    blocks = re.findall(r"\{[^{}]*\"input_i\"[^{}]*\}", stderr)
    if not blocks:
        return None
    try:
        data = json.loads(blocks[-1])
        values = {key: float(data[key]) for key in MEASURED}
    except (ValueError, KeyError, TypeError):
        return None
    if not all(math.isfinite(v) for v in values.values()):
        return None
    return values


def loudnorm_filter(measured: dict[str, float] | None = None) -> str:
    """loudnorm's pass-2 filter: linear gain from `measured` (pass 1), else one-pass."""
    if not measured:
        return LOUDNORM
    opts = "".join(f":{MEASURED[k]}={measured[k]:.2f}" for k in MEASURED)
    return f"{LOUDNORM}{opts}:linear=true"


def build_audio_args(
    voices: list[tuple[Path, float]], *, duration: float, out: Path,
    music: Path | None = None, music_volume: float = 0.25, rate: int = AUDIO_RATE,
    measured: dict[str, float] | None = None,
) -> list[str]:
    """argv for the soundtrack: voices at their starts, music ducked under them, loudnorm
    (linear, from pass 1's `measured`, when given), AAC."""
    dur = f"{duration:.6f}"
    encode = ["-c:a", "aac", "-b:a", "160k", "-ar", str(rate), "-ac", "2", "-t", dur,
              "-f", "mp4", media_path(out)]
    if not voices and music is None:
        return ["-f", "lavfi", "-i", f"anullsrc=r={rate}:cl=stereo", *encode]
    fmt = f"aformat=sample_fmts=fltp:sample_rates={rate}:channel_layouts=stereo"
    args, parts = _mix_graph(voices, duration=duration, music=music,
                             music_volume=music_volume, rate=rate)
    parts.append(f"[mix]{loudnorm_filter(measured)},aresample={rate},{fmt},atrim=end={dur}[aout]")
    return [*args, "-filter_complex", ";".join(parts), "-map", "[aout]", *encode]


async def mix_soundtrack(
    voices: list[tuple[Path, float]], *, duration: float, out: Path,
    music: Path | None = None, music_volume: float = 0.25,
) -> None:
    """Write the soundtrack to `out`: loudnorm pass 1 measures the mix, pass 2 encodes it."""
    measured = None
    if voices or music is not None:
        stderr = await run_ffmpeg(
            build_loudness_scan_args(voices, duration=duration, music=music,
                                     music_volume=music_volume),
            what="measure soundtrack loudness", loglevel="info")
        measured = parse_loudnorm_json(stderr)
    await run_ffmpeg(build_audio_args(voices, duration=duration, out=out, music=music,
                                      music_volume=music_volume, measured=measured),
                     what="mix audio")


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
