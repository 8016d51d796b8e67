"""Offline films in Chinese, Arabic and French (3 shots of 1 s at 320x180, burned captions),
and storyboard panels whose titles, name tags and captions are drawn glyphs, not boxes."""

from __future__ import annotations

import json
import subprocess

import pytest
from click.testing import CliRunner
from PIL import Image, ImageChops

from film.cli import cli
from film.media.ffmpeg import ffmpeg_binary
from film.media.subtitles import parse_srt
from film.offline.storyboard import render_storyboard_frame
from film.offline.storyboard_overlays import bars
from film.providers.contract import ImageRequest
from film.schema import Shot

FILMS = {
    "zh": ("黎明时分，老船长站在码头上。小女孩问：“爷爷，船什么时候回来？”老船长说：“快了。”",
           "爷爷，船什么时候回来？", "cmn"),
    "ar": ("عند الفجر يقف الصياد العجوز على الرصيف. قالت الفتاة: «متى يعود القارب؟» "
           "ابتسم الصياد وقال: «قريباً».", "متى يعود القارب؟", "ar"),
    "fr": ("La nuit tombe sur le port. « Où es-tu ? », murmure Élodie. « Me voilà », répond "
           "le vieux marin.", "Où es-tu ?", "fr"),
}
W, H = 320, 180


def frame_at(video, seconds: float, out) -> Image.Image:
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-ss", f"{seconds:.3f}", "-i",
                    str(video), "-frames:v", "1", str(out)], check=True)
    return Image.open(out).convert("RGB")


def caption(burned: Image.Image, plain: Image.Image) -> tuple[int, int]:
    """(pixels the caption changed: its box and text, text pixels brighter than the plain
    picture there)."""
    pairs = list(zip(burned.convert("L").tobytes(), plain.convert("L").tobytes(), strict=True))
    return (sum(1 for b, p in pairs if abs(b - p) > 40),
            sum(1 for b, p in pairs if b > 150 and b - p > 50))


@pytest.mark.slow
@pytest.mark.parametrize("lang", list(FILMS))
def test_an_offline_film_in_each_script_burns_its_captions(lang, tmp_path):
    text, line, voice = FILMS[lang]
    project = tmp_path / lang
    result = CliRunner().invoke(cli, [
        "run", text, "-p", str(project), "-n", "3", "--shot-duration", "1", "--resolution",
        f"{W}x{H}", "--burn-subtitles", "--model", "offline", "-q"])
    assert result.exit_code == 0, result.output
    shots = json.loads((project / "shots.json").read_text(encoding="utf-8"))
    assert shots["language"] == lang
    cues = parse_srt((project / "subtitles.srt").read_text(encoding="utf-8"))
    assert any(line in cue.text.replace("\n", "") for cue in cues)
    manifest = json.loads((project / "manifest.json").read_text())
    speech = [a["meta"] for k, a in manifest["artifacts"].items() if k.startswith("audio/")]
    assert speech and all(m["voice"].startswith(voice) for m in speech)
    cue = next(c for c in cues if line in c.text.replace("\n", ""))
    (project / "final.mp4").rename(tmp_path / "burned.mp4")
    plain_run = CliRunner().invoke(cli, ["compose", "-p", str(project), "--no-burn-subtitles",
                                         "-q"])
    assert plain_run.exit_code == 0, plain_run.output
    t = (cue.start + cue.end) / 2
    burned = frame_at(tmp_path / "burned.mp4", t, tmp_path / f"{lang}-burned.png")
    plain = frame_at(project / "final.mp4", t, tmp_path / f"{lang}-plain.png")
    changed, text_pixels = caption(burned, plain)
    assert changed > 60 and text_pixels > 10  # a plain film gives 0 and 0
    top, _band = bars(W, H)  # the header and the storyboard's caption band are left alone
    header = [abs(x - y) for x, y in zip(burned.crop((0, 0, W, top)).tobytes(),
                                         plain.crop((0, 0, W, top)).tobytes(), strict=True)]
    # (the burned frame is encoded again, the plain one copied from the clip: one generation
    # of codec noise on the header's sharp text, no caption there)
    assert sum(d > 24 for d in header) < len(header) // 100 and max(header) < 64


def panel(title: str, name: str, prompt: str, lang: str) -> Image.Image:
    shot = Shot(shot_id="shot_001", shot_number=1, shot_type="medium", duration=1,
                enhanced_prompt=prompt, characters=[name], time_of_day="dawn")
    return render_storyboard_frame(ImageRequest(shot=shot, width=W * 2, height=H * 2,
                                                title=title, language=lang))


def test_storyboard_text_is_glyphs_not_boxes():
    """Two titles of the same length differ in the header only if glyphs are drawn (missing
    glyphs draw identical boxes); accents survive."""
    top, _ = bars(W * 2, H * 2)
    cases = [("黎明码头", "黄昏码头", "zh"), ("مرحبا", "وداعا", "ar"), ("ÉTÉ", "ÊTE", "fr"),
             ("🌅🎬", "😀🎭", "en")]
    for a, b, lang in cases:
        one = panel(a, "老人", "a harbour", lang).crop((0, 0, W * 2, top))
        two = panel(b, "老人", "a harbour", lang).crop((0, 0, W * 2, top))
        assert ImageChops.difference(one, two).getbbox() is not None, (a, b)
    same = panel("黎明码头", "老人", "a harbour", "zh")
    assert ImageChops.difference(same, panel("黎明码头", "老人", "a harbour", "zh")) \
        .getbbox() is None  # still deterministic
