"""Test helpers for the remote image/video providers: tiny media, a recording sleep, request
builders, and a small HTTP server on 127.0.0.1 that stands in for fal or Replicate."""

from __future__ import annotations

import io
import json
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from PIL import Image

from film.config import Settings
from film.media.ffmpeg import run_ffmpeg_sync
from film.providers.contract import ImageRequest, JobContext, VideoRequest
from film.schema import Shot
from film.vendors.http import RetryPolicy

# ---- media ----------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 36),
                color: tuple[int, int, int] = (200, 80, 40)) -> bytes:
    """A small solid image encoded as `fmt` (PNG, JPEG, WEBP)."""
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def make_mp4(path: Path, seconds: float = 1.0, size: str = "320x180") -> Path:
    """A real H.264 test clip made by ffmpeg."""
    run_ffmpeg_sync(["-f", "lavfi", "-i", f"testsrc=size={size}:rate=24:duration={seconds}",
                     "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                     str(path)], what="make test clip")
    return path


# ---- requests and context --------------------------------------------------------------------


class RecordingSleep:
    """An async sleep that returns at once and remembers what it was asked to wait."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_policy(sleep: RecordingSleep) -> RetryPolicy:
    return RetryPolicy(max_attempts=3, base_delay=1.0, max_total_wait=600.0, sleep=sleep,
                       rng=random.Random(1))


@dataclass
class Recorder:
    """Records on_submitted calls and anything else a test wants ordered."""

    events: list[tuple[str, str]] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    retries: list[tuple[int, float, str]] = field(default_factory=list)

    def submitted(self, request_id: str) -> None:
        self.events.append(("submitted", request_id))

    def retried(self, attempt: int, delay: float, message: str) -> None:
        self.retries.append((attempt, delay, message))


def make_ctx(client: Any, settings: Settings, sleep: RecordingSleep, recorder: Recorder,
             resume_id: str | None = None) -> JobContext:
    return JobContext(client=client, settings=settings, retry=make_policy(sleep),
                      resume_id=resume_id, on_submitted=recorder.submitted,
                      report=recorder.reports.append, on_retry=recorder.retried)


def make_shot(**values: Any) -> Shot:
    base: dict[str, Any] = {
        "shot_id": "shot_001", "shot_number": 1, "shot_type": "wide",
        "enhanced_prompt": "A lighthouse on a cliff at dusk, waves below",
        "duration": 1.0, "styles": ["watercolor"],
    }
    base.update(values)
    return Shot(**base)


def image_request(width: int = 320, height: int = 180, **shot: Any) -> ImageRequest:
    return ImageRequest(shot=make_shot(**shot), width=width, height=height, seed=42,
                        style="cinematic")


def video_request(image_path: Path, duration: float = 1.0, width: int = 320,
                  height: int = 180, **shot: Any) -> VideoRequest:
    return VideoRequest(shot=make_shot(duration=duration, **shot), image_path=image_path,
                        duration=duration, width=width, height=height)


# ---- a local fake server ---------------------------------------------------------------------

Reply = tuple[int, dict[str, str], bytes]
Handler = Callable[["Seen"], Reply]


@dataclass
class Seen:
    """One request the fake server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"null")


def json_reply(data: Any, status: int = 200) -> Reply:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 with (method, path) → handler routes.

    It stops when the `with` block ends, and on its own after `lifetime` seconds at most.
    """

    def __init__(self, lifetime: float = 30.0) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        #: (method, path prefix) → handler, for paths not routed exactly
        self.prefixes: dict[tuple[str, str], Handler] = {}
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._timer = threading.Timer(lifetime, self.stop)
        self._timer.daemon = True
        self._stopped = False

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def route_prefix(self, method: str, prefix: str, handler: Handler) -> None:
        self.prefixes[(method, prefix)] = handler

    def handler_for(self, method: str, path: str) -> Handler | None:
        if (method, path) in self.routes:
            return self.routes[(method, path)]
        return next((h for (m, prefix), h in self.prefixes.items()
                     if m == method and path.startswith(prefix)), None)

    def __enter__(self) -> FakeServer:
        self._thread.start()
        self._timer.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        self._timer.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:  # keep test output quiet
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path, _, query = self.path.partition("?")
                seen = Seen(self.command, path, query, dict(self.headers.items()), body)
                server.seen.append(seen)
                handler = server.handler_for(self.command, path)
                status, headers, payload = (
                    handler(seen) if handler else json_reply({"detail": "Not Found"}, 404)
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve
            do_PUT = _serve

        return Handler
