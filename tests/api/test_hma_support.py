"""Helpers for the HMA-compatibility tests: a local image server and made-up hashes.

HMA's own tests serve generated images from a local ``http.server`` (``tests/utils.py``,
``image_server``); these do the same, so no test reaches outside the machine. The server
answers from memory: path → (bytes, Content-Type).
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Settings that let the app fetch from the local image server: the SSRF guard refuses
#: loopback unless an operator allowlists it, and the server listens on a random port.
LOCAL_FETCH = {"fetch_allow_networks": ["127.0.0.0/8"], "fetch_allowed_ports": []}


class ImageServer:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.base = ""

    def put(self, path: str, data: bytes, content_type: str = "image/jpeg") -> str:
        """Serve ``data`` at ``path``; returns its URL."""
        self.files[path] = (data, content_type)
        return f"{self.base}/{path}"


@contextmanager
def image_server() -> Iterator[ImageServer]:
    served = ImageServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            found = served.files.get(self.path.lstrip("/"))
            if found is None:
                self.send_error(404)
                return
            data, ctype = found
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def random_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flip_bits(value: str, n: int, rng: random.Random) -> str:
    """``value`` (hex) with ``n`` distinct bits flipped: a hash at distance ``n``."""
    bits = len(value) * 4
    x = int(value, 16)
    for b in rng.sample(range(bits), n):
        x ^= 1 << b
    return f"{x:0{len(value)}x}"
