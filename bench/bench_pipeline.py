"""Pipeline scheduling: fake providers with fixed latencies (image 1 s, video 3 s, speech
0.5 s), 12 shots, concurrency 4; wall time against the ideal critical path (target ≤ 1.15×).

    python bench/bench_pipeline.py [--shots 12] [--concurrency 4] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from common import machine, save
from fake_latency import Latency

from film.build.engine import Engine
from film.config import get_settings
from film.project import Project
from film.providers import registry
from film.stages.options import RunOptions

from shotlists import make_shots


def ideal_seconds(shots: int, lanes: int) -> float:
    """The best any scheduler can do with `lanes` calls per provider: the video lanes are the
    bottleneck and the first video cannot start before the first image exists."""
    video_bound = Latency.image + math.ceil(shots / lanes) * Latency.video
    chain_bound = Latency.image + Latency.video
    speech_bound = math.ceil(shots / lanes) * Latency.speech
    return max(video_bound, chain_bound, speech_bound)


async def one_run(shots: int, concurrency: int) -> float:
    for kind, cls in (("image", "SlowImage"), ("video", "SlowVideo"), ("speech", "SlowSpeech")):
        registry.REGISTRY[kind]["slow"] = f"fake_latency:{cls}"
        registry.DEFAULT_MODELS[kind]["slow"] = "fixed"
    lines = {i: f"Line number {i}." for i in range(shots)}
    shot_list = make_shots(shots, lines=lines)
    with tempfile.TemporaryDirectory() as tmp:
        options = RunOptions(providers={"images": "slow", "video": "slow", "speech": "slow"},
                             stages=("images", "video", "speech"), concurrency=concurrency)
        engine = Engine(Project.at(tmp), shot_list, options, get_settings())
        start = time.perf_counter()
        await engine.run()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shots", type=int, default=12)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every latency")
    args = parser.parse_args()
    Latency.image *= args.scale
    Latency.video *= args.scale
    Latency.speech *= args.scale
    wall = asyncio.run(one_run(args.shots, args.concurrency))
    ideal = ideal_seconds(args.shots, args.concurrency)
    stage_by_stage = (math.ceil(args.shots / args.concurrency) * (Latency.image + Latency.video)
                      + math.ceil(args.shots / args.concurrency) * Latency.speech)
    result = {"shots": args.shots, "concurrency": args.concurrency,
              "latency": {"image": Latency.image, "video": Latency.video,
                          "speech": Latency.speech},
              "wall_s": round(wall, 3), "ideal_s": ideal, "ratio": round(wall / ideal, 3),
              "stage_by_stage_s": stage_by_stage, "calls": Latency.calls, "target_ratio": 1.15}
    save("pipeline", result)
    print(f"machine: {machine()}")
    print(f"{args.shots} shots, concurrency {args.concurrency}: wall {wall:.2f}s, ideal "
          f"{ideal:.2f}s, ratio {wall / ideal:.3f} (target ≤ 1.15); a stage-by-stage "
          f"schedule would take {stage_by_stage:.2f}s; {Latency.calls} calls")


if __name__ == "__main__":
    main()
