"""Signal types: how content becomes comparable values (one module per type)."""

from childsafe.signals.base import Content, InvalidSignalError, Signal, SignalType

__all__ = ["Content", "InvalidSignalError", "Signal", "SignalType"]
