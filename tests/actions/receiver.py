"""A real HTTP receiver on 127.0.0.1 (ephemeral port) that records what webhooks deliver.

It answers from a script of responses (then a default), can hold the first request until a
test releases it (to keep a lease busy), and checks every signature with the same
``verify_signature`` a platform's receiver would use.
"""

from __future__ import annotations

import json
import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from childsafe.actions import verify_signature


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    body: bytes
    #: ``verify_signature`` with the receiver's secret (None when no secret was set).
    verified: bool | None

    @property
    def delivery(self) -> str:
        return self.headers.get("childsafe-delivery", "")

    @property
    def event(self) -> str:
        return self.headers.get("childsafe-event", "")

    def json(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    url: str = ""
    secret: str | None = None
    default: tuple[int, dict[str, str]] = (200, {})
    hits: list[Hit] = field(default_factory=list)
    _script: deque[tuple[int, dict[str, str]]] = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: When set, the first request waits for ``release`` (and sets ``entered`` on arrival).
    hold_first: bool = False
    entered: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def respond(self, *responses: int | tuple[int, dict[str, str]]) -> None:
        """Answer the next requests with these statuses (then ``default``)."""
        with self._lock:
            for r in responses:
                self._script.append(r if isinstance(r, tuple) else (r, {}))

    def deliveries(self) -> Counter[str]:
        with self._lock:
            return Counter(h.delivery for h in self.hits)

    def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str]]:
        verified = None
        if self.secret is not None:
            verified = verify_signature(self.secret, headers.get("childsafe-signature"), body)
        with self._lock:
            first = not self.hits
            self.hits.append(Hit(path, headers, body, verified))
            response = self._script.popleft() if self._script else self.default
        if first and self.hold_first:
            self.entered.set()
            self.release.wait(10)
        return response


@contextmanager
def running_receiver(secret: str | None = None) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, extra = receiver._handle(self.path, headers, body)
            self.send_response(status)
            for k, v in extra.items():
                self.send_header(k, v)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)
