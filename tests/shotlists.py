"""Small valid shot lists for tests."""

from __future__ import annotations

from film.schema import ShotList


def make_shots(n: int = 3, duration: float = 1.0, lines: dict[int, str] | None = None,
               aspect: str = "16:9") -> ShotList:
    """A small valid shot list; `lines` maps shot index to a narration line."""
    types = ["wide", "medium", "close-up", "insert", "reaction"]
    shots = []
    for i in range(n):
        shot = {
            "shot_id": f"shot_{i + 1:03d}", "shot_number": i + 1, "shot_type": types[i % 5],
            "enhanced_prompt": f"test prompt number {i + 1}, a lighthouse at dusk",
            "negative_prompt": "blurry", "duration": duration, "dialogue": None,
            "characters": ["keeper"], "landscapes": ["coast"], "styles": ["cinematic"],
            "mood": "calm", "time_of_day": "evening",
        }
        if lines and i in lines:
            shot["narration"] = lines[i]
        shots.append(shot)
    return ShotList.model_validate({"title": "Test", "description": "test film",
                                    "aspect_ratio": aspect, "shots": shots})
