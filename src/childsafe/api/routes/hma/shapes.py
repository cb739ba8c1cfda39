"""HMA's names and response shapes, in one place, so every route answers the way HMA does.

Names: HMA and childsafe agree on ``pdq``. HMA's ``video_md5`` is the MD5 of a video file's
bytes; childsafe's ``md5`` is the MD5 of any file's bytes (its content types include video), so
``video_md5`` is accepted as another name for ``md5`` wherever a signal type is named, and a
video's MD5 is reported as ``video_md5`` (what HMA clients expect for a video). A photo's
signals are reported under childsafe's own names: ``pdq`` plus the exact ``md5`` and ``sha256``
that HMA does not compute for photos.

Shapes: distances are strings (HMA's ``pretty_str``); exact matches say ``"0"`` where HMA says
``"-"``, because clients coerce the distance to an integer. Banks have no matching ratio here,
only enabled or not, reported as a ratio of 1.0 or 0.0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from childsafe.banks import BankInfo, EntryInfo
from childsafe.plugins import Registry
from childsafe.scan.matcher import Match

#: HMA's signal type names that differ from childsafe's, mapped to childsafe's.
ALIASES = {"video_md5": "md5"}
#: HMA's ``disable_until_ts`` magic values.
DISABLED, ENABLED = 0, 1
MAX_NOTE = 255


def signal_type_name(registry: Registry, name: str) -> str | None:
    """childsafe's name for a signal type named the HMA way or ours (None: no such type)."""
    ours = ALIASES.get(name, name)
    return ours if ours in registry.signal_types else None


def names_for(registry: Registry, content_type: str) -> dict[str, str]:
    """The signal types computed for a content type: reported name → childsafe name.

    Photos get every photo signal type. Videos get the types that need no pixels (file hashes;
    childsafe does not decode video), with ``md5`` reported as ``video_md5``.
    """
    out: dict[str, str] = {}
    for name in sorted(registry.signal_types, key=lambda n: (n != "pdq", n)):
        st = registry.signal_type(name)
        if content_type == "photo" and "photo" in st.content_types:
            out[name] = name
        elif content_type == "video" and "video" in st.content_types and not st.needs_pixels:
            out["video_md5" if name == "md5" else name] = name
    return out


def ratio(bank: BankInfo) -> float:
    return 1.0 if bank.enabled else 0.0


def bank_json(bank: BankInfo) -> dict[str, Any]:
    """HMA's ``BankConfig``."""
    return {"name": bank.name, "matching_enabled_ratio": ratio(bank)}


def disable_until_ts(entry: EntryInfo) -> int:
    return ENABLED if entry.disabled_at is None else DISABLED


def entry_signals(entry: EntryInfo, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """The banked item's own signals (not the extra views banked with it), by reported name.

    ``names`` (reported → childsafe) renames those the caller asked for under another name.
    """
    rename = {ours: reported for reported, ours in (names or {}).items()}
    return {
        rename.get(s.signal_type, s.signal_type): s.value for s in entry.signals if not s.variant
    }


def metadata_json(entry: EntryInfo) -> dict[str, Any] | None:
    """HMA's ``BankedContentMetadata``: only ``content_id`` (our external id) is kept."""
    if entry.external_id is None:
        return None
    return {"content_id": entry.external_id, "content_uri": None, "json": None, "collab": None}


def content_json(
    entry: EntryInfo, bank: BankInfo, *, include_signals: bool, include_metadata: bool
) -> dict[str, Any]:
    """HMA's ``BankContentResponse`` (``GET /c/bank/<name>/content/<id>``)."""
    out: dict[str, Any] = {
        "id": entry.id,
        "disable_until_ts": disable_until_ts(entry),
        "original_media_uri": None,
        "bank": bank_json(bank),
    }
    if include_signals:
        signals = entry_signals(entry)
        if signals:
            out["signals"] = signals
    meta = metadata_json(entry) if include_metadata else None
    if meta is not None:
        out["metadata"] = meta
    return out


def content_config_json(entry: EntryInfo, bank: BankInfo) -> dict[str, Any]:
    """HMA's ``BankContentConfig`` dataclass, which ``PUT .../content/<id>`` answers with."""
    meta = metadata_json(entry)
    return {
        "id": entry.id,
        "disable_until_ts": disable_until_ts(entry),
        "collab_metadata": {},
        "original_media_uri": None,
        "bank": bank_json(bank),
        "user_metadata": None if meta is None else {"content_id": meta["content_id"]},
        "note": None,
    }


def added_json(entry_id: int, signals: Mapping[str, str]) -> dict[str, Any]:
    """What adding content answers: ``{"id": ..., "signals": {type: value}}``."""
    return {"id": entry_id, "signals": dict(signals)}


def match_json(m: Match) -> dict[str, Any]:
    return {"bank_content_id": m.entry_id, "distance": str(m.distance)}


def by_bank(matches: Iterable[Match], banks: set[str] | None) -> dict[str, list[dict[str, Any]]]:
    """HMA's lookup answer for one signal type: bank name → matches (``{}`` for none)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for m in matches:
        if banks is None or m.bank in banks:
            out.setdefault(m.bank, []).append(match_json(m))
    return out
