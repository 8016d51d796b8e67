"""Compose with real ffmpeg on tiny inputs (320x180, 1 s clips), plus argv builders as lists."""

from __future__ import annotations

import math
import re
import subprocess
from pathlib import Path

import pytest

from film.errors import InputError, MediaError
from film.media.compose import compose_film
from film.media.ffmpeg import ffmpeg_binary, measure_duration, probe, run_ffmpeg_sync
from film.media.segments import (
    Copy,
    Segment,
    Take,
    build_mux_args,
    build_segment_args,
    concat_list_text,
    escape_filter_value,
    plan_segments,
    subtitles_wrap_unicode,
)
from film.media.soundtrack import (
    Loudness,
    build_audio_args,
    build_gain_args,
    build_mix_args,
    mix_soundtrack,
    parse_loudness,
    read_measurement,
)
from film.media.subtitles import parse_srt
from film.media.timeline import TimelineShot, build_timeline

COLOURS = ["red", "lime", "blue"]
SPEECH = [0.4, 2.0, 0.6]  # the middle line is longer than its 1 s shot
TEXTS = ["Hello.", "A much longer line that needs two cues on screen, because it does "
         "not fit in two lines of forty-two characters.", "Bye."]


def make_clip(path: Path, colour: str, size: str = "320x180") -> Path:
    run_ffmpeg_sync(["-f", "lavfi", "-i", f"color=c={colour}:s={size}:d=1:r=24",
                     "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)])
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("media")
    clips = [make_clip(root / f"clip{i}.mp4", c) for i, c in enumerate(COLOURS)]
    speech = []
    for i, seconds in enumerate(SPEECH):
        path = root / f"speech{i}.wav"
        run_ffmpeg_sync(["-f", "lavfi", "-i", f"sine=frequency={300 + 200 * i}:duration={seconds}",
                         "-ar", "22050", "-ac", "1", str(path)])
        speech.append(path)
    music = root / "music.wav"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=frequency=110:duration=1.5", "-ac", "2",
                     str(music)])
    return {"root": root, "clips": clips, "speech": speech, "music": music}


def shots(media: dict, *, speech: bool = True, clips: list[Path] | None = None) -> list:
    clips = clips or media["clips"]
    return [
        TimelineShot(
            shot_id=f"shot_{i}", clip=clips[i], planned=1.0,
            speech=media["speech"][i] if speech else None,
            speech_duration=SPEECH[i] if speech else 0.0, text=TEXTS[i] if speech else None,
        )
        for i in range(3)
    ]


def frame_rgb(path: Path, t: float, width: int, height: int) -> bytes:
    proc = subprocess.run(
        [ffmpeg_binary(), "-v", "error", "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1",
         "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True)
    assert len(proc.stdout) == width * height * 3
    return proc.stdout


def pixel(frame: bytes, x: int, y: int, width: int) -> tuple[int, int, int]:
    i = (y * width + x) * 3
    return frame[i], frame[i + 1], frame[i + 2]


def mean_volume(path: Path) -> float:
    proc = subprocess.run([ffmpeg_binary(), "-i", str(path), "-map", "0:a", "-af", "volumedetect",
                           "-f", "null", "-"], capture_output=True, text=True)
    return float(re.search(r"mean_volume: (-?[\d.]+) dB", proc.stderr).group(1))


def integrated_lufs(path: Path) -> float:
    proc = subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostats", "-i", str(path),
                           "-map", "0:a", "-af", "ebur128", "-f", "null", "-"],
                          capture_output=True, text=True)
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", proc.stderr)[-1])


def top_level_boxes(path: Path) -> list[str]:
    data, boxes, i = path.read_bytes(), [], 0
    while i + 8 <= len(data):
        size = int.from_bytes(data[i : i + 4], "big")
        boxes.append(data[i + 4 : i + 8].decode("latin-1"))
        i += size if size >= 8 else len(data)
    return boxes


def assert_film(path: Path, timeline, width: int, height: int) -> None:
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat")  # +faststart
    info = probe(path)
    assert len(info.video) == 1 and len(info.audio) == 1
    assert info.video[0].codec == "h264" and info.audio[0].codec == "aac"
    assert (info.video[0].width, info.video[0].height) == (width, height)
    assert abs(measure_duration(path) - timeline.duration) < 0.1


async def test_crossfade_with_speech_and_ducked_music(media, tmp_path):
    tl = build_timeline(shots(media), transition="crossfade", transition_duration=0.5)
    out, srt = tmp_path / "final.mp4", tmp_path / "subtitles.srt"
    report = await compose_film(tl, out=out, srt_out=srt, width=320, height=180,
                                music=media["music"], cache_dir=tmp_path / "cache", workers=2)
    assert_film(out, tl, 320, 180)
    # The 2 s line made its 1 s shot longer than planned, so the film too.
    planned = build_timeline(shots(media, speech=False)).duration
    assert tl.shots[1].duration >= 2.35 and tl.duration > planned + 1.0
    assert (report.segments_total, report.segments_encoded, report.segments_reused) == (5, 5, 0)
    assert report.duration == tl.duration
    assert set(report.timings) >= {"plan", "encode", "audio", "mux"}
    # Each shot's first cue starts when its speech starts.
    cues = parse_srt(srt.read_text())
    starts = {round(c.start, 3) for c in cues}
    for plan in tl.shots:
        assert round(plan.speech_start, 3) in starts
    assert len(cues) == len(tl.cues) == 4
    # Mid-crossfade the frame is a blend of red and lime; inside a body it is pure.
    mid = tl.shots[1].start + tl.shots[0].transition_out / 2
    r, g, _ = pixel(frame_rgb(out, mid, 320, 180), 160, 40, 320)
    assert 60 < r < 200 and 60 < g < 200
    r, g, b = pixel(frame_rgb(out, tl.shots[1].start + 1.0, 320, 180), 160, 40, 320)
    assert g > 200 and r < 30 and b < 30
    assert mean_volume(out) > -40


@pytest.mark.parametrize(("transition", "width", "height"),
                         [("fade", 180, 320), ("cut", 240, 240)])
async def test_fade_and_cut_durations_and_padded_aspects(media, tmp_path, transition, width,
                                                         height):
    tl = build_timeline(shots(media), transition=transition, transition_duration=0.5)
    out = tmp_path / "final.mp4"
    report = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=width,
                                height=height, cache_dir=tmp_path / "cache")
    assert report.segments_total == 3
    assert tl.duration == pytest.approx(sum(p.duration for p in tl.shots))
    assert_film(out, tl, width, height)
    frame = frame_rgb(out, tl.shots[1].start + 1.0, width, height)
    assert pixel(frame, width // 2, 2, width) < (20, 20, 20)  # padded bar (16:9 clip)
    assert pixel(frame, width // 2, height // 2, width)[1] > 200  # the lime clip
    if transition == "fade":  # through black at the boundary
        dark = frame_rgb(out, tl.shots[1].start, width, height)
        assert max(pixel(dark, width // 2, height // 2, width)) < 60


async def test_silent_film_still_has_an_audio_track(media, tmp_path):
    tl = build_timeline(shots(media, speech=False), transition="cut")
    out = tmp_path / "final.mp4"
    await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=320, height=180,
                       cache_dir=tmp_path / "cache")
    assert_film(out, tl, 320, 180)
    assert (tmp_path / "s.srt").read_text() == ""


async def test_burned_subtitles_change_the_caption_area(media, tmp_path):
    tl = build_timeline(shots(media), transition="crossfade")
    cache = tmp_path / "ca:che 'quoted', [dir]"  # the filter escaping must cope
    plain, burned = tmp_path / "plain.mp4", tmp_path / "burned.mp4"
    for out, burn in ((plain, False), (burned, True)):
        await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=320, height=180,
                           burn_subtitles=burn, cache_dir=cache)
    w, band = 320 * 3, 180 - math.ceil(180 * 0.16)  # the storyboard's band: bottom ~16%
    for cue in tl.cues:
        t = (cue.start + cue.end) / 2
        a, b = frame_rgb(plain, t, 320, 180), frame_rgb(burned, t, 320, 180)
        # The caption sits on a dark box just above the band ...
        above = [x - y for x, y in zip(a[w * 100 : w * band], b[w * 100 : w * band],
                                       strict=True)]
        assert sum(d > 60 for d in above) > 300  # darkened by the box (and the text)
        # ... and leaves the band and the top of the frame alone (codec noise aside).
        # (x264 codes 16-row blocks: the box's block reaches into the band by a few levels)
        assert max(abs(x - y) for x, y in zip(a[w * band :], b[w * band :], strict=True)) <= 12
        assert a[: w * 60] == b[: w * 60]


async def test_one_short_quiet_voice_lands_near_minus_16_lufs(media, tmp_path):
    quiet = tmp_path / "quiet.wav"  # 0.6 s at about -30 LUFS in a 9 s film
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=frequency=440:duration=0.6", "-af",
                     "volume=-25dB", "-ar", "22050", "-ac", "1", str(quiet)])
    tl = build_timeline([
        TimelineShot(f"shot_{i}", media["clips"][i], planned=3.0,
                     speech=quiet if i == 1 else None, speech_duration=0.6 if i == 1 else 0.0)
        for i in range(3)], transition="cut")
    out = tmp_path / "final.mp4"
    report = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=320,
                                height=180, cache_dir=tmp_path / "cache")
    assert_film(out, tl, 320, 180)
    assert integrated_lufs(out) == pytest.approx(-16, abs=0.5)
    again = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=320,
                               height=180, cache_dir=tmp_path / "cache")
    assert not report.audio_reused and again.audio_reused


async def test_peaky_music_the_limiter_holds_still_lands_near_minus_16_lufs(tmp_path):
    """Drum-like music alone: the gain that reaches -16 LUFS lifts its peaks far past the
    limit, and the limiter takes loudness away with them (it landed at -17.4 LUFS); the
    limited mix is measured again and corrected. A kept measurement makes the same sound."""
    drums = tmp_path / "drums.wav"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "aevalsrc='0.9*sin(2*PI*60*t)*exp(-30*mod(t,0.5))"
                     "+0.02*sin(2*PI*440*t)':s=44100:d=8", "-ac", "2", str(drums)])
    kept = tmp_path / "loudness.json"
    first, second = tmp_path / "a.m4a", tmp_path / "b.m4a"
    await mix_soundtrack([], duration=8.0, out=first, music=drums, music_volume=1.0,
                         measurement=kept)
    loudness = read_measurement(kept)
    assert loudness is not None and loudness.limited() and loudness.correction > 0.5
    assert integrated_lufs(first) == pytest.approx(-16, abs=0.5)
    await mix_soundtrack([], duration=8.0, out=second, music=drums, music_volume=1.0,
                         measurement=kept)  # one pass, the same gains
    assert integrated_lufs(second) == pytest.approx(integrated_lufs(first), abs=0.1)


async def test_recompose_reencodes_only_the_changed_shot(media, tmp_path):
    clips = [make_clip(tmp_path / f"c{i}.mp4", c) for i, c in enumerate(COLOURS)]
    tl = build_timeline(shots(media, clips=clips))
    kwargs = {"out": tmp_path / "final.mp4", "srt_out": tmp_path / "s.srt", "width": 320,
              "height": 180, "cache_dir": tmp_path / "cache", "music": media["music"]}
    first = await compose_film(tl, **kwargs)
    assert (first.segments_encoded, first.audio_reused) == (5, False)
    again = await compose_film(tl, **kwargs)
    assert (again.segments_encoded, again.segments_reused, again.audio_reused) == (0, 5, True)
    make_clip(clips[1], "yellow")  # the middle shot changed: its body and both transitions
    changed = await compose_film(tl, **kwargs)
    assert (changed.segments_encoded, changed.segments_reused) == (3, 2)
    assert changed.audio_reused
    frame = frame_rgb(kwargs["out"], tl.shots[1].start + 1.0, 320, 180)
    r, g, b = pixel(frame, 160, 40, 320)
    assert r > 200 and g > 200 and b < 60
    assert_film(kwargs["out"], tl, 320, 180)
    # the cache holds this film's segments and soundtrack only
    cached = sorted(p.name for p in (tmp_path / "cache" / "segments").glob("*.mp4"))
    assert len(cached) == 5
    assert len(list((tmp_path / "cache" / "audio").glob("*.m4a"))) == 1


async def test_identical_segments_are_encoded_once(media, tmp_path):
    same = [media["clips"][0]] * 3
    tl = build_timeline(shots(media, speech=False, clips=same), transition="cut")
    out = tmp_path / "final.mp4"
    report = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=320, height=180,
                                cache_dir=tmp_path / "cache")
    assert (report.segments_total, report.segments_encoded) == (3, 1)
    assert_film(out, tl, 320, 180)


async def test_failing_ffmpeg_raises_media_error_with_stderr(media, tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_text("not a video")
    tl = build_timeline(shots(media, clips=[media["clips"][0], bad, media["clips"][2]]))
    out = tmp_path / "final.mp4"
    with pytest.raises(MediaError) as info:
        await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=320, height=180,
                           cache_dir=tmp_path / "cache")
    assert info.value.stderr_tail
    assert "bad.mp4" in str(info.value)
    assert not out.exists()
    assert not [p for p in (tmp_path / "cache" / "segments").iterdir() if ".tmp-" in p.name]


async def test_input_checks(media, tmp_path):
    tl = build_timeline(shots(media, clips=[tmp_path / "missing.mp4", *media["clips"][1:]]))
    common = {"out": tmp_path / "o.mp4", "srt_out": tmp_path / "s.srt",
              "cache_dir": tmp_path / "c"}
    with pytest.raises(InputError, match="missing"):
        await compose_film(tl, width=320, height=180, **common)
    ok = build_timeline(shots(media))
    with pytest.raises(InputError, match="even"):
        await compose_film(ok, width=321, height=180, **common)
    with pytest.raises(InputError, match="fps"):
        await compose_film(ok, width=320, height=180, fps=30, **common)


async def test_music_that_is_not_audio_is_an_input_error(media, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("la la la")
    image = tmp_path / "cover.png"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "color=c=red:s=32x32", "-frames:v", "1", str(image)])
    tl = build_timeline(shots(media))
    for bad in (text, image, media["clips"][0]):  # a clip with video but no audio too
        with pytest.raises(InputError, match="is not an audio file") as info:
            await compose_film(tl, out=tmp_path / "o.mp4", srt_out=tmp_path / "s.srt",
                               width=320, height=180, music=bad, cache_dir=tmp_path / "c")
        assert bad.name in str(info.value)
    with pytest.raises(InputError, match="missing music"):
        await compose_film(tl, out=tmp_path / "o.mp4", srt_out=tmp_path / "s.srt", width=320,
                           height=180, music=tmp_path / "nope.mp3", cache_dir=tmp_path / "c")
    assert not (tmp_path / "o.mp4").exists()


# --- argv builders --------------------------------------------------------------------------

def test_transition_segments_sit_at_cumulative_offsets():
    clips = [Path(f"c{i}.mp4") for i in range(3)]
    tl = build_timeline([TimelineShot(f"s{i}", clips[i], 2.0) for i in range(3)])
    segs = plan_segments(tl)
    assert [s.kind for s in segs] == ["body", "transition", "body", "transition", "body"]
    # The xfade of boundary i begins at offset_i = sum_{j<=i} d_j - (i+1) * T.
    assert [s.film_start / 24 for s in segs if s.kind == "transition"] == [1.5, 3.0]
    assert segs[1].takes == (Take(clips[0], 36, 48), Take(clips[1], 0, 12))
    assert sum(s.frames for s in segs) == tl.total_frames


def test_segment_args():
    seg = Segment("transition", "a+b",
                  (Take(Path("/v/a.mp4"), 36, 48), Take(Path("/v/b.mp4"), 0, 12)),
                  film_start=36, frames=12)
    args = build_segment_args(seg, width=1280, height=720, fps=24, out=Path("/v/o.mp4"))
    assert args[:4] == ["-i", "/v/a.mp4", "-i", "/v/b.mp4"]
    graph = args[args.index("-filter_complex") + 1]
    assert "[a][b]xfade=transition=fade:duration=0.500000:offset=0[v]" in graph
    assert "tpad=stop_mode=clone:stop=48,trim=start_frame=36:end_frame=48" in graph
    assert "pad=1280:720:(ow-iw)/2:(oh-ih)/2:color=black,setsar=1,format=yuv420p" in graph
    assert args[-1] == "/v/o.mp4" and "-an" in args
    assert args[args.index("-frames:v") + 1] == "12"
    assert args[args.index("-video_track_timescale") + 1] == "12288"
    body = Segment("body", "a", (Take(Path("a.mp4"), 0, 48),), 0, 48, fade_in=6, fade_out=6)
    graph = build_segment_args(body, width=320, height=180, fps=24, out=Path("o.mp4"),
                               subtitles=Path("/x/s:1.ass"), fonts_dir=Path("/f"))
    graph = graph[graph.index("-filter_complex") + 1]
    assert graph.endswith(",fade=t=in:start_frame=0:nb_frames=6,"
                          "fade=t=out:start_frame=42:nb_frames=6,"
                          "subtitles=filename=/x/s\\\\:1.ass:fontsdir=/f"
                          + (":wrap_unicode=1" if subtitles_wrap_unicode() else "") + "[v]")


def test_escape_filter_value():
    assert escape_filter_value("/a/b.ass") == "/a/b.ass"
    assert escape_filter_value("a:b") == "a\\\\:b"  # a\\:b
    assert escape_filter_value("it's") == "it\\\\\\'s"  # it\\\'s
    assert escape_filter_value("x,[y];") == "x\\,\\[y\\]\\;"


def test_audio_args():
    loud = Loudness(integrated=-20.0, peak=-12.0)
    args = build_audio_args([(Path("a.wav"), 0.0), (Path("b.wav"), 1.5)], duration=4.0,
                            out=Path("o.m4a"), music=Path("/v/m.mp3"), music_volume=0.3,
                            loudness=loud)
    i = args.index("/v/m.mp3")
    assert args[i - 3: i] == ["-stream_loop", "-1", "-i"]
    graph = args[args.index("-filter_complex") + 1]
    assert "adelay=delays=0:all=1[v0]" in graph and "adelay=delays=1500:all=1[v1]" in graph
    assert "[v0][v1]amix=inputs=2:normalize=0:duration=longest" in graph
    assert "[bed][key]sidechaincompress=" in graph
    assert "[speech][ducked]amix=inputs=2:normalize=0:duration=first[mix]" in graph
    assert "volume=0.3,afade=t=in:st=0:d=1.000,afade=t=out:st=3.000:d=1.000" in graph
    assert "[mix]volume=4.00dB," in graph and "alimiter" not in graph and "loudnorm" not in graph
    assert args[args.index("-c:a") + 1] == "aac" and args[args.index("-ac") + 1] == "2"
    assert args[args.index("-t") + 1] == "4.000000"
    silent = build_audio_args([], duration=2.0, out=Path("o.m4a"))
    assert silent[:4] == ["-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo"]
    no_music = build_audio_args([(Path("a.wav"), 0.25)], duration=2.0, out=Path("o.m4a"))
    graph = no_music[no_music.index("-filter_complex") + 1]
    assert "sidechaincompress" not in graph and "-stream_loop" not in no_music
    assert "[v0]amix=inputs=1:normalize=0" in graph


EBUR128_STDERR = """[Parsed_ebur128_9 @ 0x55d0] Summary:

  Integrated loudness:
    I:         -31.2 LUFS
    Threshold: -41.2 LUFS

  Loudness range:
    LRA:         0.0 LU
    Threshold:   0.0 LUFS
    LRA low:     0.0 LUFS
    LRA high:    0.0 LUFS

  Sample peak:
    Peak:       -9.9 dBFS
[out#0/wav @ 0x55d1] video:0KiB audio:1KiB
"""


def test_one_measurement_and_one_gain():
    mix = build_mix_args([(Path("a.wav"), 0.5)], duration=3.0, out=Path("/w/mix.wav"),
                         music=Path("m.mp3"))
    graph = mix[mix.index("-filter_complex") + 1]
    assert graph.endswith("[mix]asplit=2[wav][scan];"
                          "[scan]ebur128=peak=sample:framelog=quiet,anullsink")
    assert "adelay=delays=500:all=1" in graph and "[bed][key]sidechaincompress=" in graph
    assert mix[-4:] == ["pcm_f32le", "-f", "wav", "/w/mix.wav"]
    loud = parse_loudness(EBUR128_STDERR)
    assert loud == Loudness(integrated=-31.2, peak=-9.9)
    assert loud.gain_db() == pytest.approx(15.2)
    gain = build_gain_args(Path("/w/mix.wav"), loudness=loud, duration=3.0, out=Path("o.m4a"))
    assert gain[:2] == ["-i", "/w/mix.wav"]
    assert gain[gain.index("-af") + 1].startswith("volume=15.20dB,alimiter=limit=0.8414:")
    assert "latency=1" in gain[gain.index("-af") + 1]  # the limiter does not delay the sound
    # a gain that keeps the peaks under -1.5 dBFS needs no limiter
    assert Loudness(-20.0, -8.0).gain_filter() == "volume=4.00dB"
    # silence gets no gain; a missing or non-finite measurement is None
    assert Loudness(-70.0, -90.0).gain_db() == 0.0
    assert parse_loudness(EBUR128_STDERR.replace("-31.2 LUFS", "-inf LUFS")) is None
    assert parse_loudness("no summary here") is None


def test_paths_that_look_like_options_reach_ffmpeg_as_paths():
    from film.media.ffmpeg import media_path

    assert media_path("-weird/out.mp4") == str(Path.cwd() / "-weird" / "out.mp4")
    args = build_mux_args(Path("-l.txt"), Path("a:b.m4a"), Path("-o.mp4"))
    assert not any(a.startswith("-") and a.endswith((".txt", ".m4a", ".mp4")) for a in args)


def test_mux_and_concat_list():
    args = build_mux_args(Path("/v/l.txt"), Path("/v/a.m4a"), Path("/v/o.mp4"))
    # packets as they are (no in-band parameter sets), each frame stamped with its number
    assert args[:8] == ["-auto_convert", "0", "-f", "concat", "-safe", "0", "-i", "/v/l.txt"]
    assert args[args.index("-movflags") + 1] == "+faststart"
    assert args[args.index("-c") + 1] == "copy"
    assert args[args.index("-bsf:v") + 1] == "setts=ts=N*512"
    text = concat_list_text([Path("/tmp/it's.mp4")])
    assert text == "file '/tmp/it'\\''s.mp4'\n"
    # a copy names its clip with in and out points in whole microseconds: rounded up, the
    # in-point seeks to that very key frame; rounded down, the out-point drops that frame
    clip = Path("/v/c.mp4")
    text = concat_list_text([Copy("a", clip, 8, 100, 0), Copy("b", clip, 0, 120, 92),
                             Copy("c", clip, 12, 120, 212)], 24, {clip: 120})
    assert text.splitlines() == [
        "file '/v/c.mp4'", "inpoint 0.333334", "outpoint 4.166666",
        "file '/v/c.mp4'",  # the whole clip
        "file '/v/c.mp4'", "inpoint 0.500000"]
