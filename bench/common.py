"""Helpers shared by the benchmarks: machine description, result files."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from pathlib import Path

OUT = Path(__file__).parent / "out"

# Measure film as an install runs it, its modules' bytecode cached: a sandbox or CI image may
# set PYTHONDONTWRITEBYTECODE, which makes every command compile film's ~70 modules again
# (+0.2 s a command here), for the code before a change as for the code after it.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        mem = f", {pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {sys.version.split()[0]}, " \
           f"{platform.system()} {platform.release()}"


def save(name: str, data: dict) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2))
    return path


def film_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("film")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "film"]


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)


#: the commit benchmarks compare against ("today's" code): the last one before issue 14
BASELINE = "c351edc"


def baseline_src(ref: str = BASELINE) -> Path:
    """The `src` folder of commit `ref`, extracted once into bench/out (git archive), to run
    the code as it was side by side with the code as it is (PYTHONPATH)."""
    root = Path(__file__).resolve().parents[1]
    target = OUT / f"baseline-{ref}"
    if not (target / "src" / "film").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(root), "archive", ref, "src"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


def with_src(src: Path | None) -> dict[str, str]:
    """The environment of a child process that imports film from `src` (None: this tree)."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(
            os.pathsep)
    return env
