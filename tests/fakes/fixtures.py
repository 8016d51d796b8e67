"""Fixtures the remote provider tests share (import them into a test module by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fakes.remote import Recorder, RecordingSleep, image_bytes, make_mp4, make_settings


@pytest.fixture(scope="module")
def mp4_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real 1 s H.264 clip, made once per module."""
    return make_mp4(tmp_path_factory.mktemp("clip") / "clip.mp4").read_bytes()


@pytest.fixture
def still(tmp_path: Path) -> Path:
    """A 320x180 PNG still."""
    path = tmp_path / "still.png"
    path.write_bytes(image_bytes(size=(320, 180)))
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The temp path a provider writes a shot's image into (its folder exists)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder / ".shot_001.tmp.png"


def make_env(**settings: Any) -> tuple[RecordingSleep, Recorder, Any]:
    """(recording sleep, call-order recorder, settings with `settings` set)."""
    return RecordingSleep(), Recorder(), make_settings(**settings)


def assert_no_secret(exc: BaseException, secret: str) -> None:
    """`secret` appears nowhere in the error's text, hint or body."""
    for text in (str(exc), getattr(exc, "hint", "") or "", getattr(exc, "body", "") or ""):
        assert secret not in text
