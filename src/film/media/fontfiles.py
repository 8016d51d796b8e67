"""Reading OpenType/TrueType font files (and collections) with `struct`: no font library.

What film needs of a font: the characters it maps (`cmap` formats 4 and 12), the family
name libass matches (`name` ID 1) and the metrics libass sizes it by (OS/2 usWinAscent +
usWinDescent over head.unitsPerEm). Results are cached per (file, face index).
"""

from __future__ import annotations

import functools
import struct
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FaceInfo:
    """What one face of a font file says about itself."""

    family: str
    full_name: str
    win_per_em: float


def _read(path: Path) -> bytes:
    return Path(path).read_bytes()


def _tables(data: bytes, index: int) -> dict[bytes, int]:
    """Table tag -> offset, for face `index` of a collection (or the one face of a font)."""
    base = struct.unpack_from(">I", data, 12 + 4 * index)[0] if data[:4] == b"ttcf" else 0
    count = struct.unpack_from(">H", data, base + 4)[0]
    out = {}
    for i in range(count):
        tag, _checksum, offset, _length = struct.unpack_from(">4sIII", data, base + 12 + 16 * i)
        out[tag] = offset
    return out


def face_count(path: Path) -> int:
    """How many faces a file holds (1 for a plain font)."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    return struct.unpack_from(">I", head, 8)[0] if head[:4] == b"ttcf" else 1


@functools.lru_cache(maxsize=64)
def codepoints(path: Path, index: int = 0) -> frozenset[int]:
    """Every code point face `index` of the font at `path` maps to a glyph."""
    data = _read(path)
    cmap = _tables(data, index)[b"cmap"]
    subtables = {}
    for i in range(struct.unpack_from(">H", data, cmap + 2)[0]):
        pid, eid, off = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables[(pid, eid)] = cmap + off
    for key in ((3, 10), (0, 6), (0, 4), (3, 1), (0, 3)):
        if key in subtables:
            return frozenset(_subtable(data, subtables[key]))
    return frozenset()


def _subtable(data: bytes, off: int) -> set[int]:
    fmt = struct.unpack_from(">H", data, off)[0]
    out: set[int] = set()
    if fmt == 12:
        for g in range(struct.unpack_from(">I", data, off + 12)[0]):
            start, end, gid = struct.unpack_from(">III", data, off + 16 + 12 * g)
            out.update(range(start, end + 1) if gid else range(start + 1, end + 1))
    elif fmt == 4:
        n = struct.unpack_from(">H", data, off + 6)[0] // 2
        ends = struct.unpack_from(f">{n}H", data, off + 14)
        starts = struct.unpack_from(f">{n}H", data, off + 16 + 2 * n)
        deltas = struct.unpack_from(f">{n}h", data, off + 16 + 4 * n)
        ro_at = off + 16 + 6 * n
        offsets = struct.unpack_from(f">{n}H", data, ro_at)
        for i, (s, e, d, r) in enumerate(zip(starts, ends, deltas, offsets, strict=True)):
            for c in range(s, min(e, 0xFFFE) + 1):
                if r == 0:
                    gid = (c + d) & 0xFFFF
                else:
                    gid = struct.unpack_from(">H", data, ro_at + 2 * i + r + 2 * (c - s))[0]
                    gid = (gid + d) & 0xFFFF if gid else 0
                if gid:
                    out.add(c)
    return out


@functools.lru_cache(maxsize=64)
def face_info(path: Path, index: int = 0) -> FaceInfo:
    """The family (name ID 1), full name (ID 4) and libass size ratio of a face."""
    data = _read(path)
    tables = _tables(data, index)
    names = _names(data, tables[b"name"])
    units = struct.unpack_from(">H", data, tables[b"head"] + 18)[0]
    win_ascent, win_descent = struct.unpack_from(">HH", data, tables[b"OS/2"] + 74)
    return FaceInfo(family=names.get(1, Path(path).stem), full_name=names.get(4, ""),
                    win_per_em=(win_ascent + win_descent) / max(1, units))


def _names(data: bytes, off: int) -> dict[int, str]:
    """name ID -> text, preferring Windows English (3, 1, 0x409), else any Unicode record."""
    count, strings = struct.unpack_from(">HH", data, off + 2)
    found: dict[int, tuple[int, str]] = {}
    for i in range(count):
        pid, eid, lang, name_id, length, offset = struct.unpack_from(
            ">HHHHHH", data, off + 6 + 12 * i)
        if pid not in (0, 3) or name_id not in (1, 4):
            continue
        raw = data[off + strings + offset: off + strings + offset + length]
        rank = 0 if (pid, eid, lang) == (3, 1, 0x409) else 1
        if name_id not in found or rank < found[name_id][0]:
            found[name_id] = (rank, raw.decode("utf-16-be", "replace"))
    return {k: v for k, (_, v) in found.items()}
