"""The offline demo film end to end against its floor, one encode of its frames, in one run.

    python bench/bench_offline.py [--shots 8] [--skip-before] [--skip-profile]

Runs, side by side:
- `film run --description-file examples/demo.txt -n 8 --model offline` into a fresh folder
  (1280x720), wall and CPU time of the whole process tree;
- the floor: one bare x264 encode of as many frames of the same film at the same size and
  settings (the film decoded and encoded again, less the decode alone), and the same encode
  of testsrc2 frames;
- a no-op rerun (best of 3), and a run after one shot's prompt was edited (what it remakes);
- the same film, and its no-op rerun, with the code as it was before issue 14 (`BASELINE`,
  via git archive);
- a profile: each stage run alone (CPU time), and one 5 s camera move split into its filter
  chain and its encode.
Writes bench/out/offline.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from common import OUT, baseline_src, film_cmd, machine, save, with_src  # noqa: E402

from film.media.ffmpeg import ffmpeg_binary, measure_duration, video_encode_args  # noqa: E402

DEMO = ROOT.parent / "examples" / "demo.txt"


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    """Run `cmd`; its wall time and the CPU time of its whole process tree."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[:4])} failed:\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": round(wall, 2), "cpu": round(cpu, 2), "stdout": proc.stdout}


def fresh_cache(name: str) -> None:
    """Point film's shared media cache at an empty folder, so a run makes everything (a new
    user's first run) rather than reusing what an earlier benchmark made."""
    cache = OUT / f"cache-{name}"
    shutil.rmtree(cache, ignore_errors=True)
    os.environ["FILM_CACHE_DIR"] = str(cache)


def demo(folder: Path, shots: int, src: Path | None = None) -> dict[str, float]:
    shutil.rmtree(folder, ignore_errors=True)
    fresh_cache(folder.name)
    cmd = [sys.executable, "-m", "film", "run", "--description-file", str(DEMO), "-n",
           str(shots), "-p", str(folder), "--model", "offline", "-q"]
    result = timed(cmd, with_src(src))
    result.pop("stdout")
    result["film_s"] = round(measure_duration(folder / "final.mp4"), 2)
    return result


def floor(film: Path, frames: int) -> dict[str, float]:
    """One encode of `frames` frames like the film's: the film decoded and encoded again with
    the same settings, less the decode alone; and testsrc2 frames encoded."""
    ff = [ffmpeg_binary(), "-hide_banner", "-nostats", "-y"]
    encode = [*video_encode_args(), "-f", "mp4", str(OUT / "floor.mp4")]
    both = timed([*ff, "-i", str(film), "-an", "-frames:v", str(frames), *encode])
    decode = timed([*ff, "-i", str(film), "-an", "-frames:v", str(frames), "-f", "null", "-"])
    synthetic = timed([*ff, "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=24", "-frames:v",
                       str(frames), *encode])
    return {"frames": frames, "wall": round(both["wall"] - decode["wall"], 2),
            "cpu": round(both["cpu"] - decode["cpu"], 2), "decode_wall": decode["wall"],
            "testsrc2_wall": synthetic["wall"], "testsrc2_cpu": synthetic["cpu"]}


def noop(folder: Path, src: Path | None = None) -> float:
    """Wall time of a rerun with nothing to do (interpreter start and imports included)."""
    cmd = [sys.executable, "-m", "film", "run", "-p", str(folder), "-q"]
    return min(timed(cmd, with_src(src))["wall"] for _ in range(3))


def rerun_and_edit(folder: Path) -> dict[str, object]:
    """A no-op rerun, then one shot's prompt edited (its panel's caption shows the prompt,
    so its picture changes): what is made again."""
    idle = noop(folder)
    shots = json.loads((folder / "shots.json").read_text())
    shot = shots["shots"][2]
    shot["enhanced_prompt"] = "A red umbrella in the rain. " + shot["enhanced_prompt"]
    (folder / "shots.json").write_text(json.dumps(shots, indent=2))
    edit = timed([*film_cmd(), "run", "-p", str(folder), "--json"])
    made = sorted({f"{e['stage']}:{e.get('shot_id') or 'film'}"
                   for e in map(json.loads, edit["stdout"].splitlines())
                   if e["event"] == "artifact_done" and not e["cached"]})
    return {"noop_wall": idle, "edited_shot": shot["shot_id"],
            "edit_wall": edit["wall"], "edit_made": made}


def stage_profile(folder: Path, shots_file: Path) -> dict[str, dict[str, float]]:
    """Each stage run alone on a fresh project and an empty shared cache (CPU time includes
    the interpreter's start)."""
    shutil.rmtree(folder, ignore_errors=True)
    fresh_cache(folder.name)
    film = film_cmd()
    steps = {"images (+sheets, plates)": [*film, "images", str(shots_file), "-p", str(folder),
                                          "-q"],
             "video": [*film, "video", "-p", str(folder), "-q"],
             "normalise": [*film, "normalise", "-p", str(folder), "-q"],
             "speech": [*film, "speech", "-p", str(folder), "-q"],
             "compose": [*film, "compose", "-p", str(folder), "-q"],
             "no-op run": [*film, "run", "-p", str(folder), "-q"],
             "film --help": [*film, "--help"]}
    out = {}
    for name, cmd in steps.items():
        result = timed(cmd)
        out[name] = {"wall": result["wall"], "cpu": result["cpu"]}
    return out


def camera_move_profile(still: Path) -> dict[str, float]:
    """One 5 s 1280x720 push-in: the whole clip, its filter chain alone (to a null output),
    and an encode of its frames alone (decoded from the clip, less the decode)."""
    from film.offline.camera_moves import camera_move_args, held_bars

    top, bottom = held_bars(still)
    clip = OUT / "move.mp4"
    args = camera_move_args(still, clip, move="push-in", duration=5, width=1280, height=720,
                            hold_top=top, hold_bottom=bottom, keyframes=(12, 108))
    ff = [ffmpeg_binary(), "-hide_banner", "-nostats", "-y"]
    whole = timed([*ff, *args])
    cut = args.index("-an")
    chain = timed([*ff, *args[:cut], "-f", "null", "-"])
    encode = [*video_encode_args(), "-f", "mp4", str(OUT / "move2.mp4")]
    both = timed([*ff, "-i", str(clip), *encode])
    decode = timed([*ff, "-i", str(clip), "-f", "null", "-"])
    return {"clip_cpu": whole["cpu"], "filter_chain_cpu": chain["cpu"],
            "encode_cpu": round(both["cpu"] - decode["cpu"], 2), "clip_wall": whole["wall"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shots", type=int, default=8)
    parser.add_argument("--skip-before", action="store_true")
    parser.add_argument("--skip-profile", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    folder = OUT / "demo"
    result: dict[str, object] = {"shots": args.shots, "cpus": os.cpu_count()}
    result["film"] = ours = demo(folder, args.shots)
    print(f"film: {ours}", file=sys.stderr, flush=True)
    frames = round(ours["film_s"] * 24)
    result["floor"] = base = floor(folder / "final.mp4", frames)
    print(f"floor: {base}", file=sys.stderr, flush=True)
    result["ratio_to_floor"] = round(ours["wall"] / base["wall"], 2)
    result["cpu_ratio_to_floor"] = round(ours["cpu"] / base["cpu"], 2)
    result.update(rerun_and_edit(folder))
    if not args.skip_before:
        result["before"] = before = demo(OUT / "demo-before", args.shots, baseline_src())
        result["before_ratio_to_floor"] = round(before["wall"] / base["wall"], 2)
        result["before_noop_wall"] = noop(OUT / "demo-before", baseline_src())
        print(f"before: {before}", file=sys.stderr, flush=True)
    if not args.skip_profile:
        result["stages"] = stage_profile(OUT / "demo-stages", folder / "shots.json")
        result["camera_move"] = camera_move_profile(folder / "images" / "shot_002.png")
    result["load_avg_end"] = os.getloadavg()
    save("offline", result)
    print(f"machine: {machine()}")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
