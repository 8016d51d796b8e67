"""Start-up: how long `film --help` takes (target < 0.3 s). Run: python bench/bench_startup.py"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from common import film_cmd, machine, save


def main(runs: int = 15) -> None:
    cmd = [*film_cmd(), "--help"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the page cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    probe = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import film.cli"],
        capture_output=True, text=True,
    ).stderr
    heavy = [m for m in ("httpx", "PIL", "pydantic", "rich", "fal_client", "replicate")
             if f"| {m}\n" in probe or f"|   {m}\n" in probe]
    result = {"median_s": round(statistics.median(times), 4), "min_s": round(min(times), 4),
              "max_s": round(max(times), 4), "runs": runs, "heavy_imports_at_start": heavy,
              "target_s": 0.3}
    save("startup", result)
    print(f"machine: {machine()}")
    print(f"film --help: median {result['median_s']:.3f}s (min {result['min_s']:.3f}, "
          f"max {result['max_s']:.3f}) over {runs} runs; target < 0.3 s; "
          f"heavy modules imported at start: {heavy or 'none'}")


if __name__ == "__main__":
    main()
