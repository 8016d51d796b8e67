"""Story development against a fake OpenAI-compatible server answering after a fixed latency
(tests/fakes/llm.py, 1 s by default): LLM calls per run with one rewrite iteration, scenes
in parallel against one after another, a rerun with nothing changed, one character's edit;
then an offline 3-scene story film end to end.

    python bench/bench_story.py [--latency 0.3] [--skip-film]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

from common import film_cmd, machine, save

from fakes.llm import FakeLLM

LOG_LINE = "A lighthouse keeper must relight the lamp before the storm reaches the harbour."
TARGETS = {"scene": 8, "multi3": 20, "full5": 35}


def story(llm: FakeLLM, project: Path, *args: str) -> dict:
    """One `film story` command against the fake server; its run_finished event."""
    env = {**os.environ, "OPENROUTER_API_KEY": "sk-or-bench", "OPENROUTER_BASE_URL": llm.url,
           "FILM_HOME": str(project.parent / "home")}
    out = subprocess.run([*film_cmd(), "story", "-p", str(project), "--json", *args],
                         capture_output=True, text=True, env=env, check=True).stdout
    return json.loads(out.splitlines()[-1])


def calls_per_scope(latency: float, work: Path) -> dict[str, int]:
    found = {}
    for name, args in (("scene", ["--scope", "scene", "--characters", "2"]),
                       ("multi3", ["--scope", "multi", "--scenes", "3"]),
                       ("full5", ["--scope", "full", "--scenes", "5"])):
        with FakeLLM(latency=latency) as llm:
            story(llm, work / name, LOG_LINE, "--model", "claude-3.5-sonnet",
                  "--stop-after", "critique", *args)
            found[name] = llm.total
            # the shots of every scene (breakdown) count too: go on to the end of the story
            story(llm, work / name, "--model", "claude-3.5-sonnet")
            found[name] = llm.total
    return found


def parallel_speedup(latency: float, work: Path) -> dict[str, float]:
    """The run's own wall time (run_finished), so process start-up does not blur it."""
    timings = {}
    for name, concurrency in (("parallel", "8"), ("sequential", "1")):
        with FakeLLM(latency=latency) as llm:
            finished = story(llm, work / f"par-{name}", LOG_LINE, "--model",
                             "claude-3.5-sonnet", "--scenes", "5", "--stop-after", "critique",
                             "--concurrency", concurrency)
            timings[name] = finished["seconds"]
    timings["speedup"] = timings["sequential"] / timings["parallel"]
    return timings


def rerun_and_edit(latency: float, work: Path) -> dict[str, object]:
    project = work / "edit"
    with FakeLLM(latency=latency) as llm:
        story(llm, project, LOG_LINE, "--model", "claude-3.5-sonnet", "--scenes", "5",
              "--stop-after", "critique")
        llm.calls.clear()
        story(llm, project, "--stop-after", "critique")
        rerun_calls = llm.total
        bible_path = project / "story" / "bible.json"
        bible = json.loads(bible_path.read_text())
        edited = bible["characters"][1]
        edited["traits"] = ["reckless", "generous"]
        bible_path.write_text(json.dumps(bible, indent=2))
        outline = json.loads((project / "story" / "outline.json").read_text())["scenes"]
        scenes_with = sorted(s["scene_id"] for s in outline if edited["id"] in s["characters"])
        llm.calls.clear()
        llm.requests.clear()
        story(llm, project, "--stop-after", "critique")
        agent_scenes = sorted({
            json.loads(b["messages"][-1]["content"].split("SCENE:\n", 1)[1]
                       .split("\n\n")[0])["scene_id"]
            for b in llm.requests
            if b["response_format"]["json_schema"]["name"] == "set_of_lines"})
        return {"rerun_calls": rerun_calls, "edit_calls": llm.total,
                "edit_calls_by_kind": dict(llm.calls),
                "scenes_with_character": scenes_with, "scenes_redone": agent_scenes}


def offline_film(work: Path) -> dict[str, float]:
    project = work / "offline-film"
    started = time.perf_counter()
    subprocess.run([*film_cmd(), "story", LOG_LINE, "-p", str(project), "--scenes", "3",
                    "--film", "-q"], check=True, capture_output=True, text=True,
                   env={**os.environ, "FILM_HOME": str(work / "home")})
    seconds = time.perf_counter() - started
    manifest = json.loads((project / "manifest.json").read_text())
    shots = json.loads((project / "shots.json").read_text())["shots"]
    return {"seconds": round(seconds, 2),
            "film_seconds": manifest["artifacts"]["final.mp4"]["meta"]["duration"],
            "shots": len(shots), "scenes": len({s["scene_id"] for s in shots})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=1.0,
                        help="seconds the fake server takes per answer")
    parser.add_argument("--skip-film", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result: dict[str, Any] = {"latency_s": args.latency}
        result["calls"] = calls_per_scope(args.latency, work)
        result["parallel"] = parallel_speedup(args.latency, work)
        result["edit"] = rerun_and_edit(args.latency, work)
        if not args.skip_film:
            result["offline_film"] = offline_film(work)
    print(f"machine: {machine()}")
    calls, par, edit = result["calls"], result["parallel"], result["edit"]
    for name, target in TARGETS.items():
        print(f"LLM calls, {name}: {calls[name]} (target <= {target})")
    print(f"5 scenes: parallel {par['parallel']:.2f}s, one after another "
          f"{par['sequential']:.2f}s, {par['speedup']:.2f}x (target >= 3x)")
    print(f"rerun with nothing changed: {edit['rerun_calls']} calls; one character's edit: "
          f"{edit['edit_calls']} calls, scenes redone {edit['scenes_redone']} of those with "
          f"the character {edit['scenes_with_character']}")
    if "offline_film" in result:
        film = result["offline_film"]
        print(f"offline 3-scene story film: {film['seconds']}s for {film['film_seconds']:.1f}s "
              f"of film, {film['shots']} shots")
    save("story", result)


if __name__ == "__main__":
    main()
