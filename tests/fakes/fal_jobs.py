"""A fake fal queue for FLUX schnell on 127.0.0.1 that counts what is paid: every submit is
recorded with its prompt. Jobs whose prompt has a `held` word stay IN_PROGRESS until
`release()`; while a `failing` word is set, their status polls answer 503. Used by the batch
tests, in this process and from Dask workers (it is a real server)."""

from __future__ import annotations

import io
import itertools
import threading
from collections import Counter

from PIL import Image

from fakes.remote import FakeServer, Seen, json_reply

APP = "fal-ai/flux/schnell"


def png(size: tuple[int, int] = (320, 180)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (40, 90, 160)).save(buf, "PNG")
    return buf.getvalue()


class FalJobs:
    """Start with `with FalJobs() as fal:`; point FAL_QUEUE_URL at `fal.url`."""

    def __init__(self, held: str | None = None, lifetime: float = 120.0) -> None:
        self.server = FakeServer(lifetime=lifetime)
        self.held = held
        self.failing: str | None = None
        self.released = threading.Event()
        self.prompts: dict[str, str] = {}
        self.submits: Counter[str] = Counter()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server.route("POST", f"/{APP}", self.submit)
        self.server.route_prefix("GET", "/fal-ai/flux/requests/", self.request)
        self.server.route("GET", "/files/out.png", lambda _s: (
            200, {"Content-Type": "image/png"}, png()))

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def total(self) -> int:
        return sum(self.submits.values())

    def __enter__(self) -> FalJobs:
        self.server.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self.server.__exit__(*exc)

    def release(self) -> None:
        self.released.set()

    def submit(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        prompt = seen.json().get("prompt", "")
        with self._lock:
            job = f"job-{next(self._ids)}"
            self.prompts[job] = prompt
            self.submits[prompt] += 1
        url = f"{self.url}/fal-ai/flux/requests/{job}"
        return json_reply({"request_id": job, "status_url": url + "/status",
                           "response_url": url, "cancel_url": url + "/cancel"})

    def request(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        job, _, what = seen.path.removeprefix("/fal-ai/flux/requests/").partition("/")
        prompt = self.prompts.get(job)
        if prompt is None:
            return json_reply({"detail": "not found"}, 404)
        if what == "status":
            if self.failing and self.failing in prompt:
                return json_reply({"detail": "unavailable"}, 503)
            if self.held and self.held in prompt and not self.released.is_set():
                return json_reply({"status": "IN_PROGRESS", "logs": []})
            return json_reply({"status": "COMPLETED", "logs": []})
        return json_reply({"images": [{"url": f"{self.url}/files/out.png"}],
                           "has_nsfw_concepts": [False]})
