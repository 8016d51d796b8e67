"""`film cache info|prune`: the shared media cache (film.build.cache)."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import click

from film.cli_commands.common import mark_json, settings

_AGE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", re.I)
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*", re.I)
_SECONDS = {"": 86_400, "s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_POWER = {"": 0, "k": 1, "m": 2, "g": 3, "t": 4}


def parse_age(value: str) -> float:
    """"30d", "12h", "90m", "2w", "3600s" (a bare number: days) → seconds."""
    match = _AGE.fullmatch(value or "")
    if not match:
        raise click.BadParameter(f"{value!r} is not an age like 30d, 12h or 90m",
                                 param_hint="--older-than")
    return float(match.group(1)) * _SECONDS[match.group(2).lower()]


def parse_size(value: str) -> int:
    """"500M", "2G", "1.5GB", "800k" (powers of 1024) → bytes."""
    match = _SIZE.fullmatch(value or "")
    if not match:
        raise click.BadParameter(f"{value!r} is not a size like 500M or 2G",
                                 param_hint="--max-size")
    return int(float(match.group(1)) * 1024 ** _POWER[match.group(2).lower()])


def _human(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"  # pragma: no cover


def _when(stamp: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(stamp)) if stamp else "-"


def _cache() -> Any:
    from film.build.cache import SharedCache

    s = settings()
    return SharedCache(s.media_cache_dir(), link=s.film_cache_link), s.film_shared_cache


@click.group("cache")
def cache_group() -> None:
    """The shared media cache: stills, clips, lines and reference sheets any project reuses.

    \b
    A film needs an artifact another film (or an earlier run) already made with the very
    same stage, provider, model and inputs: it is copied from here, never made or paid for
    again. FILM_CACHE_DIR moves it (a shared folder works for several machines);
    FILM_SHARED_CACHE=0 turns it off.
    """


@cache_group.command("info")
@click.option("--json", "as_json", is_flag=True)
def info_command(as_json: bool) -> None:
    """Where the cache is, what it holds, and its size."""
    mark_json(as_json)
    cache, enabled = _cache()
    info = {**cache.info(), "enabled": enabled}
    if as_json:
        click.echo(json.dumps(info, indent=2))
        return
    stages = ", ".join(f"{name} {n}" for name, n in sorted(info["stages"].items()))
    state = "on" if enabled else "off (FILM_SHARED_CACHE=0)"
    click.echo(f"shared cache: {info['path']} ({state}{', hard links' if info['link'] else ''})")
    click.echo(f"artifacts:    {info['entries']}{f' ({stages})' if stages else ''}")
    click.echo(f"size:         {_human(info['bytes'])} in {info['blobs']} files")
    click.echo(f"last used:    {_when(info['oldest'])} .. {_when(info['newest'])}")


@cache_group.command("prune")
@click.option("--older-than", "older_than", metavar="AGE", default=None,
              help="Remove what was not used for AGE (30d, 12h, 90m).")
@click.option("--max-size", "max_size", metavar="SIZE", default=None,
              help="Then remove the least recently used until the rest takes SIZE (2G, 500M).")
@click.option("--all", "everything", is_flag=True, help="Remove everything.")
@click.option("--yes", "-y", is_flag=True, help="Remove them (without it: list what would go).")
@click.option("--json", "as_json", is_flag=True)
def prune_command(older_than: str | None, max_size: str | None, everything: bool,
                  yes: bool, as_json: bool) -> None:
    """Remove artifacts unused for a while, or the oldest beyond a size. Without --yes it
    only lists what would be removed. Films that used them keep their own copies."""
    mark_json(as_json)
    if not (older_than or max_size or everything):
        raise click.UsageError("say what to prune: --older-than AGE, --max-size SIZE or --all")
    age = -1.0 if everything else (parse_age(older_than) if older_than else None)
    size = parse_size(max_size) if max_size else None
    cache, _ = _cache()
    gone = cache.plan_prune(older_than=age, max_bytes=size)
    freed = sum({e.digest: e.size for e in gone}.values())
    if yes:
        freed = cache.prune(gone, grace=0.0 if everything else None)
    result = {"removed" if yes else "would_remove": len(gone), "bytes": freed,
              "entries": [{"key": e.key, "stage": e.stage, "size": e.size, "used": e.used}
                          for e in gone]}
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    _print_prune(gone, freed, yes)


def _print_prune(gone: list[Any], freed: int, done: bool) -> None:
    if not gone:
        click.echo("nothing to remove")
        return
    if not done:
        for entry in gone[:50]:
            click.echo(f"  {entry.stage:<8} {entry.key[:16]}  {_human(entry.size):>9}  "
                       f"last used {_when(entry.used)}")
        if len(gone) > 50:
            click.echo(f"  ... and {len(gone) - 50} more")
        click.echo(f"would remove {len(gone)} artifacts ({_human(freed)}); add --yes to "
                   "remove them")
        return
    click.echo(f"removed {len(gone)} artifacts, freed {_human(freed)}")


COMMANDS = [cache_group]
