"""Turning matches into decisions (no I/O)."""

from childsafe.policy.decide import Action, decide

__all__ = ["Action", "decide"]
