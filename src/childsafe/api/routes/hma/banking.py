"""``POST /c/bank/<name>/content`` and ``/signal``: HMA's ways of putting content in a bank.

Content arrives as a URL, a multipart file or raw signals, and becomes one bank entry holding
every signal computed for it (for a photo, what ``childsafe bank add`` stores: PDQ, MD5,
SHA-256 and the bank's extra PDQ views), added through :class:`BankService` as the calling key.
The live matcher polls the change log, so the entry matches everywhere within one refresh
interval (a second by default).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from childsafe.api.bodies import media_type
from childsafe.api.routes.hma.common import (
    CurateKey,
    HmaError,
    HmaRoute,
    banks_as,
    read_form,
    read_json,
    services_of,
)
from childsafe.api.routes.hma.curation import bank_or_404, check_note
from childsafe.api.routes.hma.hashing import Hashed, hash_upload, hash_url
from childsafe.api.routes.hma.shapes import added_json, entry_signals, signal_type_name
from childsafe.banks import BankError, BankInfo, BankNotFound, BankService, DuplicateSignal
from childsafe.scan.hashing import banked_signals
from childsafe.signals import InvalidSignalError
from childsafe.signals.pdq import LOW_QUALITY

router = APIRouter(prefix="/c", route_class=HmaRoute)

_METADATA_FIELDS = frozenset({"content_id", "content_uri", "json"})


def _content_id(raw: Any) -> str | None:
    """HMA's ``metadata`` object, checked as HMA checks it; its ``content_id`` is kept."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise HmaError(400, "metadata should be a json object")
    meta = {k: v for k, v in raw.items() if k != "collab"}
    unknown = sorted(set(meta) - _METADATA_FIELDS)
    if unknown:
        raise HmaError(400, f"Invalid metadata: unexpected field(s) {', '.join(unknown)}")
    for key, kind in (("content_id", str), ("content_uri", str), ("json", dict)):
        if meta.get(key) is not None and not isinstance(meta[key], kind):
            raise HmaError(400, f"Invalid metadata: {key} must be a {kind.__name__}")
    content_id = meta.get("content_id")
    return content_id if isinstance(content_id, str) else None


def _add(
    banks: BankService,
    bank: str,
    triples: Sequence[tuple[str, str, str]],
    reported: Mapping[str, str],
    names: Mapping[str, str],
    **fields: Any,
) -> dict[str, Any]:
    """Bank one item; content the bank already holds answers with the existing id.

    HMA would store a second copy; childsafe refuses duplicates, and answering with the live
    entry that holds them keeps an HMA client's "add" idempotent. A duplicate of a disabled
    entry is a 409: re-adding must not silently leave the content unmatched.
    """
    try:
        entry = banks.add_entry(bank, triples, **fields)
    except DuplicateSignal as e:
        existing = banks.get_entry(e.entry_id)
        if not existing.live:
            raise HmaError(
                409,
                f"bank '{bank}' already holds this content as content {existing.id}, which is "
                f"disabled; enable it with PUT /c/bank/{bank}/content/{existing.id} "
                '{"disable_until_ts": 1}',
            ) from None
        return added_json(existing.id, entry_signals(existing, names))
    except BankNotFound:
        raise HmaError(404, f"bank '{bank}' not found") from None
    except BankError as e:
        raise HmaError(400, str(e)) from None
    return added_json(entry.id, reported)


@router.post("/bank/{bank_name}/content", summary="HMA: bank the content at a URL or a file")
async def content_add(
    request: Request,
    bank_name: str,
    key: CurateKey,
    url: str | None = Query(None, description="Content to fetch, hash and bank"),
    content_type: str | None = Query(None, description="photo or video, for url"),
    types: str | None = Query(None, description="Comma-separated signal types to bank"),
    content_id: str | None = Query(None, description="Your id for the content"),
) -> dict[str, Any]:
    """``?url=`` or a multipart file (field ``photo``/``video``), with optional ``metadata``
    and ``note`` (JSON body or form fields) → ``{"id": ..., "signals": {...}}``."""
    services = services_of(request)
    bank = await run_in_threadpool(bank_or_404, services, bank_name)
    upload = await read_form(request, services, need_file=False)
    fields = upload.fields if upload is not None else {}
    if upload is not None:
        meta_raw: Any = None
        if "metadata" in fields:
            try:
                meta_raw = json.loads(fields["metadata"])
            except ValueError:
                raise HmaError(400, "metadata form field must be valid JSON") from None
        note: Any = fields.get("note")
    else:
        body = await read_json(request) if _is_json(request) else None
        body = body if isinstance(body, dict) else {}
        meta_raw, note = body.get("metadata"), body.get("note")
    external_id = _content_id(meta_raw) or fields.get("content_id") or content_id
    check_note(note)

    hashed: Hashed
    if url:
        hashed = await hash_url(services, url, content_type=content_type, types=types)
    elif upload is not None and upload.content_type:
        hashed = await hash_upload(services, upload, types)
    else:
        raise HmaError(400, "Neither `url` nor multipart file upload was received")
    triples, notes = _triples(bank, hashed)
    if not triples:
        raise HmaError(400, "; ".join(["No signals given", *notes]))
    banked = {(t, v) for t, v, variant in triples if not variant}
    reported = {
        rep: sig.value
        for rep, sig in hashed.signals.items()
        if (hashed.names[rep], sig.value) in banked
    }
    return await run_in_threadpool(
        lambda: _add(
            banks_as(services, key),
            bank.name,
            triples,
            reported,
            hashed.names,
            external_id=external_id,
            added_by=key.name if key is not None else None,
        )
    )


def _is_json(request: Request) -> bool:
    ctype = media_type(request)
    return ctype == "application/json" or ctype.endswith("+json")


def _triples(bank: BankInfo, hashed: Hashed) -> tuple[list[tuple[str, str, str]], list[str]]:
    """What banking the item stores: for a photo, as ``childsafe bank add`` does (the bank's
    extra PDQ views; PDQ under quality 50 left out, it matches too loosely)."""
    if hashed.outcome is not None:
        return banked_signals(hashed.outcome, bank.variants, LOW_QUALITY)
    return [(hashed.names[rep], sig.value, "") for rep, sig in hashed.signals.items()], []


@router.post("/bank/{bank_name}/signal", summary="HMA: bank raw signals")
async def signal_add(request: Request, bank_name: str, key: CurateKey) -> dict[str, Any]:
    """``{"pdq": "...", "note"?: ...}`` → ``{"id": ..., "signals": {...}}`` (one entry)."""
    services = services_of(request)
    bank = await run_in_threadpool(bank_or_404, services, bank_name)
    body = await read_json(request)
    if not isinstance(body, dict):
        raise HmaError(400, "expected a JSON object of signal type to value")
    data = dict(body)
    check_note(data.pop("note", None))
    if not data:
        raise HmaError(400, "No signals given")
    triples: list[tuple[str, str, str]] = []
    reported: dict[str, str] = {}
    names: dict[str, str] = {}
    for name, value in data.items():
        ours = signal_type_name(services.registry, name)
        if ours is None:
            raise HmaError(400, f"No such signal type {name}")
        try:
            if not isinstance(value, str):
                raise InvalidSignalError("must be a string")
            canonical = services.registry.signal_type(ours).normalize(value)
        except InvalidSignalError as e:
            raise HmaError(400, f"Invalid {name} signal: {e}") from None
        triples.append((ours, canonical, ""))
        reported[name] = canonical
        names[name] = ours
    return await run_in_threadpool(
        lambda: _add(
            banks_as(services, key),
            bank.name,
            triples,
            reported,
            names,
            added_by=key.name if key is not None else None,
        )
    )
