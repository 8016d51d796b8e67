"""Rebuild: a no-op rerun of a finished 12-shot offline project (target < 1 s, zero provider
calls), timed in-process and as a whole `film run` command.

    python bench/bench_rebuild.py [--shots 12] [--resolution 640x360]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from common import film_cmd, machine, save

from film.build.engine import Engine
from film.config import get_settings
from film.project import Project
from film.stages.options import RunOptions

from shotlists import make_shots


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--resolution", default="640x360")
    args = parser.parse_args()
    width, height = (int(v) for v in args.resolution.split("x"))
    lines = {i: f"Line {i} of the film, spoken over its shot." for i in range(0, args.shots, 2)}
    shot_list = make_shots(args.shots, duration=2.0, lines=lines)
    with tempfile.TemporaryDirectory() as tmp:
        project = Project.at(tmp)
        shots = Path(tmp) / "shots.json"
        shots.write_text(shot_list.to_json())
        options = RunOptions(resolution=(width, height))
        start = time.perf_counter()
        asyncio.run(Engine(project, shot_list, options, get_settings()).run())
        first = time.perf_counter() - start

        start = time.perf_counter()
        summary = asyncio.run(Engine(project, shot_list, options, get_settings()).run())
        noop = time.perf_counter() - start
        made = sum(m.made for m in summary.stages.values())
        calls = sum(m.calls for m in summary.stages.values())

        # the whole command, median of 5 (the project's own shots.json: a --shots file there
        # would be a hand edit)
        times = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([*film_cmd(), "run", "-p", tmp, "-q"], check=True,
                           capture_output=True)
            times.append(time.perf_counter() - start)
        cli_noop = statistics.median(times)
    result = {"shots": args.shots, "resolution": args.resolution,
              "first_run_s": round(first, 2), "noop_in_process_s": round(noop, 3),
              "noop_cli_s": round(cli_noop, 3), "noop_cli_runs_s": [round(t, 3) for t in times],
              "artifacts_made_on_rerun": made,
              "provider_calls_on_rerun": calls, "target_s": 1.0}
    save("rebuild", result)
    print(f"machine: {machine()}")
    print(f"{args.shots} shots at {args.resolution}: first run {first:.1f}s; no-op rerun "
          f"{noop:.3f}s in process, {cli_noop:.3f}s as `film run` (median of 5: "
          f"{min(times):.2f}-{max(times):.2f}; target < 1 s); "
          f"{made} artifacts made and {calls} provider calls on the rerun")


if __name__ == "__main__":
    main()
