"""Benchmark: film's segment-wise compose vs a MoviePy 2 render of the same timeline.

    python bench/bench_compose.py [--shots 8 24] [--skip-moviepy] [--workers 2]

Synthetic inputs (made once, kept in bench/out/inputs): clips of 5 s at 1280x720 from lavfi,
a ~3 s voice line per shot, a music track. Every run is a child process; a thread samples the
RSS of the child and all its descendants every 50 ms (peak = the whole process tree).
Prints a markdown table and writes bench/out/compose.json. Needs `pip install moviepy psutil`.
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
sys.path.insert(0, str(ROOT.parent / "src"))


def make_inputs(count: int) -> None:
    """Clips, voice lines and a music track (skipped when already there)."""
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
    music = INPUTS / "music.wav"
    if not music.exists():
        run_ffmpeg_sync(["-f", "lavfi", "-i",
                         "aevalsrc=0.3*sin(2*PI*196*t)+0.2*sin(2*PI*247*t):s=44100:d=20",
                         "-ac", "2", str(music)])


def voice_seconds(i: int) -> float:
    return round(2.6 + (i % 5) * 0.2, 2)


def timeline_for(count: int, changed: int | None = None):
    from film.media.timeline import TimelineShot, build_timeline

    shots = []
    for i in range(count):
        clip = INPUTS / f"clip{(count if i == changed else i):02d}.mp4"
        shots.append(TimelineShot(
            shot_id=f"shot_{i:03d}", clip=clip, planned=SHOT_SECONDS,
            speech=INPUTS / f"voice{i:02d}.wav", speech_duration=voice_seconds(i),
            text=f"Line number {i + 1}, spoken over shot {i + 1}.",
        ))
    return build_timeline(shots, transition="crossfade", transition_duration=TRANSITION, fps=FPS)


def run_ours(count: int, work: Path, workers: int, changed: int | None) -> dict:
    from film.media.compose import compose_film

    timeline = timeline_for(count, changed)
    report = asyncio.run(compose_film(
        timeline, out=work / "final.mp4", srt_out=work / "subtitles.srt", width=WIDTH,
        height=HEIGHT, fps=FPS, music=INPUTS / "music.wav", music_volume=MUSIC_VOLUME,
        cache_dir=work / "cache", workers=workers))
    return {"segments_encoded": report.segments_encoded,
            "segments_reused": report.segments_reused, "timings": report.timings}


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
    work = Path(args.work)
    started = time.perf_counter()
    if args.worker == "moviepy":
        extra = run_moviepy(args.count, work)
    else:
        changed = args.count // 2 if args.worker == "recompose" else None
        extra = run_ours(args.count, work, args.workers, changed)
    extra["wall"] = time.perf_counter() - started
    print(json.dumps(extra))


def measure(kind: str, count: int, work: Path, workers: int) -> dict:
    """Run one worker in a child process; wall time and peak RSS of its whole process tree."""
    import psutil

    cmd = [sys.executable, __file__, "--_worker", kind, "--count", str(count),
           "--work", str(work), "--workers", str(workers)]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    return result


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
    rows = []
    for count in args.shots:
        work = OUT / f"ours-{count}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        full = measure("ours", count, work, args.workers)
        rows.append(full)
        rows.append(measure("recompose", count, work, args.workers))
        rows[-1]["vs_full"] = round(rows[-1]["wall"] / full["wall"], 3)
        if not args.skip_moviepy:
            mp_work = OUT / f"moviepy-{count}"
            shutil.rmtree(mp_work, ignore_errors=True)
            mp_work.mkdir(parents=True)
            mp = measure("moviepy", count, mp_work, args.workers)
            mp["speedup_of_ours"] = round(mp["wall"] / full["wall"], 2)
            mp["cpu_ratio"] = round(mp["cpu"] / full["cpu"], 2)
            rows.append(mp)
        print(f"done: {count} shots", file=sys.stderr, flush=True)
    print("| shots | run | film s | wall s | CPU s (tree) | peak MB (tree) | notes |")
    print("|---:|---|---:|---:|---:|---:|---|")
    for row in rows:
        notes = ""
        if row["impl"] == "recompose":
            notes = (f"{row['segments_encoded']} segments re-encoded, "
                     f"{row['vs_full'] * 100:.0f}% of full")
        elif row["impl"] == "ours":
            notes = f"{row['segments_encoded']} segments, steps {row['timings']}"
        elif "speedup_of_ours" in row:
            notes = (f"ours is {row['speedup_of_ours']}x faster (wall), uses "
                     f"{row['cpu_ratio']}x less CPU")
        print(f"| {row['shots']} | {row['impl']} | {row['film_seconds']} | {row['wall']} | "
              f"{row['cpu']} | {row['peak_mb']} | {notes} |")
    OUT.mkdir(parents=True, exist_ok=True)
    meta = {"cpus": os.cpu_count(), "load_avg_end": os.getloadavg(),
            "size": f"{WIDTH}x{HEIGHT}", "fps": FPS,
            "shot_seconds": SHOT_SECONDS, "workers": args.workers}
    (OUT / "compose.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
