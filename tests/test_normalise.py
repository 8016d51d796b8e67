"""Clips normalised once, and a compose that copies their bodies: byte-level properties (frame
counts, key frames, packets, timestamps, loudness), small media (320x180, 1 s shots)."""

from __future__ import annotations

import itertools
import re
import subprocess
from pathlib import Path

import pytest

from film.media.compose import compose_film
from film.media.ffmpeg import TICKS_PER_FRAME, ffmpeg_binary, run_ffmpeg_sync
from film.media.mp4 import Mp4Error, VideoTrack, track_count, video_track
from film.media.normalise import (
    build_normalise_args,
    film_ready,
    keyframe_args,
    normalise_clip,
    reference_config,
)
from film.media.segments import Copy, Segment, body_pieces, build_segment_args, plan_pieces
from film.media.timeline import TimelineShot, build_timeline, cut_frames, planned_cuts

W, H = 320, 180


def counting_clip(path: Path, frames: int, *, size: str = "320x180", rate: int = 24) -> Path:
    """A clip whose frame n is a flat grey of luma 16 + 6 n: each frame says which it is."""
    run_ffmpeg_sync(["-f", "lavfi", "-i", f"color=c=black:s={size}:r={rate}", "-vf",
                     "geq=lum='16+6*N':cb=128:cr=128", "-frames:v", str(frames), "-c:v",
                     "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)])
    return path


def lumas(path: Path) -> list[int]:
    """Each frame's mean luma, decoded (which source frame it shows)."""
    raw = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(path), "-vf", "scale=8:8",
                          "-pix_fmt", "yuv420p", "-f", "rawvideo", "-"],
                         capture_output=True, check=True).stdout
    return [round(sum(raw[i:i + 64]) / 64) for i in range(0, len(raw), 96)]  # Y of Y, U, V


def frame_of(luma: int) -> int:
    return round((luma - 16) / 6)


def packets(path: Path) -> list[tuple[int, int, int, str]]:
    """The video stream's packets as they are stored: (dts, pts, size, crc)."""
    out = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(path), "-map", "0:v",
                          "-c", "copy", "-f", "framecrc", "-"],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        if line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split(",")]
        rows.append((int(cols[1]), int(cols[2]), int(cols[4]), cols[5]))
    return rows


def integrated_lufs(path: Path) -> float:
    proc = subprocess.run([ffmpeg_binary(), "-hide_banner", "-nostats", "-i", str(path),
                           "-map", "0:a", "-af", "ebur128", "-f", "null", "-"],
                          capture_output=True, text=True)
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", proc.stderr)[-1])


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("raw")
    return {"a": counting_clip(root / "a.mp4", 30, size="640x360", rate=30),
            "b": counting_clip(root / "b.mp4", 24), "c": counting_clip(root / "c.mp4", 24),
            "root": root}


# --- normalising ----------------------------------------------------------------------------

async def test_a_raw_clip_is_encoded_once_in_the_film_format(raw, tmp_path):
    out = tmp_path / "a.mp4"
    meta = await normalise_clip(raw["a"], out, width=W, height=H, keyframes=(8, 16))
    track = video_track(out)
    # 30 frames at 30 fps are 24 at 24 fps; 320x180; every frame 1/24 s on a 12288 Hz clock
    assert (track.frames, track.width, track.height) == (24, W, H)
    assert track.timescale == 24 * TICKS_PER_FRAME
    assert set(track.durations) == {TICKS_PER_FRAME} and not track.reordered  # no B-frames
    assert {0, 8, 16} <= set(track.key_frames())
    assert track.config == await reference_config(W, H)  # joinable with any film segment
    assert meta["encoded"] and meta["frames"] == 24 and meta["keyframes"] == [0, 8, 16]
    assert await film_ready(out, width=W, height=H) == track
    assert await film_ready(raw["a"], width=W, height=H) is None  # wrong size and rate
    assert await film_ready(out, width=640, height=360) is None  # another film's size


async def test_a_clip_in_the_film_format_is_copied_not_encoded_again(raw, tmp_path):
    first, again = tmp_path / "1.mp4", tmp_path / "2.mp4"
    await normalise_clip(raw["b"], first, width=W, height=H, keyframes=(6,))
    meta = await normalise_clip(first, again, width=W, height=H, keyframes=(6,))
    assert not meta["encoded"] and again.read_bytes() == first.read_bytes()
    # other key frames wanted: encoded again, with them
    meta = await normalise_clip(first, tmp_path / "3.mp4", width=W, height=H, keyframes=(9,))
    assert meta["encoded"] and 9 in meta["keyframes"]


def test_normalise_args_force_exactly_the_key_frames():
    args = build_normalise_args(Path("/in/a.mov"), Path("/out/a.mp4"), width=W, height=H,
                                keyframes=(12, 0, 108, 12))
    assert args[args.index("-force_key_frames") + 1] == "expr:eq(n,12)+eq(n,108)"
    assert args[args.index("-bf") + 1] == "0" and args[args.index("-g") + 1] == "48"
    assert args[args.index("-video_track_timescale") + 1] == "12288"
    assert "fps=24,scale=320:180" in args[args.index("-vf") + 1] and "-an" in args
    assert keyframe_args([]) == []


def test_the_mp4_reader_refuses_what_is_not_an_mp4(tmp_path):
    bad = tmp_path / "x.mp4"
    bad.write_bytes(b"\x00\x00\x00\x08free" + b"not a movie")
    with pytest.raises(Mp4Error):
        video_track(bad)


def test_cuts_are_where_the_bodies_begin_and_end():
    tl = build_timeline([TimelineShot(f"s{i}", Path(), 5.0) for i in range(3)])
    assert [cut_frames(p) for p in tl.shots] == [(108,), (12, 108), (12,)]
    fade = build_timeline([TimelineShot(f"s{i}", Path(), 5.0) for i in range(2)],
                          transition="fade")
    assert [cut_frames(p) for p in fade.shots] == [(114,), (6,)]
    assert planned_cuts([5.0, 1.0, 5.0], 1, transition="crossfade",
                        transition_duration=0.5) == (8, 16)  # a third of a short shot
    assert planned_cuts([5.0, 5.0], 0, transition="cut", transition_duration=0.5) == ()


# --- planning the pieces --------------------------------------------------------------------

def track(frames: int, keys: tuple[int, ...]) -> VideoTrack:
    return VideoTrack("avc1", b"", W, H, 12288, (512,) * frames, keys, False, ())


def test_bodies_are_copied_from_their_first_key_frame_and_the_rest_encoded():
    clips = [Path(f"/c{i}.mp4") for i in range(3)]
    tl = build_timeline([TimelineShot(f"s{i}", clips[i], 2.0) for i in range(3)])
    ready = {clips[0]: track(48, (0, 36)), clips[1]: track(48, (0, 20, 36)), clips[2]: None}
    pieces = plan_pieces(tl, ready)
    assert sum(p.frames for p in pieces) == tl.total_frames
    starts = [p.film_start for p in pieces]
    assert starts == sorted(starts) and all(
        a.film_start + a.frames == b.film_start for a, b in itertools.pairwise(pieces))
    kinds = [(type(p).__name__, p.frames) for p in pieces]
    assert kinds == [("Copy", 36), ("Segment", 12),  # s0's body, the crossfade
                     ("Segment", 8), ("Copy", 16), ("Segment", 12),  # s1: 12..20 encoded
                     ("Segment", 36)]  # s2's clip is not film-ready: encoded
    head = pieces[2]
    assert isinstance(head, Segment) and head.takes[0].seek == 0  # decoded from its key frame
    fade_tail = pieces[4]
    assert fade_tail.kind == "transition" and fade_tail.takes[0].seek == 36
    assert isinstance(pieces[3], Copy) and (pieces[3].first, pieces[3].end) == (20, 36)


def test_held_frames_captions_and_fades_are_encoded():
    clip = Path("/c.mp4")
    tl = build_timeline([TimelineShot(f"s{i}", clip, 2.0) for i in range(3)],
                        transition="fade")
    plan = tl.shots[1]  # 48 frames from film frame 48, fading in and out over 6
    pieces = body_pieces(plan, track(40, (0, 10)), blocked=[(20, 24)])  # a caption at 20..23
    assert [(type(p).__name__, p.film_start, p.frames) for p in pieces] == [
        ("Segment", 48, 10), ("Copy", 58, 10), ("Segment", 68, 28)]
    # the fade-in and the frames up to the key frame; after the caption no key frame comes
    # before the clip ends at 40, so 20..47 are encoded (40..47 its last frame held)
    assert (pieces[0].fade_in, pieces[0].fade_out) == (6, 0)
    assert (pieces[2].fade_in, pieces[2].fade_out) == (0, 6)
    assert pieces[2].takes[0].seek == 10


def test_a_ready_take_is_opened_at_its_key_frame():
    seg = Segment("body", "s1[12:20]", (_take(12, 20, 0),), 60, 8)
    args = build_segment_args(seg, width=W, height=H, fps=24, out=Path("/o.mp4"))
    assert args[:2] == ["-i", "/c.mp4"]  # key frame 0: no seek
    graph = args[args.index("-filter_complex") + 1]
    assert "trim=start_frame=12:end_frame=20,settb=1/24,setpts=N" in graph
    assert "fps=" not in graph and "scale=" not in graph  # already in the film's format
    seg = Segment("body", "s1[40:48]", (_take(40, 48, 36),), 60, 8)
    args = build_segment_args(seg, width=W, height=H, fps=24, out=Path("/o.mp4"))
    assert args[:5] == ["-ss", "1.520833", "-noaccurate_seek", "-i", "/c.mp4"]
    graph = args[args.index("-filter_complex") + 1]
    assert "tpad=stop_mode=clone:stop=12,trim=start_frame=4:end_frame=12" in graph


def _take(first: int, end: int, seek: int):
    from film.media.segments import Take

    return Take(Path("/c.mp4"), first, end, seek)


# --- composing by copy ----------------------------------------------------------------------

async def ready_film(raw: dict, tmp_path: Path, keys: dict[int, tuple[int, ...]],
                     planned: tuple[float, ...] = (1.0, 1.0, 1.0), **options):
    """Normalised clips of the counting clips (with `keys` as key frames), their timeline."""
    clips = []
    for i, name in enumerate(("b", "c", "b")):
        out = tmp_path / f"n{i}.mp4"
        await normalise_clip(raw[name], out, width=W, height=H, keyframes=keys.get(i, ()))
        clips.append(out)
    shots = [TimelineShot(f"s{i}", clips[i], planned[i]) for i in range(3)]
    return clips, build_timeline(shots, **options)


async def test_compose_copies_bodies_packet_for_packet(raw, tmp_path):
    clips, tl = await ready_film(raw, tmp_path, {0: (16,), 1: (8, 16), 2: (8,)})
    out = tmp_path / "final.mp4"
    report = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=W, height=H,
                                cache_dir=tmp_path / "cache")
    # bodies 16 + 8 + 16 frames copied; only the two 8-frame crossfades encoded
    assert (report.copies, report.frames_copied, report.frames_encoded) == (3, 40, 16)
    assert report.segments_total == report.segments_encoded == 2
    film = packets(out)
    assert len(film) == tl.total_frames == 56
    assert [(d, p) for d, p, _, _ in film] == [(n * 512, n * 512) for n in range(56)]
    # the first shot's body is the normalised clip's frames 0..15, byte for byte
    assert [x[2:] for x in film[:16]] == [x[2:] for x in packets(clips[0])[:16]]
    # the second's body is its frames 8..15, placed after the crossfade
    start = tl.shots[1].start_frame + 8
    assert [x[2:] for x in film[start:start + 8]] == [x[2:] for x in packets(clips[1])[8:16]]
    # every body frame shows the frame of its clip it should (crossfades blend)
    shown = [frame_of(v) for v in lumas(out)]
    assert shown[:16] == list(range(16)) and shown[start:start + 8] == list(range(8, 16))
    assert shown[-16:] == list(range(8, 24))


async def test_a_cut_without_its_key_frame_encodes_up_to_the_next_one(raw, tmp_path):
    _, tl = await ready_film(raw, tmp_path, {1: (12,)})  # wanted at 8: there is none
    out = tmp_path / "final.mp4"
    report = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=W, height=H,
                                cache_dir=tmp_path / "cache")
    start = tl.shots[1].start_frame
    shown = [frame_of(v) for v in lumas(out)]
    assert shown[start + 8:start + 16] == list(range(8, 16))  # 8..11 encoded, 12.. copied
    assert report.frames_copied == 16 + 4 and len(packets(out)) == tl.total_frames


async def test_a_shot_longer_than_its_clip_holds_its_last_frame(raw, tmp_path):
    _, tl = await ready_film(raw, tmp_path, {0: (12,)}, planned=(1.5, 1.0, 1.0),
                             transition="cut")
    out = tmp_path / "final.mp4"
    report = await compose_film(tl, out=out, srt_out=tmp_path / "s.srt", width=W, height=H,
                                cache_dir=tmp_path / "cache")
    shown = [frame_of(v) for v in lumas(out)]
    # 24 copied frames, then 12 held: their segment opens the clip at key frame 12 (-ss)
    assert shown[:36] == list(range(24)) + [23] * 12
    assert (report.frames_copied, report.frames_encoded) == (72, 12)
    assert len(packets(out)) == tl.total_frames == 84


async def test_changing_only_the_music_encodes_no_video(raw, media_voices, tmp_path):
    _, tl = await ready_film(raw, tmp_path, {0: (16,), 1: (8, 16), 2: (8,)})
    shots = [TimelineShot(p.shot_id, p.shot.clip, 1.0, speech=media_voices[0],
                          speech_duration=0.5) for p in tl.shots]
    tl = build_timeline(shots)
    kwargs = {"out": tmp_path / "final.mp4", "srt_out": tmp_path / "s.srt", "width": W,
              "height": H, "cache_dir": tmp_path / "cache"}
    first = await compose_film(tl, music=media_voices[1], **kwargs)
    assert first.segments_encoded == first.segments_total > 0 and not first.audio_reused
    assert integrated_lufs(kwargs["out"]) == pytest.approx(-16, abs=0.5)
    again = await compose_film(tl, music=media_voices[2], **kwargs)
    assert (again.segments_encoded, again.audio_reused) == (0, False)
    assert again.segments_reused == first.segments_total
    assert integrated_lufs(kwargs["out"]) == pytest.approx(-16, abs=0.5)
    # the measurement is kept with the mix: going back to the first music measures nothing
    measured = sorted((tmp_path / "cache" / "audio").glob("mix-*.json"))
    assert len(measured) == 2


@pytest.fixture(scope="module")
def media_voices(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("voices")
    voice, loud, soft = root / "voice.wav", root / "loud.wav", root / "soft.wav"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=frequency=300:duration=0.5", "-af",
                     "volume=-12dB", "-ar", "22050", "-ac", "1", str(voice)])
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=frequency=110:duration=2", "-af", "volume=6dB",
                     "-ac", "2", str(loud)])
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=frequency=90:duration=2", "-af",
                     "volume=-20dB", "-ac", "2", str(soft)])
    return [voice, loud, soft]


async def test_a_clip_whose_picture_starts_late_keeps_every_frame_in_place(raw, tmp_path):
    """A clip whose video starts 0.5 s after its audio (as camera and phone clips often do) is
    counted from its first frame: no frozen frames in front, none lost at the end."""
    late = tmp_path / "late.mp4"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=d=1.5", "-itsoffset", "0.5", "-i",
                     str(raw["b"]), "-map", "0:a", "-map", "1:v", "-c:v", "copy", "-c:a", "aac",
                     str(late)])
    meta = await normalise_clip(late, tmp_path / "n.mp4", width=W, height=H,
                                cache_dir=tmp_path)
    assert meta["encoded"] and meta["frames"] == 24
    assert [frame_of(v) for v in lumas(tmp_path / "n.mp4")] == list(range(24))


async def test_a_ready_clip_with_a_sound_track_is_encoded_not_copied(raw, tmp_path):
    """Copied as it is, its audio would be joined into the film's video stream: only the
    picture is kept."""
    ready = tmp_path / "ready.mp4"
    await normalise_clip(raw["b"], ready, width=W, height=H, keyframes=(8,),
                         cache_dir=tmp_path)
    with_sound = tmp_path / "with_sound.mp4"
    run_ffmpeg_sync(["-f", "lavfi", "-i", "sine=d=1", "-i", str(ready), "-map", "0:a", "-map",
                     "1:v", "-c:v", "copy", "-c:a", "aac", str(with_sound)])
    assert await film_ready(with_sound, width=W, height=H, cache_dir=tmp_path) is not None
    out = tmp_path / "n.mp4"
    meta = await normalise_clip(with_sound, out, width=W, height=H, keyframes=(8,),
                                cache_dir=tmp_path)
    assert meta["encoded"] and track_count(out) == 1 and video_track(out).frames == 24
    assert [frame_of(v) for v in lumas(out)] == list(range(24))


async def test_pieces_of_another_ffmpeg_build_are_not_reused(raw, tmp_path, monkeypatch):
    """An upgraded ffmpeg (another x264) may write other parameter sets: the segments the old
    one encoded are made again, never joined with the new one's pieces."""
    import film.media.compose as compose_module

    _, tl = await ready_film(raw, tmp_path, {0: (16,), 1: (8, 16), 2: (8,)})
    kwargs = {"out": tmp_path / "final.mp4", "srt_out": tmp_path / "s.srt", "width": W,
              "height": H, "cache_dir": tmp_path / "cache"}
    await compose_film(tl, **kwargs)
    assert (await compose_film(tl, **kwargs)).segments_encoded == 0
    monkeypatch.setattr(compose_module, "encoder_id", lambda: "ffmpeg-next:1")
    report = await compose_film(tl, **kwargs)
    assert report.segments_encoded == report.segments_total == 2
