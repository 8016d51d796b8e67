"""Rich tables and summaries for the CLI (stdout for results, stderr for chatter)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table


def _console(stderr: bool) -> Console:
    """A console; when not a terminal (CI logs, pipes) wide enough that tables keep shape."""
    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console = Console(stderr=stderr, highlight=False, width=140)
    return console


out = _console(stderr=False)
err = _console(stderr=True)


def _excerpt(text: str | None, width: int = 60) -> str:
    text = (text or "").replace("\n", " ")
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def shots_table(shot_list: Any) -> Table:
    table = Table(title=f"{shot_list.title}  ({len(shot_list.shots)} shots, "
                        f"{shot_list.total_duration:.1f} s, {shot_list.aspect_ratio})")
    for column in ("#", "type", "move", "sec", "prompt", "line"):
        table.add_column(column, overflow="fold")
    for shot in shot_list.shots:
        line = shot.spoken_text
        if line:
            line = f"{shot.voice_role}: {line}"
        table.add_row(str(shot.shot_number), shot.shot_type, shot.camera_movement or "",
                      f"{shot.duration:g}", _excerpt(shot.enhanced_prompt), _excerpt(line, 40))
    return table


def models_table(report: dict[str, Any]) -> Table:
    """The scenario presets: tier, token prices, context, what each is best for, and what the
    last `film models --refresh` found wrong with one."""
    table = Table(title=f"Scenario models (USD per 1M tokens, OpenRouter prices of "
                        f"{report['prices_taken']}; `film models --refresh` for today's)")
    for column in ("name", "tier", "input", "output", "context", "best for", "OpenRouter id"):
        table.add_column(column)
    table.add_row("offline", "free", "0", "0", "-", "no key, no network, deterministic",
                  "(built in)")
    for p in report["models"]:
        name = f"[red]{p['name']} ![/]" if p.get("flag") else p["name"]
        table.add_row(name, p["tier"], f"{p['input_per_m']:g}", f"{p['output_per_m']:g}",
                      f"{p['context']:,}", p["best_for"], p["openrouter_id"])
    table.add_row("ollama:<model>", "local", "0", "0", "-", "your own machine", "(local)")
    lines = [f"default with OPENROUTER_API_KEY: {report['default']}"]
    lines += [f"! {p['name']}: {escape(p['flag'])}" for p in report["models"] if p.get("flag")]
    table.caption = "\n".join(lines)
    return table


def retired_table(retired: list[dict[str, Any]]) -> Table:
    """Names users know whose models are gone, and the successor each now means."""
    table = Table(title="Retired names (still typeable): each runs its nearest successor")
    for column in ("name", "was", "why", "now runs"):
        table.add_column(column)
    for r in retired:
        table.add_row(r["name"], r["openrouter_id"], r["why"], r["successor"])
    return table


def media_table(kind: str, models: list[dict[str, Any]]) -> Table:
    """The catalogue's models of one kind with their price in the vendor's unit."""
    table = Table(title=f"{kind.capitalize()} models (prices in each vendor's unit; ~ not "
                        "confirmed on the vendor's own page)")
    for column in ("name", "model", "price", "read", "note"):
        table.add_column(column, overflow="fold")
    for m in models:
        name = f"{m['provider']}:{m['name']}" if m["name"] != "*" else f"{m['provider']}:<id>"
        aliases = f" ({', '.join(m['aliases'])})" if m["aliases"] else ""
        price = ("~" if m["price"] and not m["confirmed"] else "") + m["price_text"]
        note = m["note"] + (f" Shuts down {m['retires']}." if m.get("retires") else "")
        table.add_row(escape(name + aliases), escape(m["title"]), escape(price), m["read"],
                      escape(_excerpt(note, 90)))
    if kind == "image":
        table.add_row("comfyui[:workflow.json]", "your ComfyUI workflow", "free", "-",
                      "COMFYUI_BASE_URL + COMFYUI_IMAGE_WORKFLOW")
    elif kind == "video":
        table.add_row("comfyui[:workflow.json]", "your ComfyUI workflow", "free", "-",
                      "COMFYUI_BASE_URL + COMFYUI_VIDEO_WORKFLOW")
    else:
        table.add_row("local:<model>", "a local OpenAI-compatible server (Kokoro-FastAPI)",
                      "free", "-", "LOCAL_TTS_BASE_URL, voices from LOCAL_TTS_VOICES")
    return table


def estimate_table(rows: list[dict[str, Any]], total: float, total_seconds: float) -> Table:
    table = Table(title="Estimate (before anything is paid)")
    for column in ("stage", "provider", "items", "cost USD", "time"):
        table.add_column(column)
    for row in rows:
        cost = "?" if row["cost_usd"] is None else f"{row['cost_usd']:.4f}"
        table.add_row(row["stage"], row["provider"], str(row["items"]), cost,
                      f"~{row['seconds']:.0f}s")
    unknown = any(row["cost_usd"] is None for row in rows)
    table.add_row("total", "", "", f"{total:.4f}" + (" + ?" if unknown else ""),
                  f"~{total_seconds:.0f}s", style="bold")
    if unknown:
        table.caption = "?: no price known for that model; check the vendor's price page"
    return table


def summary_table(summary: dict[str, Any]) -> Table:
    table = Table(title=f"Run finished in {summary['seconds']:.1f}s")
    for column in ("stage", "made", "reused", "fallback", "failed", "calls", "wall",
                   "busy", "cost USD"):
        table.add_column(column)
    for stage, m in summary["stages"].items():
        table.add_row(stage, str(m["made"]), str(m["reused"]), str(m["fallback"]),
                      str(m["failed"]), str(m["calls"]), f"{m['wall']:.1f}s",
                      f"{m['seconds']:.1f}s", f"{m['cost_usd']:.4f}")
    table.add_row("total", "", "", "", "", "", f"{summary['seconds']:.1f}s", "",
                  f"{summary['cost_usd']:.4f}", style="bold")
    table.caption = "wall: first start to last finish; busy: summed over concurrent calls"
    llm = summary.get("llm") or {}
    if llm.get("calls") or llm.get("cache_hits"):
        table.caption += (f"\nLLM: {llm['calls']} calls, {llm['cache_hits']} from the cache, "
                          f"{llm['prompt_tokens']:,} + {llm['completion_tokens']:,} tokens, "
                          f"${llm['cost_usd']:.4f}")
    return table


_COLOURS = {"done": "green", "stale": "yellow", "missing": "dim", "failed": "red",
            "running": "cyan", "pending": "cyan", "fallback": "magenta", "manual": "blue",
            "waiting": "bold yellow", "-": "dim"}


def status_table(rows: list[dict[str, Any]], stages: list[str],
                 legend: dict[str, str] | None = None) -> Table:
    table = Table(title="Project status")
    if legend:
        seen = {row[s] for row in rows for s in stages}
        table.caption = "; ".join(f"{k}: {v}" for k, v in legend.items() if k in seen)
    table.add_column("shot")
    for stage in stages:
        table.add_column(stage)
    for row in rows:
        cells = [f"[{_COLOURS.get(row[s], 'white')}]{row[s]}[/]{_take_note(row, s)}"
                 for s in stages]
        table.add_row(row["shot_id"], *cells)
    return table


def _take_note(row: dict[str, Any], stage: str) -> str:
    """" take 2 of 3" when the artifact has more than one take ("*": chosen by a person)."""
    takes = row.get("takes", {}).get(stage)
    if not takes or takes["count"] < 2:
        return ""
    mark = "*" if takes["by"] == "user" else ""
    return f" take {takes['chosen']}{mark} of {takes['count']}"


def jobs_table(rows: list[dict[str, Any]]) -> Table:
    """Remote jobs a stopped run left, with their state at the vendor."""
    table = Table(title="Remote jobs a stopped run left (the next run collects them)")
    for column in ("file", "provider", "id", "age", "state"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(escape(row["path"]), escape(row["provider"]), escape(row["request_id"]),
                      row["age"], escape(row["state"]))
    return table


def story_table(per_scene: dict[str, Any]) -> Table:
    """LLM use per scene of a story (and "film" for the bible and outline)."""
    table = Table(title="Story: LLM use per scene")
    for column in ("scene", "calls", "cache hits", "tokens in", "tokens out", "time",
                   "cost USD"):
        table.add_column(column)
    for key, m in per_scene.items():
        table.add_row(key, str(m["calls"]), str(m["cache_hits"]), f"{m['prompt_tokens']:,}",
                      f"{m['completion_tokens']:,}", f"{m['latency_s']:.1f}s",
                      f"{m['cost_usd']:.4f}")
    return table


def reference_table(rows: list[dict[str, Any]]) -> Table:
    """Each character's sheet and each location's plate: its state and the shots using it."""
    table = Table(title="References")
    for column in ("kind", "key", "state", "used by"):
        table.add_column(column)
    for row in rows:
        state = row["state"]
        table.add_row(row["kind"], row["key"], f"[{_COLOURS.get(state, 'white')}]{state}[/]",
                      _shot_span(row["shots"]))
    return table


def _shot_span(shots: list[str], most: int = 6) -> str:
    """A list of shot ids, shortened: 'shot_001, shot_002 … (+9)'."""
    if not shots:
        return "-"
    shown = ", ".join(shots[:most])
    return shown if len(shots) <= most else f"{shown} … (+{len(shots) - most})"


def scene_table(rows: list[dict[str, Any]], stages: list[str]) -> Table:
    """Per scene of a story, each level's state."""
    table = Table(title="Story status")
    table.add_column("scene")
    for stage in stages:
        table.add_column(stage)
    for row in rows:
        table.add_row(row["scene_id"], *[f"[{_COLOURS.get(row[s], 'white')}]{row[s]}[/]"
                                          for s in stages])
    return table


def batch_table(outcomes: list[dict[str, Any]]) -> Table:
    """One row per film of a batch: status, cost, time, where it is, what went wrong."""

    table = Table(title="batch")
    for column in ("line", "film", "status", "cost", "time", "made/reused", "path", "error"):
        table.add_column(column, overflow="fold")
    colour = {"done": "green", "current": "green", "failed": "red", "invalid": "red",
              "not run": "yellow"}
    for o in outcomes:
        path = o["path"]
        with contextlib.suppress(ValueError):
            path = str(Path(path).relative_to(Path.cwd()))
        shared = f" ({o['shared']} shared)" if o.get("shared") else ""
        table.add_row(str(o["line"]), escape(o["film"]),
                      f"[{colour.get(o['status'], 'white')}]{o['status']}[/]",
                      f"${o['cost_usd']:.4f}", f"{o['seconds']:.1f}s",
                      f"{o['made']}/{o['reused']}{shared}", escape(path),
                      escape(_excerpt(o.get("error"), 80)))
    return table
