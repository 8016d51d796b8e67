"""Timeline and subtitle maths (pure: no ffmpeg)."""

from __future__ import annotations

from pathlib import Path

import pytest

from film.errors import InputError
from film.media.subtitles import (
    Cue,
    caption_font_size,
    format_ass_timestamp,
    format_timestamp,
    parse_srt,
    render_ass,
    render_srt,
    split_into_cue_texts,
    time_cues,
    wrap_lines,
)
from film.media.timeline import TimelineShot, build_timeline

LONG = ("The lighthouse keeper climbed the spiral stairs one last time, counting every step "
        "as the storm rolled in from the north and the lamp flickered.")


def shot(i: int, planned: float, speech: float = 0.0, text: str | None = None) -> TimelineShot:
    return TimelineShot(
        shot_id=f"shot_{i:03d}", clip=Path(f"clips/shot_{i:03d}.mp4"), planned=planned,
        speech=Path(f"audio/shot_{i:03d}.wav") if speech else None, speech_duration=speech,
        text=text, role="narrator" if text else None,
    )


def test_crossfade_starts_are_cumulative():
    tl = build_timeline([shot(1, 2.0), shot(2, 3.0), shot(3, 4.0)], transition_duration=0.5)
    assert [p.start for p in tl.shots] == [0.0, 1.5, 4.0]
    assert [p.transition_out for p in tl.shots] == [0.5, 0.5, 0.0]
    assert tl.duration == pytest.approx(9.0 - 1.0)
    # start_i = sum_{j<i}(d_j - T_j)
    for i, plan in enumerate(tl.shots):
        expected = sum(p.duration - p.transition_out for p in tl.shots[:i])
        assert plan.start == pytest.approx(expected)
    assert tl.shots[1].body_frames == (12, 72 - 12)


def test_audio_driven_duration_and_whole_frames():
    tl = build_timeline([shot(1, 1.0, speech=2.0, text="Hi."), shot(2, 1.0, speech=2.0)],
                        transition_duration=0.5, speech_padding=0.35)
    first, last = tl.shots
    # Not last: speech + padding + outgoing overlap, rounded up to whole frames.
    assert first.frames == 69  # ceil((2.0 + 0.35 + 0.5) * 24) = ceil(68.4)
    assert last.frames == 57  # ceil((2.0 + 0.35) * 24) = ceil(56.4)
    assert tl.duration > 2.0
    for plan in tl.shots:
        assert plan.duration * 24 == pytest.approx(round(plan.duration * 24))
    # The speech of a shot ends at least `padding` before the next one begins.
    assert first.speech_start + 2.0 + 0.35 <= last.speech_start + 1e-9


def test_planned_duration_wins_when_speech_is_short():
    tl = build_timeline([shot(1, 3.0, speech=1.0), shot(2, 2.0)], transition="cut")
    assert tl.shots[0].duration == 3.0
    assert tl.duration == 5.0


def test_short_shots_shorten_their_transitions():
    tl = build_timeline([shot(1, 0.5), shot(2, 0.5), shot(3, 3.0)], transition_duration=1.0)
    # At most a third of the shorter shot: 12 frames // 3 = 4.
    assert [p.transition_out_frames for p in tl.shots] == [4, 4, 0]
    for plan in tl.shots:
        first, end = plan.body_frames
        assert end - first >= plan.frames // 3
    assert tl.total_frames == 12 + 12 + 72 - 8


@pytest.mark.parametrize("transition", ["crossfade", "fade"])
def test_transitions_are_capped_at_a_third_of_the_shorter_shot(transition):
    # 0.5 s shots with the default 0.5 s transition; long neighbours keep the full 12 frames.
    tl = build_timeline([shot(1, 3.0), shot(2, 0.5), shot(3, 0.7), shot(4, 3.0), shot(5, 3.0)],
                        transition=transition)
    lengths = [p.frames for p in tl.shots]
    assert lengths == [72, 12, 17, 72, 72]
    joins = [4, 4, 5, 12]  # min(12, min(a, b) // 3)
    for i, t in enumerate(joins):
        assert t <= min(lengths[i], lengths[i + 1]) / 3
    if transition == "crossfade":
        assert [p.transition_out_frames for p in tl.shots] == [*joins, 0]
        assert [p.transition_in_frames for p in tl.shots] == [0, *joins]
        assert tl.total_frames == sum(lengths) - sum(joins)
    else:
        assert [p.fade_out_frames for p in tl.shots] == [t // 2 for t in joins] + [0]
        assert [p.fade_in_frames for p in tl.shots] == [0] + [t // 2 for t in joins]
        assert tl.total_frames == sum(lengths)


def test_fade_through_black_has_no_overlap():
    tl = build_timeline([shot(1, 2.0), shot(2, 2.0), shot(3, 2.0)], transition="fade",
                        transition_duration=0.5)
    assert tl.duration == 6.0
    assert [p.start for p in tl.shots] == [0.0, 2.0, 4.0]
    assert [(p.fade_in_frames, p.fade_out_frames) for p in tl.shots] == [(0, 6), (6, 6), (6, 0)]
    assert all(p.transition_out_frames == 0 for p in tl.shots)


def test_cut_is_a_plain_sum():
    tl = build_timeline([shot(1, 1.25), shot(2, 2.5)], transition="cut")
    assert tl.duration == 3.75
    assert all(p.fade_in_frames == p.fade_out_frames == p.transition_out_frames == 0
               for p in tl.shots)


def test_speech_starts_at_shot_start_or_lead_in():
    shots = [shot(1, 2.0, speech=1.0), shot(2, 2.0), shot(3, 2.0, speech=1.0)]
    tl = build_timeline(shots)
    assert [p.speech_start for p in tl.shots] == [0.0, None, tl.shots[2].start]
    lead = build_timeline(shots, speech_lead_in=0.2)
    assert lead.shots[2].speech_start == pytest.approx(lead.shots[2].start + 0.2)


def test_cues_split_and_follow_the_speech():
    tl = build_timeline([shot(1, 2.0), shot(2, 2.0, speech=6.0, text=LONG)])
    plan = tl.shots[1]
    assert len(plan.cues) >= 2
    for cue in plan.cues:
        lines = cue.text.split("\n")
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= 42 for line in lines)
    assert plan.cues[0].start == pytest.approx(plan.speech_start)
    assert plan.cues[-1].end == pytest.approx(plan.speech_start + 6.0, abs=1e-3)
    for a, b in zip(plan.cues, plan.cues[1:], strict=False):
        assert a.end == pytest.approx(b.start)
    assert " ".join(c.text.replace("\n", " ") for c in plan.cues) == LONG
    assert tl.cues == list(plan.cues)


def test_text_without_speech_fills_the_visible_part():
    tl = build_timeline([shot(1, 2.0), shot(2, 2.0, text="A caption.")], transition_duration=0.5)
    (cue,) = tl.shots[1].cues
    assert cue.start == pytest.approx(tl.shots[1].start + 0.5)
    assert cue.end == pytest.approx(tl.shots[1].end)


@pytest.mark.parametrize("kwargs", [{"transition": "wipe"}, {"transition_duration": -1},
                                    {"fps": 0}])
def test_bad_options_raise_input_error(kwargs):
    with pytest.raises(InputError):
        build_timeline([shot(1, 1.0)], **kwargs)


def test_no_shots_or_bad_duration_raise():
    with pytest.raises(InputError):
        build_timeline([])
    with pytest.raises(InputError, match="shot_001"):
        build_timeline([shot(1, 0.0)])


def test_to_dict_is_json_shaped():
    data = build_timeline([shot(1, 1.0, speech=0.5, text="Hi")]).to_dict()
    assert data["duration"] == 1.0
    assert data["shots"][0]["shot_id"] == "shot_001"
    assert data["shots"][0]["cues"] == 1


# --- subtitles ---------------------------------------------------------------------------

def test_timestamps():
    assert format_timestamp(0) == "00:00:00,000"
    assert format_timestamp(3661.2346) == "01:01:01,235"
    assert format_timestamp(-1) == "00:00:00,000"
    assert format_ass_timestamp(61.257) == "0:01:01.26"


def test_wrap_and_split():
    assert wrap_lines("  a   b  ") == ["a b"]
    assert wrap_lines("") == []
    assert all(len(line) <= 42 for line in wrap_lines(LONG))
    assert split_into_cue_texts("Short line.") == ["Short line."]
    cues = split_into_cue_texts(LONG)
    assert len(cues) == 2
    assert all(c.count("\n") <= 1 for c in cues)
    assert split_into_cue_texts("x" * 100)[0] == "x" * 42 + "\n" + "x" * 42


def test_time_cues_is_proportional():
    cues = time_cues(["aaaa", "aaaaaaaaaaaa"], 1.0, 5.0)
    assert cues == [Cue(1.0, 2.0, "aaaa"), Cue(2.0, 5.0, "aaaaaaaaaaaa")]
    assert time_cues(["x"], 2.0, 2.0) == []


def test_srt_round_trip():
    cues = [Cue(0.0, 1.5, "Hello"), Cue(1.5, 3.25, "two\nlines")]
    text = render_srt(cues)
    assert text.startswith("1\n00:00:00,000 --> 00:00:01,500\nHello\n\n2\n")
    assert parse_srt(text) == cues


def test_ass_has_canvas_style_and_escaped_text():
    ass = render_ass([Cue(0.5, 1.0, "a {b}\nc\\d")], width=1280, height=720, font="Aileron")
    assert "PlayResX: 1280\nPlayResY: 720" in ass
    assert f"Style: Default,Aileron,{caption_font_size(1280, 720)}," in ass
    assert "Dialogue: 0,0:00:00.50,0:00:01.00,Default,,0,0,0,,a (b)\\Nc\u29f5d" in ass
    assert caption_font_size(1080, 1920) < caption_font_size(1920, 1080) * 1.2


@pytest.mark.parametrize(("width", "height"), [(320, 180), (1920, 1080), (1080, 1920)])
def test_ass_captions_sit_on_a_dark_box_above_the_bottom_band(width, height):
    ass = render_ass([Cue(0, 1, "x")], width=width, height=height, font="F")
    names = ass.split("[V4+ Styles]\nFormat: ")[1].split("\n")[0].split(", ")
    line = next(x for x in ass.split("\n") if x.startswith("Style: Default,"))
    style = dict(zip(names, line.removeprefix("Style: ").split(","), strict=True))
    assert style["BorderStyle"] == "3"  # an opaque box ...
    for colour in (style["OutlineColour"], style["BackColour"]):  # ... semi-transparent, dark
        alpha, bgr = int(colour[2:4], 16), int(colour[4:], 16)
        assert 0x20 <= alpha <= 0xA0 and bgr == 0
    assert style["Alignment"] == "2" and style["Shadow"] == "0"
    # The box (text bottom + padding) stays above the bottom 16% of the frame.
    assert int(style["MarginV"]) - int(style["Outline"]) >= 0.16 * height
