"""The offline video provider: move choice, the ffmpeg argv, real renders, smoothness."""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageStat

from film.config import Settings
from film.errors import InputError
from film.media.ffmpeg import ffmpeg_binary, measure_duration, probe, run_ffmpeg
from film.media.normalise import film_ready, normalise_clip
from film.offline.camera_moves import MOVES, camera_move_args, choose_move, held_bars
from film.offline.providers import CameraMoveVideoProvider, StoryboardImageProvider
from film.providers.contract import ImageRequest, JobContext, VideoRequest
from film.providers.registry import get_provider
from film.schema import Shot

W, H = 320, 180


def shot(shot_type: str = "medium", number: int = 1, **extra: object) -> Shot:
    return Shot(shot_id=f"shot_{number:03d}", shot_number=number, shot_type=shot_type,
                enhanced_prompt="A detective in his office", duration=1.0, **extra)


@pytest.fixture(scope="module")
def still(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A still with one small bright dot on black: easy to follow from frame to frame."""
    path = tmp_path_factory.mktemp("still") / "dot.png"
    img = Image.new("RGB", (W, H))
    ImageDraw.Draw(img).ellipse((60, 40, 76, 56), fill=(255, 255, 255))
    img.save(path)
    return path


def test_choose_move_respects_the_shot() -> None:
    assert choose_move(shot("wide", camera_movement="tilt-up")) == "tilt-up"
    assert choose_move(shot("establishing", 1)) in {"pull-out", "pan-left", "pan-right", "crane"}
    assert choose_move(shot("close-up", 1)) == "push-in"
    assert choose_move(shot("tracking", 1)) == "tracking"
    for shot_type in ("wide", "medium", "close-up", "insert", "establishing", "reaction"):
        moves = [choose_move(shot(shot_type, n)) for n in range(1, 7)]
        assert all(m in MOVES for m in moves)
        assert all(a != b for a, b in itertools.pairwise(moves)), (shot_type, moves)
    assert choose_move(shot("medium", 4)) == choose_move(shot("medium", 4))  # deterministic


def test_argv_is_a_complete_ffmpeg_command(tmp_path: Path) -> None:
    args = camera_move_args(Path("in.png"), tmp_path / "out.mp4", move="push-in", duration=5,
                            width=1280, height=720)
    assert all(isinstance(a, str) for a in args)
    assert args[:2] == ["-i", str(Path("in.png").absolute())]  # never read as an option
    assert args[-1] == str(tmp_path / "out.mp4")
    assert args[args.index("-frames:v") + 1] == "120"
    assert args[args.index("-r") + 1] == "24"
    assert args[args.index("-c:v") + 1] == "libx264"
    assert args[args.index("-pix_fmt") + 1] == "yuv420p"
    assert "-an" in args and args[args.index("-movflags") + 1] == "+faststart"
    graph = args[args.index("-filter:v") + 1]
    assert "scale=1280:720" in graph and "crop=1280:720" in graph
    assert "perspective=" in graph and "eval=frame" in graph and "zoompan" not in graph
    # exact frame count for fractional durations, odd sizes rounded down to even
    odd = camera_move_args(Path("a.png"), Path("b.mp4"), move="static", duration=2.52,
                           width=641, height=361, fps=25)
    assert odd[odd.index("-frames:v") + 1] == "63"
    assert "scale=640:360" in odd[odd.index("-filter:v") + 1]


def test_argv_holds_bars_still() -> None:
    args = camera_move_args(Path("a.png"), Path("b.mp4"), move="pan-left", duration=1,
                            width=320, height=180, hold_top=0.06, hold_bottom=0.15)
    graph = args[args.index("-filter_complex") + 1]
    assert "crop=320:142:0:10" in graph and "overlay=0:10" in graph
    assert args[args.index("-map") + 1] == "[v]" and "-filter:v" not in args
    # bars that would leave less than half the frame are ignored
    plain = camera_move_args(Path("a.png"), Path("b.mp4"), move="static", duration=1,
                             width=320, height=180, hold_top=0.29, hold_bottom=0.39)
    assert "-filter:v" in plain and "-filter_complex" not in plain


def test_argv_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="unknown camera move"):
        camera_move_args(Path("a.png"), Path("b.mp4"), move="barrel-roll", duration=1,
                         width=W, height=H)
    with pytest.raises(InputError):
        camera_move_args(Path("a.png"), Path("b.mp4"), move="static", duration=0,
                         width=W, height=H)


async def test_provider_renders_exactly_the_shot(still: Path, tmp_path: Path) -> None:
    provider = get_provider("video", "offline", Settings(_env_file=None))
    assert isinstance(provider, CameraMoveVideoProvider) and provider.remote is False
    out = tmp_path / "clip.mp4"
    req = VideoRequest(shot=shot("close-up"), image_path=still, duration=1.0, width=W, height=H)
    result = await provider.animate(req, out, JobContext(client=None,
                                                         settings=Settings(_env_file=None)))
    info = probe(out)
    assert len(info.video) == 1 and info.audio == []
    video = info.video[0]
    assert (video.codec, video.pix_fmt, video.width, video.height) == ("h264", "yuv420p", W, H)
    assert video.fps == 24
    assert abs(measure_duration(out) - 1.0) <= 0.05
    assert result.meta["move"] == "push-in" and result.meta["frames"] == 24


async def test_a_clip_is_made_in_the_film_format_with_its_cuts_as_key_frames(
        still: Path, tmp_path: Path) -> None:
    settings = Settings(_env_file=None)
    provider = CameraMoveVideoProvider("offline", "camera-moves", settings)
    out = tmp_path / "clip.mp4"
    req = VideoRequest(shot=shot("wide"), image_path=still, duration=1.0, width=W, height=H,
                       keyframes=(8, 16, 40))  # past the clip's end: ignored
    await provider.animate(req, out, JobContext(client=None, settings=settings))
    track = await film_ready(out, width=W, height=H)
    assert track is not None and track.frames == 24 and {0, 8, 16} <= set(track.key_frames())
    meta = await normalise_clip(out, tmp_path / "n.mp4", width=W, height=H, keyframes=(8, 16))
    assert not meta["encoded"]  # no second encode


def _frames_rgb(path: Path) -> list[Image.Image]:
    raw = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    size = W * H * 3
    return [Image.frombytes("RGB", (W, H), raw[k:k + size]) for k in range(0, len(raw), size)]


async def test_storyboard_bars_stay_still_while_the_picture_moves(tmp_path: Path) -> None:
    settings = Settings(_env_file=None)
    ctx = JobContext(client=None, settings=settings)
    still, out = tmp_path / "still.png", tmp_path / "clip.mp4"
    board = shot("wide", camera_movement="push-in", characters=["detective"])
    await StoryboardImageProvider("offline", "storyboard", settings).generate(
        ImageRequest(shot=board, width=W, height=H, title="Bars"), still, ctx)
    top, bottom = held_bars(still)
    assert 0.03 < top < 0.12 and 0.1 < bottom < 0.3
    result = await CameraMoveVideoProvider("offline", "camera-moves", settings).animate(
        VideoRequest(shot=board, image_path=still, duration=1.0, width=W, height=H), out, ctx)
    assert result.meta["held"] == [top, bottom]
    first, last = _frames_rgb(out)[0], _frames_rgb(out)[-1]

    def diff(box: tuple[int, int, int, int]) -> float:
        return sum(ImageStat.Stat(ImageChops.difference(first.crop(box), last.crop(box))).mean)

    band, header = (0, round(H * (1 - bottom)) + 2, W, H), (0, 0, W, round(H * top) - 2)
    picture = (0, round(H * top) + 4, W, round(H * (1 - bottom)) - 4)
    assert diff(band) < 3 and diff(header) < 3
    assert diff(picture) > 10
    assert held_bars(tmp_path / "missing.png") == (0.0, 0.0)


async def test_provider_needs_the_still(tmp_path: Path) -> None:
    provider = CameraMoveVideoProvider("offline", "camera-moves", Settings(_env_file=None))
    req = VideoRequest(shot=shot(), image_path=tmp_path / "missing.png", duration=1, width=W,
                       height=H)
    with pytest.raises(InputError, match="no still"):
        await provider.animate(req, tmp_path / "x.mp4",
                               JobContext(client=None, settings=Settings(_env_file=None)))


def _centroids(path: Path) -> list[tuple[float, float]]:
    raw = subprocess.run([ffmpeg_binary(), "-v", "error", "-i", str(path), "-f", "rawvideo",
                          "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
    out = []
    for k in range(len(raw) // (W * H)):
        frame = Image.frombytes("L", (W, H), raw[k * W * H:(k + 1) * W * H])
        x0, y0, x1, y1 = frame.point(lambda v: 255 if v > 24 else 0).getbbox()
        data = frame.crop((x0, y0, x1, y1)).load()
        total = sx = sy = 0.0
        for y in range(y1 - y0):
            for x in range(x1 - x0):
                v = data[x, y]
                if v > 24:
                    total, sx, sy = total + v, sx + v * (x0 + x), sy + v * (y0 + y)
        out.append((sx / total, sy / total))
    return out


@pytest.mark.parametrize("move", MOVES)
async def test_every_move_renders_smoothly(move: str, still: Path, tmp_path: Path) -> None:
    out = tmp_path / f"{move}.mp4"
    await run_ffmpeg(camera_move_args(still, out, move=move, duration=1.0, width=W, height=H,
                                      seed=3))
    assert abs(measure_duration(out) - 1.0) <= 0.05
    path = _centroids(out)
    assert len(path) == 24
    travel = abs(path[-1][0] - path[0][0]) + abs(path[-1][1] - path[0][1])
    if move not in ("static", "handheld"):
        assert travel > 3, f"{move} hardly moves ({travel:.1f} px)"
    # smooth: the frame-to-frame velocity never jumps (zoompan's whole-pixel crop gives ~1 px)
    accel = [abs(c[0] - 2 * b[0] + a[0]) + abs(c[1] - 2 * b[1] + a[1])
             for a, b, c in zip(path, path[1:], path[2:], strict=False)]
    assert max(accel) < 0.6, (move, [round(a, 2) for a in accel])
