"""Benchmark: film's compose against a MoviePy 2 render of the same timeline, and against the
compose as it was before issue 14 (the `BASELINE` commit, run from `git archive`), side by
side in one run.

    python bench/bench_compose.py [--shots 8 24] [--skip-moviepy] [--workers 2]

Synthetic inputs (made once, kept in bench/out/inputs): clips of 5 s at 1280x720 from lavfi
(x264 with B-frames, as a remote model's clips would come), a ~3 s voice per shot, two music
tracks. Runs, per shot count:

- `before`: today's compose from the raw clips; `before music`: again after changing only
  the music (its video segments cached);
- `normalise+compose`: each raw clip normalised (the normalise stage's work, 2 at a time),
  then the compose: the same work as `before`, moved;
- `compose`: the compose on clips as the pipeline hands them over (normalised, fresh cache);
  `recompose`: again after one clip changed; `music`: then after changing only the music;
- `moviepy`: MoviePy 2.

Every run is a child process; a thread samples the RSS of the child and all its descendants
every 50 ms (peak = the whole process tree). Prints a markdown table and writes
bench/out/compose.json. Needs `pip install moviepy psutil` (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
INPUTS = OUT / "inputs"
SHOT_SECONDS = 5.0
WIDTH, HEIGHT, FPS = 1280, 720, 24
TRANSITION = 0.5
MUSIC_VOLUME = 0.25
sys.path.insert(0, str(ROOT))

from common import baseline_src, machine, with_src  # noqa: E402


def make_inputs(count: int) -> None:
    """Clips, voice lines and two music tracks (skipped when already there)."""
    sys.path.insert(0, str(ROOT.parent / "src"))
    from film.media.ffmpeg import run_ffmpeg_sync

    INPUTS.mkdir(parents=True, exist_ok=True)
    for i in range(count + 1):  # one spare clip: the "changed shot" of the recompose run
        clip = INPUTS / f"clip{i:02d}.mp4"
        if not clip.exists():
            run_ffmpeg_sync([
                "-f", "lavfi", "-i", f"testsrc2=s={WIDTH}x{HEIGHT}:r={FPS}:d={SHOT_SECONDS}",
                "-vf", f"hue=h={i * 37 % 360}", "-c:v", "libx264", "-preset", "veryfast",
                "-pix_fmt", "yuv420p", str(clip)])
        voice = INPUTS / f"voice{i:02d}.wav"
        if not voice.exists():
            run_ffmpeg_sync(["-f", "lavfi", "-i",
                             f"sine=frequency={220 + 20 * i}:duration={voice_seconds(i)}",
                             "-ar", "22050", "-ac", "1", str(voice)])
    for name, tones in (("music", (196, 247)), ("music2", (165, 208))):
        music = INPUTS / f"{name}.wav"
        if not music.exists():
            run_ffmpeg_sync(["-f", "lavfi", "-i",
                             f"aevalsrc=0.3*sin(2*PI*{tones[0]}*t)+0.2*sin(2*PI*{tones[1]}*t)"
                             ":s=44100:d=20", "-ac", "2", str(music)])


def voice_seconds(i: int) -> float:
    return round(2.6 + (i % 5) * 0.2, 2)


def timeline_for(count: int, clips: Path = INPUTS, changed: int | None = None):
    """The benchmark's timeline over the clips in `clips` (clip00.mp4 ...); `changed`: that
    shot gets the spare clip."""
    from film.media.timeline import TimelineShot, build_timeline

    shots = []
    for i in range(count):
        clip = clips / f"clip{(count if i == changed else i):02d}.mp4"
        shots.append(TimelineShot(
            shot_id=f"shot_{i:03d}", clip=clip, planned=SHOT_SECONDS,
            speech=INPUTS / f"voice{i:02d}.wav", speech_duration=voice_seconds(i),
            text=f"Line number {i + 1}, spoken over shot {i + 1}.",
        ))
    return build_timeline(shots, transition="crossfade", transition_duration=TRANSITION, fps=FPS)


def compose(timeline, work: Path, workers: int, music: str = "music") -> dict:
    from film.media.compose import compose_film

    report = asyncio.run(compose_film(
        timeline, out=work / "final.mp4", srt_out=work / "subtitles.srt", width=WIDTH,
        height=HEIGHT, fps=FPS, music=INPUTS / f"{music}.wav", music_volume=MUSIC_VOLUME,
        cache_dir=work / "cache", workers=workers))
    return {key: getattr(report, key) for key in (
        "segments_encoded", "segments_reused", "timings", "copies", "frames_copied",
        "frames_encoded") if hasattr(report, key)}


async def normalise_all(count: int, clips: Path, workers: int,
                        which: list[int] | None = None) -> None:
    """The normalise stage's work on the raw clips `which` (all of the film's by default; the
    spare `count` is the recompose's), `workers` at a time, each with the key frames its
    shot's cuts need."""
    from film.media.normalise import normalise_clip
    from film.media.timeline import cut_frames

    timeline = timeline_for(count)
    gate = asyncio.Semaphore(workers)
    clips.mkdir(parents=True, exist_ok=True)

    async def one(i: int) -> None:
        plan = timeline.shots[count // 2 if i == count else i]
        async with gate:
            await normalise_clip(INPUTS / f"clip{i:02d}.mp4", clips / f"clip{i:02d}.mp4",
                                 width=WIDTH, height=HEIGHT, fps=FPS,
                                 keyframes=cut_frames(plan), cache_dir=clips)

    await asyncio.gather(*(one(i) for i in (range(count) if which is None else which)))


def run_moviepy(count: int, work: Path) -> dict:
    """The same timeline in MoviePy 2: crossfades, voices at shot starts, music under them."""
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        VideoFileClip,
        afx,
        vfx,
    )

    timeline = timeline_for(count)
    videos, voices = [], []
    for plan in timeline.shots:
        clip = VideoFileClip(str(plan.shot.clip), audio=False).with_duration(plan.duration)
        if plan.index > 0:
            clip = clip.with_effects([vfx.CrossFadeIn(timeline.shots[plan.index - 1]
                                                      .transition_out)])
        videos.append(clip.with_start(plan.start))
        voices.append(AudioFileClip(str(plan.shot.speech)).with_start(plan.speech_start))
    music = AudioFileClip(str(INPUTS / "music.wav")).with_effects([
        afx.AudioLoop(duration=timeline.duration), afx.MultiplyVolume(MUSIC_VOLUME),
        afx.AudioFadeIn(1.0), afx.AudioFadeOut(1.0)])
    film = CompositeVideoClip(videos, size=(WIDTH, HEIGHT)).with_duration(timeline.duration)
    film = film.with_audio(CompositeAudioClip([music, *voices]).with_duration(timeline.duration))
    film.write_videofile(str(work / "final.mp4"), fps=FPS, codec="libx264", preset="veryfast",
                         audio_codec="aac", audio_fps=44100, threads=2, logger=None,
                         ffmpeg_params=["-crf", "23", "-pix_fmt", "yuv420p"])
    return {}


def worker(args: argparse.Namespace) -> None:
    """One timed run (in a child process)."""
    work, count, kind = Path(args.work), args.count, args.worker
    normalised = OUT / f"normalised-{count}"
    started = time.perf_counter()
    if kind == "moviepy":
        extra = run_moviepy(count, work)
    elif kind in ("before", "compose"):
        clips = INPUTS if kind == "before" else normalised
        extra = compose(timeline_for(count, clips), work, args.workers)
    elif kind == "before music":
        extra = compose(timeline_for(count), work, args.workers, music="music2")
    elif kind == "music":  # after the recompose: its clips, another music
        extra = compose(timeline_for(count, normalised, changed=count // 2), work,
                        args.workers, music="music2")
    elif kind == "normalise+compose":
        shutil.rmtree(normalised, ignore_errors=True)
        step = time.perf_counter()
        asyncio.run(normalise_all(count, normalised, args.workers))
        normalise_s = time.perf_counter() - step
        extra = compose(timeline_for(count, normalised), work, args.workers)
        extra["normalise_s"] = round(normalise_s, 2)
    elif kind == "recompose":
        extra = compose(timeline_for(count, normalised, changed=count // 2), work, args.workers)
        extra["audio_reused"] = "audio" not in extra.get("timings", {})
    else:
        raise SystemExit(f"unknown run {kind}")
    extra["wall"] = time.perf_counter() - started
    print(json.dumps(extra))


def measure(kind: str, count: int, work: Path, workers: int, src: Path | None = None) -> dict:
    """Run one worker in a child process; wall time, CPU time and peak RSS of its whole
    process tree."""
    import psutil

    cmd = [sys.executable, __file__, "--_worker", kind, "--count", str(count),
           "--work", str(work), "--workers", str(workers)]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=with_src(src))
    peak, done = 0, threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            parent = psutil.Process(proc.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                procs = [parent, *parent.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in procs:
                with contextlib.suppress(psutil.NoSuchProcess):
                    total += p.memory_info().rss
            peak = max(peak, total)
            done.wait(0.05)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(f"{kind} x{count} failed:\n{stderr[-3000:]}")
    from film.media.ffmpeg import measure_duration

    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(impl=kind, shots=count, wall=round(wall, 2), cpu=round(cpu, 1),
                  peak_mb=round(peak / 2**20),
                  film_seconds=round(measure_duration(work / "final.mp4"), 2))
    print(f"  {kind} x{count}: {result['wall']} s", file=sys.stderr, flush=True)
    return result


def fresh(name: str) -> Path:
    work = OUT / name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return work


def runs_for(count: int, workers: int, moviepy: bool, before: Path) -> list[dict]:
    """Every run for one shot count, in an order that keeps each cache's state meaningful."""
    rows = []
    work = fresh(f"before-{count}")
    rows.append(measure("before", count, work, workers, before))
    rows.append(measure("before music", count, work, workers, before))
    rows.append(measure("normalise+compose", count, fresh(f"normalise-{count}"), workers))
    # the spare clip, as the pipeline would hand it over (not timed)
    asyncio.run(normalise_all(count, OUT / f"normalised-{count}", workers, [count]))
    work = fresh(f"ours-{count}")
    rows.append(measure("compose", count, work, workers))
    rows.append(measure("recompose", count, work, workers))
    rows.append(measure("music", count, work, workers))
    if moviepy:
        rows.append(measure("moviepy", count, fresh(f"moviepy-{count}"), workers))
    by = {row["impl"]: row for row in rows}
    for row in rows:
        row["vs_compose"] = round(row["wall"] / by["compose"]["wall"], 2)
    by["music"]["before_over_this"] = round(by["before music"]["wall"] / by["music"]["wall"], 2)
    by["normalise+compose"]["before_over_this"] = round(
        by["before"]["wall"] / by["normalise+compose"]["wall"], 2)
    if "moviepy" in by:
        by["compose"]["moviepy_over_this"] = round(by["moviepy"]["wall"] / by["compose"]["wall"],
                                                   2)
    return rows


def notes(row: dict) -> str:
    keys = ("moviepy_over_this", "before_over_this", "copies", "frames_copied",
            "frames_encoded", "segments_encoded", "normalise_s", "timings")
    return ", ".join(f"{k} {row[k]}" for k in keys if k in row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, nargs="+", default=[8, 24])
    parser.add_argument("--skip-moviepy", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--_worker", dest="worker", help=argparse.SUPPRESS)
    parser.add_argument("--count", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    make_inputs(max(args.shots))
    before = baseline_src()
    rows = []
    for count in args.shots:
        rows += runs_for(count, args.workers, not args.skip_moviepy, before)
        print(f"done: {count} shots", file=sys.stderr, flush=True)
    print(f"machine: {machine()}")
    print("| shots | run | film s | wall s | CPU s (tree) | peak MB (tree) | notes |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for row in rows:
        print(f"| {row['shots']} | {row['impl']} | {row['film_seconds']} | {row['wall']} | "
              f"{row['cpu']} | {row['peak_mb']} | {notes(row)} |")
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {"machine": machine(), "cpus": os.cpu_count(), "load_avg_end": os.getloadavg(),
            "size": f"{WIDTH}x{HEIGHT}", "fps": FPS, "shot_seconds": SHOT_SECONDS,
            "workers": args.workers}
    (OUT / "compose.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
