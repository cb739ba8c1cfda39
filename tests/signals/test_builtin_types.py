"""Every installed signal type passes the shared contract; built-ins load via entry points."""

from __future__ import annotations

import pytest

from childsafe.plugins import PluginError, Registry, load_registry
from childsafe.signals import SignalType
from childsafe.signals.cryptographic import Md5Signal
from tests.signals.conformance import SignalTypeConformance

REGISTRY = load_registry()


class TestInstalledSignalTypes(SignalTypeConformance):
    @pytest.fixture(params=sorted(REGISTRY.signal_types))
    def signal_type(self, request: pytest.FixtureRequest) -> SignalType:
        return REGISTRY.signal_types[request.param]


def test_builtins_register_through_entry_points() -> None:
    assert {"pdq", "md5", "sha256"} <= set(REGISTRY.signal_types)


def test_two_plugins_cannot_claim_one_name() -> None:
    reg = Registry()
    reg.add_signal_type(Md5Signal())
    with pytest.raises(PluginError, match="md5"):
        reg.add_signal_type(Md5Signal())


def test_unknown_signal_type_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: md5, pdq, sha256"):
        REGISTRY.signal_type("photodna")
