"""`film models`: the scenario presets (and the retired names they replace), the remote image,
video and speech models of the catalogue, their prices in each vendor's unit."""

from __future__ import annotations

import json
from typing import Any

import click

from film.cli_commands.common import mark_json, run_async, settings

#: pages of OpenRouter's model list followed at most (each up to 1000 models)
MAX_PAGES = 20


def models_report() -> dict[str, Any]:
    """Everything `film models` shows, as JSON-able data."""
    from dataclasses import asdict

    from film.providers.catalogue import catalogue
    from film.scenario.catalogue import (
        DEFAULT_PRESET,
        PRESETS,
        PRICES_READ,
        PRICES_TAKEN,
        RETIRED,
        preset_flags,
    )

    flags = preset_flags(settings().user_dir())
    return {
        "prices_taken": PRICES_TAKEN,
        "prices_read": PRICES_READ,
        "default": DEFAULT_PRESET,
        "models": [{**vars(p), "flag": flags.get(p.name)} for p in PRESETS.values()],
        "retired": [{"name": name, **vars(r)} for name, r in RETIRED.items()],
        "media": [{**asdict(m), "price_text": m.price_text()} for m in catalogue()],
    }


def print_models(as_json: bool) -> None:
    """The scenario presets, the retired names, the media catalogue."""
    report = models_report()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    from film.cli_commands.render import media_table, models_table, out, retired_table

    out.print(models_table(report))
    out.print(retired_table(report["retired"]))
    for kind in ("image", "video", "speech"):
        out.print(media_table(kind, [m for m in report["media"] if m["kind"] == kind]))


def refresh_prices() -> None:
    """Today's prices from OpenRouter's /models (every page), cached; presets whose ids have
    gone or will expire are named on stderr."""
    from film.scenario.catalogue import parse_openrouter_models, preset_flags, save_price_cache
    from film.vendors.http import make_client, send_with_retries

    s = settings()
    base = s.openrouter_base_url.rstrip("/")

    async def fetch() -> dict[str, Any]:
        models: dict[str, Any] = {}
        url: str | None = f"{base}/models"
        async with make_client(30) as client:
            for _ in range(MAX_PAGES):
                if url is None:
                    break
                response = await send_with_retries(client, "GET", url, provider="openrouter")
                payload = response.json() if response.content else {}
                if not isinstance(payload, dict):
                    break
                models.update(parse_openrouter_models(payload))
                url = _next_page(payload, base)
        return models

    models = run_async(fetch())
    path = save_price_cache(s.user_dir(), models)
    click.echo(f"refreshed {len(models)} model prices into {path}", err=True)
    for name, flag in preset_flags(s.user_dir()).items():
        click.echo(f"warning: preset {name}: {flag}", err=True)


def _next_page(payload: dict[str, Any], base: str) -> str | None:
    """The `links.next` URL of a page, followed only on OpenRouter's own host."""
    links = payload.get("links")
    nxt = links.get("next") if isinstance(links, dict) else None
    if not isinstance(nxt, str) or not nxt:
        return None
    import httpx

    try:
        target, home = httpx.URL(nxt), httpx.URL(base)
    except (httpx.InvalidURL, TypeError):
        return None
    if not target.host:
        return str(home.join(nxt))
    return nxt if (target.scheme, target.host) == (home.scheme, home.host) else None


@click.command("models")
@click.option("--refresh", is_flag=True, help="Update prices from OpenRouter's /models and flag "
              "presets whose models have gone or will expire.")
@click.option("--json", "as_json", is_flag=True)
def models_command(refresh: bool, as_json: bool) -> None:
    """List the scenario models (tier, prices, what each is best for), the names of retired
    ones and their successors, and the image, video and speech models with their prices."""
    mark_json(as_json)
    if refresh:
        refresh_prices()
    print_models(as_json)


COMMANDS = [models_command]
