"""The script as Fountain (fountain.io), the plain-text screenplay format screenwriting tools
open: a title page, a section per act, a synopsis per scene, headings, action, cues and lines.

Text from a model or a person is escaped so no parser misreads it: character cues are always
forced with `@` (non-ASCII names included), action that could read as a heading, a cue or a
transition is forced with `!`, and notes (`[[ ]]`), boneyard (`/* */`) and emphasis markers
are neutralised.
"""

from __future__ import annotations

import re

from film.story.models import Bible, Outline, Scene

_HEADING = re.compile(r"^(INT|EXT|EST|INT\./EXT|INT/EXT|I/E)[. ]", re.I)
_ACT_NAMES = {1: "ONE", 2: "TWO", 3: "THREE", 4: "FOUR", 5: "FIVE", 6: "SIX", 7: "SEVEN"}


def _neutral(text: str) -> str:
    text = text.replace("[[", "[ [").replace("]]", "] ]").replace("/*", "/ *").replace("*/",
                                                                                      "* /")
    return " ".join(text.replace("*", "\\*").replace("_", " ").split())


def action_line(text: str) -> str:
    """Action, forced with `!` when it could read as anything else."""
    line = _neutral(text)
    risky = line[:1] in ".!@~=#>[" or _HEADING.match(line) or (
        line.upper() == line and any(c.isalpha() for c in line))
    return f"!{line}" if risky else line


def cue(name: str, extension: str | None = None) -> str:
    """A forced character cue: `@NAME` (or `@NAME (V.O.)`)."""
    clean = _neutral(name).upper().replace("^", "")
    return f"@{clean}" + (f" ({extension})" if extension else "")


def spoken(text: str) -> str:
    """A line of dialogue that no parser reads as a parenthetical or as action."""
    line = _neutral(text).lstrip("!").strip()
    if line.startswith("(") and line.endswith(")"):
        line = line[1:-1].strip()
    return line or "..."


def heading(text: str) -> str:
    line = _neutral(text).upper()
    return line if _HEADING.match(line) else f".{line.lstrip('.')}"


def render_script(bible: Bible, outline: Outline, scenes: dict[str, Scene],
                  draft_date: str | None = None) -> str:
    """The whole script: every scene of the outline that has a final scene, in order."""
    title = [f"Title: {_neutral(bible.plot.title)}", "Credit: Written by", "Author: film"]
    if draft_date:
        title.append(f"Draft date: {draft_date}")
    out = ["\n".join(title), ""]
    names = {c.id: c.name for c in bible.characters}
    act = None
    for summary in outline.scenes:
        scene = scenes.get(summary.scene_id)
        if scene is None:
            continue
        if summary.act != act:
            act = summary.act
            out += [f"# ACT {_ACT_NAMES.get(act, str(act))}", ""]
        out += [f"= {_neutral(summary.beat)}", "", heading(scene.heading), ""]
        for element in scene.elements:
            if element.type == "action":
                out += [action_line(element.text), ""]
            elif element.type == "transition":
                out += [f"> {_neutral(element.text).upper().rstrip('<').strip()}", ""]
            else:
                block = [cue(names.get(element.character or "", element.character or ""))]
                if element.parenthetical:
                    block.append(f"({_neutral(element.parenthetical).strip('()')})")
                block.append(spoken(element.text))
                out += ["\n".join(block), ""]
    return "\n".join(out).rstrip() + "\n"
