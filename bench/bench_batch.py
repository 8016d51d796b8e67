"""Batch scheduling, the shared cache, and the same batch on a local Dask cluster.

1. 12 films (2 shots each, every shot voiced) with fake remote providers of fixed latency
   (image 1 s, video 3 s, speech 0.5 s), `--jobs 4`, a per-provider bound that never binds:
   wall time against the ideal schedule, ceil(12 / 4) waves × (image + video) (target ≤ 1.2×).
2. The same jobs again: into the same folder (every film current) and into a new folder (every
   artifact from the shared cache): provider calls made (target 0).
3. 12 offline films to final.mp4 in this process (`--jobs 2`) and on a local Dask cluster of
   2 worker processes: the media must be byte-identical; the overhead is quoted.

    python bench/bench_batch.py [--films 12] [--jobs 4] [--skip-cluster]
"""

from __future__ import annotations

import argparse
import filecmp
import json
import math
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from common import machine, save
from fake_latency import Latency

from film.batch.jobs import read_jobs
from film.batch.run import check, run_batch, specs_of
from film.batch.spec import BatchOptions
from film.config import get_settings
from film.events import QuietSink
from film.providers import registry

from shotlists import make_shots

MEDIA = ("*.png", "*.mp4", "*.wav", "*.srt", "shots.json")


def write_jobs(folder: Path, films: int, tag: str) -> Path:
    """A jobs file of `films` shot lists, two voiced shots each, every film's own prompts."""
    rows = []
    for n in range(films):
        data = json.loads(make_shots(2, lines={0: f"Film {n} begins.",
                                               1: f"Film {n} ends."}).to_json())
        for shot in data["shots"]:
            shot["enhanced_prompt"] = f"{tag} film {n}: {shot['enhanced_prompt']}"
        (folder / f"film{n:02d}.json").write_text(json.dumps(data))
        rows.append(json.dumps({"name": f"film{n:02d}", "shots": f"film{n:02d}.json",
                                "resolution": "320x180"}))
    path = folder / f"{tag}.jsonl"
    path.write_text("\n".join(rows) + "\n")
    return path


def batch(jobs: Path, options: BatchOptions, cluster: str | None = None) -> tuple[float, dict]:
    """As `film batch` does it: read and check every row, then run; the run is timed (the
    check, which also loads the modules every film needs, is in `check_s`)."""
    started = time.perf_counter()
    rows, bad = read_jobs(str(jobs))
    specs, refused = check(specs_of(rows, options), get_settings(), keys=cluster is None)
    assert not bad and not refused, (bad, refused)
    checked = time.perf_counter()
    report = run_batch(specs, get_settings(), options, QuietSink(), cluster=cluster, workers=2)
    wall = time.perf_counter() - checked
    assert report.ok, [o for o in report.outcomes if not o.ok]
    return wall, {**report.as_dict(), "check_s": round(checked - started, 3)}


def slow_providers() -> dict[str, str]:
    for kind, cls in (("image", "SlowImage"), ("video", "SlowVideo"), ("speech", "SlowSpeech")):
        registry.REGISTRY[kind]["slow"] = f"fake_latency:{cls}"
        registry.DEFAULT_MODELS[kind]["slow"] = "fixed"
    return {"image_provider": "slow", "video_provider": "slow", "tts_provider": "slow"}


def scheduling(tmp: Path, films: int, jobs: int) -> dict:
    """Parts 1 and 2: the fixed-latency batch, then the same jobs twice more."""
    shots = 2
    options = BatchOptions(out=tmp / "films", jobs=jobs, concurrency=jobs * shots,
                           providers=slow_providers(), stages=("images", "video", "speech"))
    path = write_jobs(tmp, films, "latency")
    Latency.calls = 0
    wall, first = batch(path, options)
    ideal = math.ceil(films / jobs) * (Latency.image + Latency.video)
    first_calls = Latency.calls
    Latency.calls = 0
    again_wall, again = batch(path, options)
    again_calls = Latency.calls
    Latency.calls = 0
    fresh = BatchOptions(**{**vars(options), "out": tmp / "films-2"})
    fresh_wall, fresh_report = batch(path, fresh)
    return {
        "films": films, "shots_per_film": shots, "jobs": jobs,
        "latency": {"image": Latency.image, "video": Latency.video, "speech": Latency.speech},
        "wall_s": round(wall, 3), "ideal_s": ideal, "ratio": round(wall / ideal, 3),
        "check_s": first["check_s"],
        "one_film_at_a_time_s": films * (Latency.image + Latency.video),
        "calls": first_calls, "target_ratio": 1.2,
        "same_folder": {"wall_s": round(again_wall, 3), "calls": again_calls,
                        "counts": again["counts"]},
        "new_folder": {"wall_s": round(fresh_wall, 3), "calls": Latency.calls,
                       "from_shared_cache": sum(o["shared"] for o in fresh_report["outcomes"])},
    }


def media_files(root: Path) -> list[Path]:
    found = {p.relative_to(root) for pattern in MEDIA for p in root.rglob(pattern)
             if ".film" not in p.parts}
    return sorted(found)


def on_a_cluster(tmp: Path, films: int) -> dict:
    """Part 3: offline films here and on a local Dask cluster of 2 workers."""
    path = write_jobs(tmp, films, "offline")
    here = BatchOptions(out=tmp / "here", jobs=2, shared_cache=False)
    there = BatchOptions(out=tmp / "dask", jobs=2, shared_cache=False)
    here_wall, _ = batch(path, here)
    started = time.perf_counter()
    import distributed

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address="127.0.0.1:0", silence_logs=50)
    startup = time.perf_counter() - started
    cluster.close()
    dask_wall, _ = batch(path, there, cluster="local")
    files = media_files(tmp / "here")
    same = [f for f in files if filecmp.cmp(tmp / "here" / f, tmp / "dask" / f, shallow=False)]
    return {"films": films, "shots_per_film": 2, "size": "320x180", "workers": 2,
            "in_process_s": round(here_wall, 3), "dask_s": round(dask_wall, 3),
            "overhead_s": round(dask_wall - here_wall, 3),
            "overhead_ratio": round(dask_wall / here_wall, 3),
            "local_cluster_start_s": round(startup, 3),
            "media_files": len(files), "identical": len(same),
            "different": [str(f) for f in files if f not in same]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--films", type=int, default=12)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--skip-cluster", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as tmp:
        os.environ["FILM_HOME"] = home  # an empty shared cache
        get_settings.cache_clear()
        result = {"scheduling": scheduling(Path(tmp), args.films, args.jobs)}
        if not args.skip_cluster:
            result["cluster"] = on_a_cluster(Path(tmp), args.films)
    save("batch", result)
    s = result["scheduling"]
    print(f"machine: {machine()}")
    print(f"{s['films']} films x {s['shots_per_film']} shots, --jobs {s['jobs']}: wall "
          f"{s['wall_s']:.2f}s, ideal {s['ideal_s']:.2f}s, ratio {s['ratio']:.3f} (target "
          f"≤ 1.2; the rows were checked first in {s['check_s']:.2f}s); one film at a time "
          f"{s['one_film_at_a_time_s']:.0f}s; {s['calls']} calls")
    print(f"same jobs, same folder: {s['same_folder']['wall_s']:.2f}s, "
          f"{s['same_folder']['calls']} calls; new folder: {s['new_folder']['wall_s']:.2f}s, "
          f"{s['new_folder']['calls']} calls, {s['new_folder']['from_shared_cache']} "
          "artifacts from the shared cache")
    if "cluster" in result:
        c = result["cluster"]
        print(f"{c['films']} offline films: in process {c['in_process_s']:.2f}s, local Dask "
              f"cluster of 2 workers {c['dask_s']:.2f}s (overhead {c['overhead_s']:+.2f}s, "
              f"{c['overhead_ratio']:.2f}x; a LocalCluster starts in "
              f"{c['local_cluster_start_s']:.2f}s); {c['identical']}/{c['media_files']} media "
              "files byte-identical")


if __name__ == "__main__":
    main()
