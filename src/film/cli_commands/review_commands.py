"""`film review`: the review page (review.html) and the contact sheet (contact.png)."""

from __future__ import annotations

import json

import click

from film.cli_commands.common import mark_json, project_option, settings


@click.command("review")
@project_option()
@click.option("--embed", is_flag=True, help="Put the stills (as JPEGs) and the clips, voices "
              "and film of up to 8 MB each inside review.html, so the one file can be sent "
              "or kept as a CI artifact.")
@click.option("--contact-only", is_flag=True, help="Only write contact.png.")
@click.option("--open", "open_page", is_flag=True, help="Open the page in the web browser.")
@click.option("--json", "as_json", is_flag=True, help="The paths written, as JSON.")
def review_command(project_dir, embed, contact_only, open_page,
                   as_json):  # type: ignore[no-untyped-def]
    """Write DIR/review.html (the film, then each shot's takes side by side with the chosen
    one marked, its clip, its line, prompt, provider, cost and the `film choose` command of
    each take) and DIR/contact.png (every shot's chosen still in a grid).

    The page needs no server and no network: open it from disk.

    \b
    Examples:
      film review -p noir --open
      film review -p noir --embed          (one file to send: the media inside)
    """
    mark_json(as_json)
    from film.build.review import write_review
    from film.project import Project

    project = Project.at(project_dir)
    page, contact = write_review(project, settings(), embed=embed, contact_only=contact_only)
    if as_json:
        click.echo(json.dumps({"review": None if contact_only else str(page),
                               "contact": str(contact)}))
    else:
        if not contact_only:
            click.echo(f"review page: {page}")
        click.echo(f"contact sheet: {contact}")
    if open_page and not contact_only:
        click.launch(page.resolve().as_uri())


COMMANDS = [review_command]
