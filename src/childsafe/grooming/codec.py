"""Pair and sender state as plain JSON, so a service can keep it in a database.

Several server processes score the same conversations, so the state of a pair cannot live in
one process's memory: ``childsafe.chat`` loads the states a batch of messages touches, lets a
:class:`~childsafe.grooming.scoring.Scorer` update them, and writes them back. This module is
the one place that knows how a state becomes JSON and back.

What is kept is derived features only: decayed evidence per category, counters, times, the
facts the platform sent, MinHash signatures of openers (not reversible to the words), and
references to the messages that added evidence (id, category, rule, span). **Quotes are always
dropped**: message text is not stored with the state, whatever ``keep_quotes`` says.

Scalar slots (numbers, flags, short strings) are copied generically, so a new scalar field on
:class:`PairState` or :class:`SenderState` is stored without touching this module; a field
missing from an older record keeps the default a new state gets. Structured slots (facts,
arrays, the evidence ring, contacts) have their own encoders below.
"""

from __future__ import annotations

import base64
from array import array
from collections.abc import Callable, Mapping
from typing import Any

from childsafe.grooming.bands import Band
from childsafe.grooming.categories import Category
from childsafe.grooming.metadata import AccountFacts, PairFacts, PairKind
from childsafe.grooming.state import Contact as _Contact
from childsafe.grooming.state import EvidenceRef, PairState, SenderState, Suspicion

#: Bumped when a stored record can no longer be read by the generic rules above.
VERSION = 1

_SCALARS = (int, float, str, bool, type(None))


class StateFormatError(ValueError):
    """A stored state record that this version cannot read."""


def _facts(f: AccountFacts) -> dict[str, Any]:
    return {
        "declared_age": f.declared_age,
        "age_verified": f.age_verified,
        "account_age_days": f.account_age_days,
    }


def _pair_facts(f: PairFacts) -> dict[str, Any]:
    return {
        "connected": f.connected,
        "known_relationship": f.known_relationship,
        "guardians_present": f.guardians_present,
    }


def _ref(r: EvidenceRef) -> list[Any]:
    return [r.message_id, r.category.value, r.pattern_id, r.start, r.end, r.time, r.contribution]


def _unref(v: list[Any]) -> EvidenceRef:
    mid, cat, pattern, start, end, time, contribution = v
    return EvidenceRef(
        str(mid), Category(cat), str(pattern), int(start), int(end), float(time),
        float(contribution), None,
    )  # fmt: skip


_PAIR_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "adult_facts": _facts,
    "minor_facts": _facts,
    "facts": _pair_facts,
    "kind": lambda k: k.value,
    "band": lambda b: b.value,
    "evidence": lambda a: None if a is None else list(a),
    "updated": lambda a: None if a is None else list(a),
    "counts": lambda a: None if a is None else list(a),
    "refs": lambda refs: None if refs is None else [_ref(r) for r in refs],
    "suspected_why": lambda s: None if s is None else s.value,
}

_PAIR_DECODERS: dict[str, Callable[[Any], Any]] = {
    "adult_facts": lambda d: AccountFacts(**d),
    "minor_facts": lambda d: AccountFacts(**d),
    "facts": lambda d: PairFacts(**d),
    "kind": PairKind,
    "band": Band,
    "evidence": lambda v: None if v is None else array("d", v),
    "updated": lambda v: None if v is None else array("d", v),
    "counts": lambda v: None if v is None else array("H", v),
    "refs": lambda v: None if v is None else [_unref(r) for r in v],
    "suspected_why": lambda v: None if v is None else Suspicion(v),
}

#: Before ``suspected_why``, a record said only whether a suspected minor was a new account.
_LEGACY_SUSPECTED_NEW_ACCOUNT = "suspected_new_account"


def _encode_slots(
    obj: object, slots: tuple[str, ...], encoders: Mapping[str, Callable[[Any], Any]]
) -> dict[str, Any]:
    out: dict[str, Any] = {"v": VERSION}
    for name in slots:
        value = getattr(obj, name)
        if name in encoders:
            out[name] = encoders[name](value)
        elif isinstance(value, _SCALARS):
            out[name] = value
        else:  # a new structured field needs an encoder: fail loudly, not silently drop it
            raise TypeError(f"no encoder for {type(obj).__name__}.{name} ({type(value).__name__})")
    return out


def _decode_slots(
    obj: object,
    slots: tuple[str, ...],
    data: Mapping[str, Any],
    decoders: Mapping[str, Callable[[Any], Any]],
) -> None:
    if data.get("v") != VERSION:
        raise StateFormatError(f"state record version {data.get('v')!r}, expected {VERSION}")
    for name in slots:
        if name not in data:
            continue  # added after the record was written: keep the new-state default
        value = data[name]
        try:
            setattr(obj, name, decoders[name](value) if name in decoders else value)
        except (TypeError, ValueError) as e:
            raise StateFormatError(f"field {name!r}: {e}") from None


def encode_pair(state: PairState) -> dict[str, Any]:
    """A pair's state as JSON-ready data, without quotes."""
    return _encode_slots(state, PairState.__slots__, _PAIR_ENCODERS)


def decode_pair(data: Mapping[str, Any]) -> PairState:
    """The inverse of :func:`encode_pair`."""
    try:
        kind = PairKind(data["kind"])
        first = float(data["first_time"])
    except (KeyError, TypeError, ValueError) as e:
        raise StateFormatError(f"not a pair state record: {e}") from None
    state = PairState(kind, first, AccountFacts(), AccountFacts(), PairFacts(), None)
    _decode_slots(state, PairState.__slots__, data, _PAIR_DECODERS)
    if state.suspected_adult_at is not None and "suspected_why" not in data:
        legacy = bool(data.get(_LEGACY_SUSPECTED_NEW_ACCOUNT))
        state.suspected_why = Suspicion.NEW_ACCOUNT if legacy else Suspicion.AGE_DOWNPLAYED
    return state


def _contact(c: _Contact) -> list[Any]:
    sig = None if c.signature is None else base64.b64encode(c.signature).decode("ascii")
    return [c.minor, c.time, sig, c.nearby, c.similar]


def _uncontact(v: list[Any]) -> _Contact:
    minor, time, sig, nearby, similar = v
    c = _Contact(str(minor), float(time), None if sig is None else base64.b64decode(sig))
    c.nearby = int(nearby)
    c.similar = int(similar)
    return c


_SENDER_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "band": lambda b: b.value,
    "contacts": lambda cs: [_contact(c) for c in cs],
    "pair_risks": dict,
}

_SENDER_DECODERS: dict[str, Callable[[Any], Any]] = {
    "band": Band,
    "contacts": lambda v: [_uncontact(c) for c in v],
    "pair_risks": lambda d: {str(k): float(r) for k, r in d.items()},
}


def encode_sender(state: SenderState) -> dict[str, Any]:
    """A sender's state as JSON-ready data."""
    return _encode_slots(state, SenderState.__slots__, _SENDER_ENCODERS)


def decode_sender(data: Mapping[str, Any]) -> SenderState:
    """The inverse of :func:`encode_sender`."""
    state = SenderState()
    _decode_slots(state, SenderState.__slots__, data, _SENDER_DECODERS)
    return state
