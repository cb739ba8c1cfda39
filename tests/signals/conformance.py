"""The contract every signal type must meet, built-in or third-party.

A plugin package can reuse it: subclass :class:`SignalTypeConformance` and provide a
``signal_type`` fixture.
"""

from __future__ import annotations

import io
import random

import numpy as np
import pytest
from PIL import Image

from childsafe.signals import Content, InvalidSignalError, SignalType


def _image_bytes(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    img = Image.fromarray(small).resize((320, 240), Image.Resampling.BICUBIC)
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


class SignalTypeConformance:
    @pytest.fixture
    def signal_type(self) -> SignalType:
        raise NotImplementedError

    def test_name_is_a_stable_identifier(self, signal_type: SignalType) -> None:
        assert signal_type.name == signal_type.name.lower()
        assert signal_type.name.replace("_", "").isalnum()
        assert signal_type.kind in ("exact", "hamming")

    def test_compute_is_deterministic_and_canonical(self, signal_type: SignalType) -> None:
        data = _image_bytes(1)
        a = signal_type.compute(Content(data))
        b = signal_type.compute(Content(data))
        assert a.type == signal_type.name
        assert a.value == b.value
        assert signal_type.normalize(a.value) == a.value

    def test_different_content_gives_different_values(self, signal_type: SignalType) -> None:
        a = signal_type.compute(Content(_image_bytes(1))).value
        b = signal_type.compute(Content(_image_bytes(2))).value
        assert a != b
        assert signal_type.distance(a, b) > signal_type.default_threshold

    def test_normalize_is_idempotent_and_case_insensitive(self, signal_type: SignalType) -> None:
        v = signal_type.compute(Content(_image_bytes(3))).value
        assert signal_type.normalize(" " + v.upper() + "\n") == v

    @pytest.mark.parametrize("bad", ["", "xyz", "0" * 7, "g" * 64, "0" * 65])
    def test_normalize_rejects_malformed_values_with_a_clear_error(
        self, signal_type: SignalType, bad: str
    ) -> None:
        with pytest.raises(InvalidSignalError, match=signal_type.name):
            signal_type.normalize(bad)

    def test_distance_is_a_metric_on_samples(self, signal_type: SignalType) -> None:
        values = [signal_type.compute(Content(_image_bytes(s))).value for s in range(4)]
        for a in values:
            assert signal_type.distance(a, a) == 0
            for b in values:
                assert signal_type.distance(a, b) == signal_type.distance(b, a)

    def test_packed_form_round_trips(self, signal_type: SignalType) -> None:
        v = signal_type.compute(Content(_image_bytes(5))).value
        raw = signal_type.to_bytes(v)
        assert signal_type.from_bytes(raw) == v
        if signal_type.kind == "hamming":
            assert len(raw) * 8 == signal_type.bits
            w = bytes(random.Random(0).getrandbits(8) for _ in raw)
            expected = sum(bin(x ^ y).count("1") for x, y in zip(raw, w, strict=True))
            assert signal_type.distance(v, w.hex()) == expected
