"""Exact-match signals over the raw bytes of a file.

They catch byte-identical re-uploads for free and are what many hash lists (NCMEC's MD5 lists,
for one) still ship. They never decode, so they also work for files no decoder accepts.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar

from childsafe.signals.base import Content, Signal, SignalType, normalize_hex


class Md5Signal(SignalType):
    name: ClassVar[str] = "md5"
    kind = "exact"
    content_types = frozenset({"photo", "video", "file"})

    def normalize(self, value: str) -> str:
        return normalize_hex(value, 32, self.name)

    def compute(self, content: Content) -> Signal:
        return Signal(self.name, hashlib.md5(content.data, usedforsecurity=False).hexdigest())


class Sha256Signal(SignalType):
    name: ClassVar[str] = "sha256"
    kind = "exact"
    content_types = frozenset({"photo", "video", "file"})

    def normalize(self, value: str) -> str:
        return normalize_hex(value, 64, self.name)

    def compute(self, content: Content) -> Signal:
        return Signal(self.name, hashlib.sha256(content.data).hexdigest())
