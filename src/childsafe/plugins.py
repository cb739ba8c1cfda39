"""One registry for every kind of plugin, filled from entry points.

Built-in signal types are declared in this package's own ``pyproject.toml`` under the same
entry-point groups a third-party package would use, so there is exactly one way in. The
registry is an object built on demand (``load_registry()``), never a module-level global.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from childsafe.signals.base import SignalType

SIGNAL_TYPES_GROUP = "childsafe.signal_types"
#: Grooming semantic stages (``childsafe.grooming.scoring.SemanticStage``): each entry point
#: names a factory (usually the class) called with keyword arguments to build a stage. Loading
#: the entry point must not load a model; the built-in ``minilm`` loads its model on first use.
SEMANTIC_STAGES_GROUP = "childsafe.semantic_stages"

SemanticStageFactory = Callable[..., Any]


class PluginError(RuntimeError):
    """A plugin could not be loaded or breaks the registry's rules."""


@dataclass
class Registry:
    signal_types: dict[str, SignalType] = field(default_factory=dict)
    semantic_stages: dict[str, SemanticStageFactory] = field(default_factory=dict)

    def add_semantic_stage(self, name: str, factory: SemanticStageFactory) -> None:
        if not callable(factory):
            raise PluginError(f"semantic stage {name!r} is not a factory (a class or function)")
        if name in self.semantic_stages:
            raise PluginError(f"two plugins claim the semantic stage name {name!r}")
        self.semantic_stages[name] = factory

    def semantic_stage(self, name: str, **kwargs: Any) -> Any:
        """A new semantic stage built by the factory registered as ``name``."""
        try:
            factory = self.semantic_stages[name]
        except KeyError:
            known = ", ".join(sorted(self.semantic_stages)) or "none"
            raise KeyError(f"unknown semantic stage {name!r} (known: {known})") from None
        return factory(**kwargs)

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


def load_registry(
    extra: Iterable[SignalType] = (),
    extra_semantic: Mapping[str, SemanticStageFactory] | None = None,
) -> Registry:
    """Build a registry from installed entry points (plus ``extra`` and ``extra_semantic``, for
    tests and embedding)."""
    reg = Registry()
    for ep in sorted(entry_points(group=SIGNAL_TYPES_GROUP), key=lambda e: e.name):
        cls = _load(ep)
        if not (isinstance(cls, type) and issubclass(cls, SignalType)):
            raise PluginError(f"plugin {ep.name!r} ({ep.value}) is not a SignalType subclass")
        reg.add_signal_type(cls(), name=ep.name)
    for plugin in extra:
        reg.add_signal_type(plugin)
    for ep in sorted(entry_points(group=SEMANTIC_STAGES_GROUP), key=lambda e: e.name):
        factory = _load(ep)
        if not callable(factory):
            raise PluginError(f"plugin {ep.name!r} ({ep.value}) is not a semantic stage factory")
        reg.add_semantic_stage(ep.name, factory)
    for name, factory in (extra_semantic or {}).items():
        reg.add_semantic_stage(name, factory)
    return reg
