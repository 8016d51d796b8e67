"""Fake vendor servers on 127.0.0.1 that follow each documented API: fal's storage upload and
queue, Replicate's files API and both prediction endpoints, ComfyUI's queue, history, view
and upload. Each is a FakeServer with routes; tests read `server.seen` for what was sent."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from fakes.remote import FakeServer, Reply, Seen, json_reply


def multipart(seen: Seen) -> dict[str, tuple[str | None, bytes, str]]:
    """A multipart/form-data body as {field: (filename, bytes, content type)}."""
    head = f"Content-Type: {seen.headers['Content-Type']}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + seen.body)
    parts: dict[str, tuple[str | None, bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"",
                            part.get_content_type())
    return parts


# ---- fal: storage upload, then the queue -----------------------------------------------------


def fal_storage(server: FakeServer) -> None:
    """POST /storage/upload/initiate → {upload_url (signed), file_url}; PUT the bytes there."""
    counter = itertools.count(1)

    def initiate(_seen: Seen) -> Reply:
        n = next(counter)
        return json_reply({"upload_url": f"{server.url}/signed/{n}?signature=s{n}",
                           "file_url": f"{server.url}/files/upload-{n}.png"})

    server.route("POST", "/storage/upload/initiate", initiate)
    for n in range(1, 20):
        server.route("PUT", f"/signed/{n}", lambda _s: (200, {}, b""))


def fal_queue(server: FakeServer, app: str, result: Callable[[], dict[str, Any]],
              media: bytes, ctype: str, request_ids: str = "q") -> None:
    """Submit → IN_QUEUE → COMPLETED → result; the media file at /files/out."""
    base = "/".join(app.split("/")[:2])
    counter = itertools.count(1)
    polls: dict[str, int] = {}

    def submit(_seen: Seen) -> Reply:
        rid = f"{request_ids}{next(counter)}"
        url = f"{server.url}/{base}/requests/{rid}"
        server.route("GET", f"/{base}/requests/{rid}/status", poll(rid))
        server.route("GET", f"/{base}/requests/{rid}", lambda _s: json_reply(result()))
        return json_reply({"request_id": rid, "status_url": url + "/status",
                           "response_url": url, "cancel_url": url + "/cancel"})

    def poll(rid: str) -> Callable[[Seen], Reply]:
        def handler(_seen: Seen) -> Reply:
            polls[rid] = polls.get(rid, 0) + 1
            if polls[rid] == 1:
                return json_reply({"status": "IN_QUEUE", "queue_position": 0})
            return json_reply({"status": "COMPLETED", "logs": [], "metrics": {}})
        return handler

    server.route("POST", f"/{app}", submit)
    server.route("GET", "/files/out", lambda _s: (200, {"Content-Type": ctype}, media))


# ---- Replicate: files API and both prediction endpoints ----------------------------------------


def replicate_api(server: FakeServer, output: Callable[[], Any], media: bytes,
                  ctype: str, models: tuple[str, ...] = ()) -> None:
    """POST /v1/files (201, expires in an hour); POST /v1/models/{o}/{n}/predictions and
    POST /v1/predictions (201, starting); GET /v1/predictions/{id} (succeeded)."""
    counter = itertools.count(1)

    def files(seen: Seen) -> Reply:
        parts = multipart(seen)
        now = time.time()
        fid = f"file{next(counter)}"
        return 201, {"Content-Type": "application/json"}, json.dumps({
            "id": fid, "name": parts["content"][0], "content_type": parts["content"][2],
            "size": len(parts["content"][1]), "metadata": json.loads(parts["metadata"][1]),
            "created_at": _iso(now), "expires_at": _iso(now + 3600),
            "urls": {"get": f"{server.url}/v1/files/{fid}"}}).encode()

    def create(seen: Seen) -> Reply:
        pid = f"p{next(counter)}"
        server.route("GET", f"/v1/predictions/{pid}", lambda _s: json_reply(
            {"id": pid, "status": "succeeded", "output": output(), "version": "v1"}))
        return json_reply({"id": pid, "status": "starting", "output": None,
                           "input": seen.json().get("input")}, 201)

    server.route("POST", "/v1/files", files)
    server.route("POST", "/v1/predictions", create)
    for model in models:
        server.route("POST", f"/v1/models/{model}/predictions", create)
    server.route("GET", "/out", lambda _s: (200, {"Content-Type": ctype}, media))


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


# ---- ComfyUI: queue, history, view, upload ----------------------------------------------------


class FakeComfy:
    """ComfyUI's routes on a FakeServer. A queued prompt is "running" for `runs` history polls,
    then done: each SaveImage / SaveVideo node lists its file under "images" (as ComfyUI's
    core nodes do). `installed` is what a CheckpointLoaderSimple may name (else 400)."""

    def __init__(self, server: FakeServer, media: dict[str, bytes], runs: int = 1,
                 installed: tuple[str, ...] = ("v1-5-pruned-emaonly.safetensors",),
                 fail: str | None = None) -> None:
        self.server, self.media, self.runs, self.installed = server, media, runs, installed
        self.fail = fail
        self.graphs: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.counter = itertools.count(1)
        server.route("POST", "/prompt", self.prompt)
        server.route("GET", "/queue", self.queue)
        server.route("GET", "/view", self.view)
        server.route("POST", "/upload/image", self.upload)
        server.route_prefix("GET", "/history/", lambda _s: json_reply({}))  # unknown ids

    def prompt(self, seen: Seen) -> Reply:
        body = seen.json()
        graph = body.get("prompt")
        if not isinstance(graph, dict) or not all("class_type" in n for n in graph.values()):
            return json_reply({"error": {"type": "invalid_prompt", "message": "bad graph"},
                               "node_errors": {}}, 400)
        for node_id, node in graph.items():
            name = node["inputs"].get("ckpt_name")
            if node["class_type"] == "CheckpointLoaderSimple" and name not in self.installed:
                return json_reply({"error": {"type": "prompt_outputs_failed_validation",
                                             "message": "Prompt outputs failed validation"},
                                   "node_errors": {node_id: {"class_type": node["class_type"],
                                                   "dependent_outputs": ["9"], "errors": [{
                                                       "type": "value_not_in_list",
                                                       "message": "Value not in list",
                                                       "details": f"ckpt_name: '{name}' not in "
                                                       f"{list(self.installed)}"}]}}}, 400)
        pid = f"prompt-{next(self.counter)}"
        self.graphs[pid] = graph
        self.server.route("GET", f"/history/{pid}", self.history(pid))
        return json_reply({"prompt_id": pid, "number": 1, "node_errors": {}})

    def entry(self, pid: str) -> dict[str, Any]:
        graph = self.graphs[pid]
        if self.fail:
            return {"outputs": {}, "status": {"status_str": "error", "completed": False,
                    "messages": [["execution_start", {"prompt_id": pid}],
                                 ["execution_error", {"prompt_id": pid, "node_id": "3",
                                                      "node_type": "KSampler",
                                                      "exception_message": self.fail}]]}}
        outputs: dict[str, Any] = {}
        for node_id, node in graph.items():
            if node["class_type"] == "SaveImage":
                outputs[node_id] = {"images": [{"filename": "film_00001_.png",
                                                "subfolder": "", "type": "output"}]}
            elif node["class_type"] == "SaveVideo":
                outputs[node_id] = {"images": [{"filename": "film_00001_.mp4",
                                                "subfolder": "video", "type": "output"}],
                                    "animated": [True]}
        return {"prompt": [1, pid, graph, {}, list(outputs)], "outputs": outputs,
                "status": {"status_str": "success", "completed": True, "messages": []}}

    def history(self, pid: str) -> Callable[[Seen], Reply]:
        def handler(_seen: Seen) -> Reply:
            self.polls[pid] = self.polls.get(pid, 0) + 1
            if self.polls[pid] <= self.runs:
                return json_reply({})
            return json_reply({pid: self.entry(pid)})
        return handler

    def queue(self, _seen: Seen) -> Reply:
        running = [[1, pid, {}, {}, []] for pid in self.graphs
                   if self.polls.get(pid, 0) <= self.runs]
        return json_reply({"queue_running": running[:1], "queue_pending": running[1:]})

    def view(self, seen: Seen) -> Reply:
        from urllib.parse import parse_qs

        query = {k: v[0] for k, v in parse_qs(seen.query).items()}
        name = query.get("filename", "")
        if name not in self.media:
            return 404, {}, b""
        ctype = "video/mp4" if name.endswith(".mp4") else "image/png"
        return 200, {"Content-Type": ctype}, self.media[name]

    def upload(self, seen: Seen) -> Reply:
        parts = multipart(seen)
        filename = parts["image"][0]
        return json_reply({"name": filename, "subfolder": "", "type": "input"})
