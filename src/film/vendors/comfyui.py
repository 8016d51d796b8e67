"""A small client for ComfyUI's HTTP API: queue a workflow, follow it, fetch its outputs.

The protocol, as ComfyUI's server.py serves it (every route also under /api):
    POST {base}/prompt   {"prompt": <API-format graph>, "client_id": "<id>"}
         → 200 {"prompt_id", "number", "node_errors"}
         → 400 {"error": {"type", "message", ...}, "node_errors": {<node id>: {"errors":
               [{"type", "message", "details"}], "class_type"}}}   (an invalid workflow)
    GET  {base}/history/{prompt_id}  → {} until it ends, then {<prompt_id>: {"outputs":
         {<node id>: {"images" | "gifs" | ...: [{filename, subfolder, type}]}}, "status":
         {"status_str": "success" | "error", "completed", "messages": [[event, data]]}}}
    GET  {base}/queue    → {"queue_running": [[number, prompt_id, ...]], "queue_pending": [...]}
    GET  {base}/view?filename=&subfolder=&type=   → the file
    POST {base}/upload/image   multipart: image=<file>, overwrite, type=input
         → {"name", "subfolder", "type"}: the name a LoadImage node takes
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from film.errors import ProviderError, Unavailable
from film.vendors.http import send_with_retries
from film.vendors.polling import PollingClient, Progress
from film.vendors.uploads import LocalFile

#: polls of an empty history between checks that the prompt is still queued
QUEUE_CHECK_EVERY = 5


def file_items(outputs: dict[str, Any], node: str | None = None) -> list[dict[str, Any]]:
    """Every file a prompt's outputs name ({filename, subfolder, type}), of one node or all:
    SaveImage and the core video nodes list theirs under "images", VideoHelperSuite under
    "gifs", audio nodes under "audio"."""
    found: list[dict[str, Any]] = []
    for node_id, output in outputs.items():
        if (node is not None and str(node_id) != str(node)) or not isinstance(output, dict):
            continue
        for value in output.values():
            if isinstance(value, list):
                found += [item for item in value if isinstance(item, dict)
                          and isinstance(item.get("filename"), str) and item.get("type")]
    return found


@dataclass
class ComfyUI(PollingClient):
    """Queue a workflow on a ComfyUI server, wait for it, say where its files are."""

    client: httpx.AsyncClient
    base_url: str = "http://127.0.0.1:8188"
    client_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    provider: str = field(default="comfyui", kw_only=True)

    @property
    def secret(self) -> str:
        return ""  # ComfyUI takes no key

    def url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}{path}"

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await send_with_retries(
                self.client, method, self.url(path), provider=self.provider,
                policy=self.policy, on_retry=self._retried, **kwargs)
        except ProviderError as exc:
            raise _explain(exc) from None
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"{self.provider}: the reply is not JSON",
                                provider=self.provider, status=response.status_code,
                                body=response.text[:2000]) from exc

    async def upload_image(self, file: LocalFile, name: str) -> str:
        """Put an image in ComfyUI's input folder; the name a LoadImage node takes."""
        data = await self._json("POST", "/upload/image",
                                files={"image": (name, file.data, file.mime)},
                                data={"overwrite": "true", "type": "input"})
        if not isinstance(data, dict) or not data.get("name"):
            raise ProviderError(f"{self.provider}: the upload reply has no name",
                                provider=self.provider, body=json.dumps(data)[:2000])
        subfolder = str(data.get("subfolder") or "")
        return f"{subfolder}/{data['name']}" if subfolder else str(data["name"])

    async def queue(self, graph: dict[str, Any]) -> str:
        """Queue a workflow; its prompt id. A POST that may have queued is not repeated."""
        data = await self._json("POST", "/prompt", idempotent=False,
                                json={"prompt": graph, "client_id": self.client_id})
        if not isinstance(data, dict) or not data.get("prompt_id"):
            raise ProviderError(f"{self.provider}: the queue reply has no prompt_id",
                                provider=self.provider, body=json.dumps(data)[:2000])
        return str(data["prompt_id"])

    async def history(self, prompt_id: str) -> dict[str, Any] | None:
        """The prompt's history entry once it has ended, else None."""
        data = await self._json("GET", f"/history/{prompt_id}")
        entry = data.get(prompt_id) if isinstance(data, dict) else None
        return entry if isinstance(entry, dict) else None

    async def queued(self, prompt_id: str) -> str | None:
        """"running" or "pending" while the prompt is in the queue, else None."""
        data = await self._json("GET", "/queue")
        for state, key in (("running", "queue_running"), ("pending", "queue_pending")):
            for item in (data.get(key) or []) if isinstance(data, dict) else []:
                if isinstance(item, list) and len(item) > 1 and str(item[1]) == prompt_id:
                    return state
        return None

    async def wait(self, prompt_id: str) -> dict[str, Any]:
        """Poll the history until the prompt ends; its entry (an error raises). A prompt
        that left the queue with no history (the server restarted) is Unavailable."""
        polls = 0

        async def fetch() -> dict[str, Any]:
            nonlocal polls
            polls += 1
            entry = await self.history(prompt_id)
            if entry is not None:
                return entry
            if polls % QUEUE_CHECK_EVERY == 0 and await self.queued(prompt_id) is None:
                entry = await self.history(prompt_id)  # it may have just ended
                if entry is None:
                    raise Unavailable(f"{self.provider}: prompt {prompt_id} is no longer "
                                      "queued and has no result (did the server restart?)",
                                      provider=self.provider, request_id=prompt_id)
                return entry
            return {}

        def check(entry: dict[str, Any]) -> Progress:
            if not entry:
                return "queued", "queued or running"
            status = entry.get("status") or {}
            if status.get("status_str") == "error":
                raise run_error(entry, self.provider, prompt_id)
            return None

        return await self.poll(fetch, check, noun="prompt", job_id=prompt_id,
                               hint="Re-run later: the prompt id is saved, so its result is "
                               "collected, not made again.")

    async def run(self, graph: Callable[[], Any], *, resume_id: str | None = None,
                  on_submitted: Callable[[str], None] = lambda _id: None,
                  ) -> tuple[str, dict[str, Any]]:
        """Collect `resume_id` if the server still has it, else queue `await graph()`, hand
        the id to `on_submitted`, wait. Returns (prompt id, history entry)."""
        if resume_id:
            entry = await self.history(resume_id)
            if entry is not None and (entry.get("status") or {}).get("status_str") != "error":
                return resume_id, entry
            if entry is None and await self.queued(resume_id):
                return resume_id, await self.wait(resume_id)
            self.report(f"{self.provider}: earlier prompt {resume_id} is gone; queueing anew")
        prompt_id = await self.queue(await graph())
        on_submitted(prompt_id)
        return prompt_id, await self.wait(prompt_id)

    def view_url(self, item: dict[str, Any]) -> str:
        query = urlencode({"filename": item["filename"], "subfolder": item.get("subfolder", ""),
                           "type": item.get("type", "output")})
        return self.url(f"/view?{query}")


def run_error(entry: dict[str, Any], provider: str, prompt_id: str) -> ProviderError:
    """The error of a prompt whose run failed (ComfyUI's execution_error message)."""
    messages = (entry.get("status") or {}).get("messages") or []
    detail = next((m[1] for m in messages if isinstance(m, list) and len(m) > 1
                   and m[0] == "execution_error" and isinstance(m[1], dict)), {})
    where = f" at node {detail.get('node_id')} ({detail.get('node_type')})" if detail else ""
    message = str(detail.get("exception_message") or "no error message").strip()[:500]
    return ProviderError(f"{provider}: prompt {prompt_id} failed{where}: {message}",
                         provider=provider, request_id=prompt_id,
                         body=json.dumps(entry.get("status"))[:2000])


def _explain(exc: ProviderError) -> ProviderError:
    """A 400 for an invalid workflow, with each node's errors in one readable line."""
    if exc.status != 400 or not exc.body:
        if exc.status is None and isinstance(exc, Unavailable):
            exc.hint = "Is ComfyUI running there? Start it, or set COMFYUI_BASE_URL."
        return exc
    try:
        data = json.loads(exc.body)
    except ValueError:
        return exc
    if not isinstance(data, dict):
        return exc
    parts = [str((data.get("error") or {}).get("message") or "invalid workflow")]
    for node_id, node in (data.get("node_errors") or {}).items():
        for err in (node.get("errors") or [])[:3] if isinstance(node, dict) else []:
            parts.append(f"node {node_id} ({node.get('class_type')}): {err.get('message')}"
                         f"{': ' + str(err.get('details'))[:200] if err.get('details') else ''}")
    return ProviderError(f"{exc.provider} rejected the workflow: " + "; ".join(parts[:6]),
                         provider=exc.provider, status=400, body=exc.body,
                         hint="Check the workflow's models and values in ComfyUI, and the "
                         "film mapping beside it.")
