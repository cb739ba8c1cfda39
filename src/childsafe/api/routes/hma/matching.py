"""``/m/*``: HMA's matcher, answered by the live matcher every ``/v1/scan`` uses.

A lookup is a scan of one signal type at a time: the matcher reports each (bank, entry) once,
at its best signal, and HMA's answer is keyed by signal type, so scanning the types together
would hide a match under whichever type won. Bank thresholds, disabled banks and entries, and
the banks' query views (rotations, trimmed borders) apply exactly as they do to ``/v1/scan``;
nothing is matched here that a scan would not match. HMA's ``seed`` and ``bypass_coinflip``
are accepted and ignored: childsafe banks are on or off, never on for a fraction of lookups.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from childsafe.api.routes.hma.common import (
    HmaError,
    HmaRoute,
    ScanKey,
    bank_filter,
    read_form,
    read_json,
    services_of,
)
from childsafe.api.routes.hma.hashing import Hashed, hash_upload, hash_url
from childsafe.api.routes.hma.shapes import by_bank, signal_type_name
from childsafe.api.services import Services
from childsafe.scan.matcher import Match
from childsafe.scan.query import Query as ScanQuery
from childsafe.scan.query import build_query
from childsafe.signals import InvalidSignalError, Signal

router = APIRouter(prefix="/m", route_class=HmaRoute)

#: Params HMA's lookups take that childsafe accepts and ignores (see the module docstring).
_SEED = Query(None, description="Ignored: childsafe has no matching ratio to seed")
_BYPASS = Query(None, description="Ignored: childsafe has no matching ratio to bypass")
_BANKS = Query(None, description="Comma-separated bank names to restrict matches to")


def signal_query(services: Services, signal_type: str, signal: str) -> ScanQuery:
    """A one-signal query, refused as HMA refuses: unknown type or bad value → 400."""
    ours = signal_type_name(services.registry, signal_type)
    if ours is None:
        raise HmaError(400, f"No such SignalType '{signal_type}'")
    try:
        value = services.registry.signal_type(ours).normalize(signal)
    except InvalidSignalError as e:
        raise HmaError(400, f"invalid signal: {e}") from None
    return {ours: {"": Signal(ours, value)}}


def match(services: Services, query: ScanQuery) -> list[Match]:
    return services.live.scan(query).matches


def lookup_hashed(
    services: Services, hashed: Hashed, banks: set[str] | None
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Signal type → bank → matches for a hashed item, with the query views banks asked for."""
    if hashed.outcome is not None:
        views = build_query(hashed.outcome, services.live.scanner.options)
    else:
        views = {ours: {"": hashed.signals[rep]} for rep, ours in hashed.names.items()}
    return {
        rep: by_bank(match(services, {ours: views[ours]}), banks)
        for rep, ours in hashed.names.items()
    }


@router.get("/raw_lookup", summary="HMA: content ids matching one signal")
def raw_lookup(
    request: Request,
    _key: ScanKey,
    signal: str = Query(description="The hash to look up"),
    signal_type: str = Query(description="Its signal type (pdq, md5, sha256, video_md5)"),
    banks: str | None = _BANKS,
    include_distance: bool = Query(False, description="Answer {bank_content_id, distance}"),
) -> dict[str, Any]:
    """``{"matches": [content id, ...]}``, or with ``include_distance`` the ids and distances.

    The live matcher holds enabled banks' live entries only, so unlike HMA's raw index this
    never returns disabled content.
    """
    services = services_of(request)
    wanted = bank_filter(banks)
    found = match(services, signal_query(services, signal_type, signal))
    found = [m for m in found if wanted is None or m.bank in wanted]
    if include_distance:
        return {
            "matches": [{"bank_content_id": m.entry_id, "distance": str(m.distance)} for m in found]
        }
    return {"matches": [m.entry_id for m in found]}


@router.get("/lookup", summary="HMA: look up a signal, or the content at a URL")
async def lookup_get(
    request: Request,
    _key: ScanKey,
    url: str | None = Query(None, description="Content to fetch, hash and look up"),
    content_type: str | None = Query(None, description="photo or video, for url"),
    types: str | None = Query(None, description="Signal types to hash, for url"),
    signal: str | None = Query(None, description="A hash to look up (with signal_type)"),
    signal_type: str | None = Query(None, description="The hash's signal type"),
    banks: str | None = _BANKS,
    seed: str | None = _SEED,
    bypass_coinflip: str | None = _BYPASS,
) -> dict[str, Any]:
    """By signal: bank → matches (``{}`` for none). By URL: signal type → bank → matches,
    narrowed to one type's bank map when ``signal_type`` is given too (as HMA does)."""
    services = services_of(request)
    wanted = bank_filter(banks)
    if url:
        hashed = await hash_url(services, url, content_type=content_type, types=types)
        resp = await run_in_threadpool(lookup_hashed, services, hashed, wanted)
        if signal_type is not None:
            return resp.get(signal_type, {})
        return resp
    if not signal or not signal_type:
        raise HmaError(400, "Either url or both signal and signal_type are required")
    query = signal_query(services, signal_type, signal)
    return by_bank(await run_in_threadpool(match, services, query), wanted)


@router.post("/lookup", summary="HMA: look up an uploaded file")
async def lookup_post(
    request: Request,
    _key: ScanKey,
    types: str | None = Query(None, description="Signal types to hash"),
    banks: str | None = _BANKS,
    seed: str | None = _SEED,
    bypass_coinflip: str | None = _BYPASS,
) -> dict[str, Any]:
    """Signal type → bank → matches for one multipart file (field ``photo`` or ``video``)."""
    services = services_of(request)
    upload = await read_form(request, services, need_file=True)
    assert upload is not None
    hashed = await hash_upload(services, upload, types)
    return await run_in_threadpool(lookup_hashed, services, hashed, bank_filter(banks))


@router.post("/compare", summary="HMA: compare pairs of hashes")
async def compare(request: Request, _key: ScanKey) -> dict[str, Any]:
    """``{type: [a, b]}`` → ``{type: [matches, {"distance": d}]}``, at the type's default
    threshold (PDQ: 31, as HMA). Exact types have distance 0 (equal) or 1."""
    services = services_of(request)
    body = await read_json(request)
    if not isinstance(body, dict):
        raise HmaError(400, "Request input was not a dict")
    out: dict[str, Any] = {}
    for name, pair in body.items():
        if not isinstance(pair, list):
            raise HmaError(400, f"Comparison hashes for {name} was not a list")
        if len(pair) != 2:
            raise HmaError(400, "Comparison hash list length must be exactly 2")
        ours = signal_type_name(services.registry, name)
        if ours is None:
            raise HmaError(400, f"No such SignalType '{name}'")
        st = services.registry.signal_type(ours)
        try:
            if not all(isinstance(v, str) for v in pair):
                raise InvalidSignalError("hashes must be strings")
            left, right = (st.normalize(v) for v in pair)
        except InvalidSignalError as e:
            raise HmaError(400, f"Invalid {name} hash: {e}") from None
        distance = st.distance(left, right)
        threshold = st.default_threshold if st.kind == "hamming" else 0
        out[name] = [distance <= threshold, {"distance": distance}]
    return out


@router.get("/index/status", summary="HMA: state of the matcher, per signal type")
def index_status(
    request: Request,
    _key: ScanKey,
    signal_type: str | None = Query(None, description="Only this signal type"),
) -> dict[str, Any]:
    """``{type: {"present", "built_to", "size"}}``: ``built_to`` is when this process's matcher
    last caught up with the store (Unix seconds, -1 never), ``size`` its signals of the type."""
    services = services_of(request)
    names = {n: n for n in sorted(services.registry.signal_types)}
    if signal_type is not None:
        ours = signal_type_name(services.registry, signal_type)
        if ours is None:
            raise HmaError(400, f"No such signal type '{signal_type}'")
        names = {signal_type: ours}
    st = services.live.status()
    present = st.since_refresh_s is not None
    built_to = int(time.time() - st.since_refresh_s) if st.since_refresh_s is not None else -1
    sizes = _sizes(services)
    return {
        rep: {"present": present, "built_to": built_to, "size": sizes.get(ours, 0)}
        for rep, ours in names.items()
    }


def _sizes(services: Services) -> dict[str, int]:
    """Signals per type in the matcher (read under its lock, between refresh batches)."""
    scanner = services.live.scanner
    with scanner.lock:
        return scanner.matcher.sizes()
