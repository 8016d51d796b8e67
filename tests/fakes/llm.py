"""A fake OpenAI-compatible chat server on 127.0.0.1 for the story and scenario calls.

It answers POST /chat/completions after a fixed latency with JSON that matches the request's
`response_format` schema name (story_bible, outline, set_of_lines, scene, critique, patch,
shot_list), built from the context blocks of the user turn, and counts the calls per name.
It follows the documented reply shape: choices[0].message.content, usage with cost.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_BLOCK = re.compile(r"^([A-Z_]+):\n", re.M)


def blocks(text: str) -> dict[str, Any]:
    """The labelled JSON blocks of a story call's user turn."""
    found: dict[str, Any] = {}
    marks = list(_BLOCK.finditer(text))
    for n, mark in enumerate(marks):
        end = marks[n + 1].start() if n + 1 < len(marks) else len(text)
        body = text[mark.end():end].strip()
        try:
            found[mark.group(1)] = json.loads(body)
        except ValueError:
            found[mark.group(1)] = body
    return found


#: words of each call's system prompt, for replies asked for without a schema name
_ROLES = {"story developer": "story_bible", "story editor": "outline",
          "You are the director": "scene", "dramaturge": "critique", "targeted patches": "patch",
          "a character in a short film": "set_of_lines"}


def _name_from(body: dict[str, Any]) -> str:
    system = body["messages"][0]["content"]
    return next((name for words, name in _ROLES.items() if words in system), "shot_list")


class FakeLLM:
    """Start with `with FakeLLM(latency=0.05) as llm:`; point LOCAL_LLM_BASE_URL or
    OPENROUTER_BASE_URL at `llm.url`."""

    def __init__(self, latency: float = 0.0, characters_per_scene: int = 2,
                 critique_passes: bool = False, broken_once: frozenset[str] = frozenset()
                 ) -> None:
        self.latency = latency
        self.characters_per_scene = characters_per_scene
        #: False: the first critique of a scene fails (one patch follows), the next passes
        self.critique_passes = critique_passes
        #: replies of these names are invalid the first time (to exercise the repair round)
        self.broken_once = set(broken_once)
        self.calls: Counter[str] = Counter()
        self.requests: list[dict[str, Any]] = []
        self._critiqued: Counter[str] = Counter()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeLLM:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return None

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                time.sleep(fake.latency)
                content = fake.reply(body)
                payload = json.dumps({
                    "id": "gen-fake", "model": body.get("model"),
                    "choices": [{"message": {"role": "assistant", "content": content},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 500, "completion_tokens": 200,
                              "total_tokens": 700, "cost": 0.001},
                }).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def reply(self, body: dict[str, Any]) -> str:
        fmt = body.get("response_format") or {}
        name = (fmt.get("json_schema") or {}).get("name") or _name_from(body)
        with self._lock:
            self.calls[name] += 1
            self.requests.append(body)
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")  # the question
        with self._lock:
            if name in self.broken_once:
                self.broken_once.discard(name)
                return '{"scenes": "not a list"}'
        make = getattr(self, f"_{name}", None)
        return json.dumps(make(blocks(user), user) if make else {})

    # ---- one reply per schema ---------------------------------------------------------------

    def _story_bible(self, ctx: dict[str, Any], _user: str) -> dict[str, Any]:
        count = int(ctx.get("CHARACTERS_WANTED", 3))
        names = ["Mara Quill", "Tomas Reyes", "Ines Alder", "Oskar Lund", "Yara Bell"][:count]
        return {
            "title": "The Keeper's Debt", "theme": "What we owe the ones we left.",
            "acts": [{"number": n, "name": f"Act {n}",
                      "beats": [{"name": "Beat", "summary": f"Turning point {n}."}]}
                     for n in (1, 2, 3)],
            "characters": [{"name": name, "role": "protagonist" if i == 0 else "supporting",
                            "backstory": f"{name} grew up by the sea.",
                            "traits": ["stubborn", "wry"], "goal": "keep the light burning",
                            "fear": "the dark water", "speaking_style": "clipped",
                            "visual": f"{name}, forties, grey coat, a brass lamp",
                            "relationships": []} for i, name in enumerate(names)],
            "locations": [{"name": "Lamp Room", "description": "The top of the tower.",
                           "visual": "glass walls, a huge lens", "interior": True},
                          {"name": "Harbour", "description": "Stone quay.",
                           "visual": "wet stones, moored boats", "interior": False}],
        }

    def _outline(self, ctx: dict[str, Any], _user: str) -> dict[str, Any]:
        people = [c["id"] for c in ctx.get("CHARACTERS", [])]
        places = [p["id"] for p in ctx.get("LOCATIONS", [])]
        count = int(ctx.get("SCENES_WANTED", 3))
        scenes = []
        for n in range(count):
            who = [people[(n + k) % len(people)] for k in range(self.characters_per_scene)]
            scenes.append({"act": min(3, 1 + n * 3 // count), "location": places[n % len(places)],
                           "time": "NIGHT", "characters": list(dict.fromkeys(who)),
                           "beat": f"Beat number {n + 1}.", "goal": "Win the argument.",
                           "conflict": "They want opposite things.", "outcome": "A choice."})
        return {"scenes": scenes}

    def _set_of_lines(self, ctx: dict[str, Any], _user: str) -> dict[str, Any]:
        you = ctx.get("YOU", {}).get("name", "someone")
        beat = ctx.get("SCENE", {}).get("beat", "")
        return {"lines": [{"parenthetical": None, "text": f"{you} speaks of {beat}",
                           "intent": "probe"},
                          {"parenthetical": "quietly", "text": "Not tonight.",
                           "intent": "refuse"}]}

    def _scene(self, ctx: dict[str, Any], _user: str) -> dict[str, Any]:
        lines = ctx.get("LINES", [])
        elements = [{"type": "action", "character": None, "parenthetical": None,
                     "text": "Wind rattles the glass."}]
        elements += [{"type": "dialogue", "character": line["character"],
                      "parenthetical": line.get("parenthetical"), "text": line["text"]}
                     for line in lines]
        return {"heading": "INT. LAMP ROOM - NIGHT", "summary": "They argue.",
                "elements": elements}

    def _critique(self, ctx: dict[str, Any], _user: str) -> dict[str, Any]:
        scene_id = ctx.get("SCENE", {}).get("scene_id", "?")
        with self._lock:
            self._critiqued[scene_id] += 1
            first = self._critiqued[scene_id] == 1
        if self.critique_passes or not first:
            return {"scores": {"clarity": 4, "pacing": 4, "character_consistency": 4,
                               "conflict": 4}, "issues": [], "summary": "Works."}
        return {"scores": {"clarity": 3, "pacing": 3, "character_consistency": 3,
                           "conflict": 2},
                "issues": [{"severity": "warning", "category": "conflict", "target": "e1",
                            "problem": "No opposition yet.", "suggestion": "Sharpen e1."}],
                "summary": "Needs opposition."}

    def _patch(self, ctx: dict[str, Any], _user: str) -> dict[str, Any]:
        return {"resolves": ["i1"],
                "ops": [{"op": "replace", "id": "e1", "field": "text",
                         "value": "The storm slams the door open.", "element": None}]}

    def _shot_list(self, _ctx: dict[str, Any], user: str) -> dict[str, Any]:
        match = re.search(r"exactly (\d+) \(shot_id", user)
        count = int(match.group(1)) if match else 2
        shots = [{"shot_id": f"shot_{n:03d}", "shot_number": n, "shot_type": "medium",
                  "camera_movement": "static", "action": "they talk",
                  "enhanced_prompt": f"a lamp room at night, shot {n}",
                  "negative_prompt": "blurry", "duration": 1.0,
                  "dialogue": "Not tonight." if n == 1 else None,
                  "speaker": "Mara Quill" if n == 1 else None, "narration": None,
                  "characters": ["Mara Quill"], "landscapes": ["lighthouse"],
                  "styles": ["cinematic"], "mood": "tense", "time_of_day": "night"}
                 for n in range(1, count + 1)]
        return {"title": "Scene", "description": "a scene", "style": None, "mood": None,
                "aspect_ratio": "16:9", "shots": shots}
