"""One registry for every kind of plugin, filled from entry points.

Built-in signal types are declared in this package's own ``pyproject.toml`` under the same
entry-point groups a third-party package would use, so there is exactly one way in. The
registry is an object built on demand (``load_registry()``), never a module-level global.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

from childsafe.signals.base import SignalType

SIGNAL_TYPES_GROUP = "childsafe.signal_types"


class PluginError(RuntimeError):
    """A plugin could not be loaded or breaks the registry's rules."""


@dataclass
class Registry:
    signal_types: dict[str, SignalType] = field(default_factory=dict)

    def add_signal_type(self, plugin: SignalType, *, name: str | None = None) -> None:
        key = name or plugin.name
        if key != plugin.name:
            raise PluginError(
                f"entry point name {key!r} differs from the signal type's own name "
                f"{plugin.name!r}; stable names must agree"
            )
        if key in self.signal_types:
            raise PluginError(f"two plugins claim the signal type name {key!r}")
        self.signal_types[key] = plugin

    def signal_type(self, name: str) -> SignalType:
        try:
            return self.signal_types[name]
        except KeyError:
            known = ", ".join(sorted(self.signal_types)) or "none"
            raise KeyError(f"unknown signal type {name!r} (known: {known})") from None


def _load(ep: EntryPoint) -> object:
    try:
        return ep.load()
    except Exception as e:  # a broken third-party plugin must name itself
        raise PluginError(f"cannot load plugin {ep.name!r} from {ep.value!r}: {e}") from e


def load_registry(extra: Iterable[SignalType] = ()) -> Registry:
    """Build a registry from installed entry points (plus ``extra``, for tests and embedding)."""
    reg = Registry()
    for ep in sorted(entry_points(group=SIGNAL_TYPES_GROUP), key=lambda e: e.name):
        cls = _load(ep)
        if not (isinstance(cls, type) and issubclass(cls, SignalType)):
            raise PluginError(f"plugin {ep.name!r} ({ep.value}) is not a SignalType subclass")
        reg.add_signal_type(cls(), name=ep.name)
    for plugin in extra:
        reg.add_signal_type(plugin)
    return reg
