"""The contact sheet, `DIR/contact.png`: every shot's chosen still in a grid, for a glance in a
terminal image viewer or as a CI artifact.

Each cell is the chosen still (scaled to fit its box, nothing drawn over it) in a frame the
colour of the shot's state, and under it the shot's id, its take (2/3) and its state. A header
names the film, its length, its spend and the final film's state; a legend explains the
colours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from film.fsutil import atomic_output

#: the box a still is fitted into, and the columns, per aspect ratio
THUMB = {"16:9": (256, 144), "1:1": (192, 192), "9:16": (144, 256)}
COLUMNS = {"16:9": 4, "1:1": 5, "9:16": 7}
MARGIN, GAP, FRAME, LABEL, HEADER, LEGEND = 24, 18, 3, 44, 78, 40
MIN_WIDTH = 720

BACKGROUND = (24, 26, 31)
TEXT = (236, 238, 242)
MUTED = (150, 156, 168)
EMPTY = (52, 56, 64)
#: frame colours: current, to be made (again), failed, a person's or a stand-in
COLOURS = {"done": (46, 160, 90), "todo": (232, 168, 36), "failed": (220, 60, 60),
           "kept": (80, 140, 230)}
_GROUP = {"done": "done", "stale": "todo", "missing": "todo", "retry": "todo",
          "pending": "todo", "running": "todo", "failed": "failed", "manual": "kept",
          "fallback": "kept"}
LEGEND_TEXT = {"done": "current", "todo": "stale, missing or under way",
               "failed": "failed", "kept": "by hand or a stand-in"}


@dataclass(frozen=True)
class ContactShot:
    """What a cell shows of a shot."""

    shot_id: str
    #: the chosen still's file (None: no still yet)
    still: Path | None
    #: "take 2/3", or "" when the shot has no takes
    take: str
    #: the shot's worst state (film.build.status.STATES), and each stage's
    state: str
    states: dict[str, str]
    duration: float


@dataclass(frozen=True)
class Cell:
    """Where a shot's still sits on the sheet: (x, y, width, height) of the still itself."""

    shot_id: str
    box: tuple[int, int, int, int]
    state: str


@dataclass(frozen=True)
class ContactSheet:
    """The sheet written: its size and its cells."""

    path: Path
    size: tuple[int, int]
    cells: list[Cell]


def layout(count: int, aspect: str) -> tuple[tuple[int, int], list[tuple[int, int]], int]:
    """((width, height) of the sheet, the top-left of each cell's box, the columns)."""
    tw, th = THUMB.get(aspect, THUMB["16:9"])
    cols = max(1, min(COLUMNS.get(aspect, 4), count))
    rows = max(1, math.ceil(count / cols))
    cell_w, cell_h = tw + 2 * FRAME, th + 2 * FRAME + LABEL
    grid_w = cols * cell_w + (cols - 1) * GAP
    width = max(MIN_WIDTH, grid_w + 2 * MARGIN)
    left = (width - grid_w) // 2
    height = HEADER + rows * cell_h + (rows - 1) * GAP + LEGEND + MARGIN
    origins = [(left + (i % cols) * (cell_w + GAP) + FRAME,
                HEADER + (i // cols) * (cell_h + GAP) + FRAME) for i in range(count)]
    return (width, height), origins, cols


def write_contact(out: Path, shots: list[ContactShot], *, title: str, subtitle: str,
                  aspect: str = "16:9", language: str | None = None) -> ContactSheet:
    """Draw the contact sheet of `shots` under `title` and `subtitle` into `out`
    (atomically)."""
    from PIL import Image, ImageDraw

    size, origins, _cols = layout(len(shots), aspect)
    thumb = THUMB.get(aspect, THUMB["16:9"])
    sheet = Image.new("RGB", size, BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    _header(draw, title, subtitle, size[0], language)
    cells = []
    for shot, (x, y) in zip(shots, origins, strict=True):
        _cell(sheet, draw, shot, (x, y), thumb, language)
        cells.append(Cell(shot.shot_id, (x, y, *thumb), shot.state))
    _legend(draw, size, language)
    with atomic_output(out) as tmp:
        sheet.save(tmp, "PNG", optimize=True)
    return ContactSheet(out, size, cells)


def fit_still(path: Path, box: tuple[int, int]) -> Any:
    """The still scaled to fit `box`, centred on the empty colour (letterboxed if its aspect
    ratio differs)."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        picture = ImageOps.contain(image.convert("RGB"), box, Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", box, EMPTY)
    canvas.paste(picture, ((box[0] - picture.width) // 2, (box[1] - picture.height) // 2))
    return canvas


def _cell(sheet: Any, draw: Any, shot: ContactShot, xy: tuple[int, int],
          thumb: tuple[int, int], language: str | None) -> None:
    from film.offline import storyboard_text as text

    x, y = xy
    w, h = thumb
    colour = COLOURS[_GROUP.get(shot.state, "done")]
    draw.rectangle((x - FRAME, y - FRAME, x + w + FRAME - 1, y + h + FRAME - 1), fill=colour)
    if shot.still is not None and shot.still.is_file():
        sheet.paste(fit_still(shot.still, thumb), (x, y))
    else:
        draw.rectangle((x, y, x + w - 1, y + h - 1), fill=EMPTY)
        text.draw(draw, (x + w / 2, y + h / 2), "no still yet", text.Font(14), MUTED, "mm")
    top = y + h + FRAME + 6
    text.draw(draw, (x - FRAME, top), text.fit(draw, shot.shot_id, text.Font(15), w * 0.62),
              text.Font(15), TEXT)
    text.draw(draw, (x + w + FRAME, top), shot.take, text.Font(13), MUTED, "ra")
    detail = f"done · {shot.duration:.1f} s"
    if shot.state != "done":
        worst = [name for name, value in shot.states.items() if value == shot.state]
        detail = f"{shot.state} ({', '.join(worst)}) · {shot.duration:.1f} s"
    text.draw(draw, (x - FRAME, top + 19), text.fit(draw, detail, text.Font(13, language), w),
              text.Font(13), colour)


def _header(draw: Any, title: str, subtitle: str, width: int, language: str | None) -> None:
    from film.offline import storyboard_text as text

    big, small = text.Font(26, language), text.Font(14, language)
    room = width - 2 * MARGIN
    text.draw(draw, (MARGIN, 18), text.fit(draw, text.clean_text(title), big, room), big, TEXT)
    text.draw(draw, (MARGIN, 52), text.fit(draw, subtitle, small, room), small, MUTED)


def _legend(draw: Any, size: tuple[int, int], language: str | None) -> None:
    from film.offline import storyboard_text as text

    font = text.Font(13, language)
    x, y = MARGIN, size[1] - MARGIN - 16
    for group, label in LEGEND_TEXT.items():
        draw.rectangle((x, y + 2, x + 12, y + 14), fill=COLOURS[group])
        x += 18 + int(text.draw(draw, (x + 18, y), label, font, MUTED)) + 22
