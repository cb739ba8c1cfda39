"""``/c/banks``, ``/c/bank/<name>``, ``/c/bank/<name>/content/<id>``: HMA's bank curation
(adding content is in :mod:`.banking`).

Everything goes through :class:`BankService`, so a change made here is audited (as the key that
made it), lands in the change log, and is matched by every worker within one refresh interval,
exactly like a change from the CLI. HMA's bank content id is childsafe's entry id.

Where childsafe cannot hold what HMA holds, it refuses rather than pretending (a timed disable),
or keeps what it can and says so in docs/hma.md (only ``content_id`` of the metadata; no notes;
matching ratios other than 0 and 1).
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool

from childsafe.api.routes.hma.common import (
    CurateKey,
    HmaError,
    HmaRoute,
    banks_as,
    flag,
    read_json,
    services_of,
)
from childsafe.api.routes.hma.shapes import (
    DISABLED,
    ENABLED,
    MAX_NOTE,
    bank_json,
    content_config_json,
    content_json,
)
from childsafe.api.services import Services
from childsafe.banks import (
    BankExists,
    BankInfo,
    BankNotFound,
    EntryInfo,
    EntryNotFound,
    InvalidBankName,
)

router = APIRouter(prefix="/c", route_class=HmaRoute)


class _BankCreate(BaseModel):
    name: str
    enabled_ratio: float | None = None
    enabled: bool | None = None


class _BankUpdate(BaseModel):
    name: str | None = None
    enabled_ratio: float | None = None
    enabled: bool | None = None


def _parse(model: type[_BankCreate] | type[_BankUpdate], body: Any) -> Any:
    """HMA validates these bodies with pydantic too (lax: ``"true"``, ``"0.5"`` coerce)."""
    if not isinstance(body, dict):
        raise HmaError(422, "expected a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, x['loc']))}: {x['msg']}" for x in e.errors())
        raise HmaError(422, problems) from None


def _enabled(body: _BankCreate | _BankUpdate) -> bool | None:
    """A ratio (wins, as in HMA's update) or ``enabled``; any ratio above 0 enables the bank."""
    if body.enabled_ratio is not None:
        if not 0.0 <= body.enabled_ratio <= 1.0:
            raise HmaError(400, "enabled_ratio must be between 0.0 and 1.0")
        return body.enabled_ratio > 0.0
    return body.enabled


def bank_or_404(services: Services, name: str) -> BankInfo:
    try:
        return services.banks.get_bank(name)
    except BankNotFound:
        raise HmaError(404, f"bank '{name}' not found") from None


def _entry(services: Services, bank: BankInfo, content_id: int) -> EntryInfo:
    """The bank's live or disabled entry ``content_id`` (another bank's is not found here)."""
    try:
        entry = services.banks.get_entry(content_id)
    except EntryNotFound:
        entry = None
    if entry is None or entry.bank_id != bank.id or entry.deleted_at is not None:
        raise HmaError(404, f"content '{content_id}' not found")
    return entry


def check_note(value: Any) -> None:
    """HMA's note rules (a string of at most 255 characters); childsafe does not keep notes."""
    if value and (not isinstance(value, str) or len(value) > MAX_NOTE):
        raise HmaError(400, f"note must be a string of at most {MAX_NOTE} characters")


# -- banks --------------------------------------------------------------------------------


@router.get("/banks", summary="HMA: list banks")
def banks_index(request: Request, _key: CurateKey) -> list[dict[str, Any]]:
    return [bank_json(b) for b in services_of(request).banks.list_banks()]


@router.post("/banks", status_code=201, summary="HMA: create a bank")
async def bank_create(request: Request, key: CurateKey) -> JSONResponse:
    """``{"name", "enabled_ratio"?, "enabled"?}`` → 201 with the bank; 403 if it exists."""
    services = services_of(request)
    body: _BankCreate = _parse(_BankCreate, await read_json(request))
    enabled = _enabled(body)
    banks = banks_as(services, key)
    try:
        bank = await run_in_threadpool(
            banks.create_bank, body.name, enabled=True if enabled is None else enabled
        )
    except InvalidBankName as e:
        raise HmaError(400, str(e)) from None
    except BankExists:
        raise HmaError(403, "Bank already exists") from None
    return JSONResponse(bank_json(bank), status_code=201)


@router.get("/bank/{bank_name}", summary="HMA: get a bank")
def bank_show(request: Request, bank_name: str, _key: CurateKey) -> dict[str, Any]:
    return bank_json(bank_or_404(services_of(request), bank_name))


@router.put("/bank/{bank_name}", summary="HMA: rename, enable or disable a bank")
async def bank_update(request: Request, bank_name: str, key: CurateKey) -> dict[str, Any]:
    services = services_of(request)
    body: _BankUpdate = _parse(_BankUpdate, await read_json(request))
    changes: dict[str, Any] = {}
    if body.name is not None:
        changes["new_name"] = body.name
    enabled = _enabled(body)
    if enabled is not None:
        changes["enabled"] = enabled
    banks = banks_as(services, key)
    try:
        bank = await run_in_threadpool(lambda: banks.update_bank(bank_name, **changes))
    except BankNotFound:
        raise HmaError(404, "Bank not found") from None
    except InvalidBankName as e:
        raise HmaError(400, str(e)) from None
    except BankExists:
        raise HmaError(403, "Bank name already exists") from None
    return bank_json(bank)


@router.delete("/bank/{bank_name}", summary="HMA: delete a bank")
def bank_delete(request: Request, bank_name: str, key: CurateKey) -> dict[str, Any]:
    """Always ``{"message": "Done"}``, as HMA answers even for a bank that does not exist."""
    with contextlib.suppress(BankNotFound):
        banks_as(services_of(request), key).delete_bank(bank_name)
    return {"message": "Done"}


# -- content ------------------------------------------------------------------------------


@router.get("/bank/{bank_name}/content/{content_id:int}", summary="HMA: get banked content")
def content_get(
    request: Request,
    bank_name: str,
    content_id: int,
    _key: CurateKey,
    include_signals: str | None = Query(None, description="true: include the signals"),
    include_metadata: str | None = Query(None, description="false: leave metadata out"),
) -> dict[str, Any]:
    services = services_of(request)
    bank = bank_or_404(services, bank_name)
    entry = _entry(services, bank, content_id)
    return content_json(
        entry,
        bank,
        include_signals=flag(include_signals, False),
        include_metadata=flag(include_metadata, True),
    )


@router.put("/bank/{bank_name}/content/{content_id:int}", summary="HMA: enable/disable content")
async def content_update(
    request: Request, bank_name: str, content_id: int, key: CurateKey
) -> dict[str, Any]:
    """``disable_until_ts``: 0 disables, 1 (or any time already past) enables; a future time
    is refused, because childsafe has no timed disable and a silent "forever" would be worse."""
    services = services_of(request)
    bank = await run_in_threadpool(bank_or_404, services, bank_name)
    entry = await run_in_threadpool(_entry, services, bank, content_id)
    body = await read_json(request)
    if not isinstance(body, dict):
        raise HmaError(400, "expected a JSON object")
    op = None
    if "disable_until_ts" in body:
        op = _disable_op(body["disable_until_ts"])
    if "note" in body:
        check_note(body["note"])
    if op is not None:
        banks = banks_as(services, key)
        change = banks.disable_entry if op == "disable" else banks.enable_entry
        entry = await run_in_threadpool(change, entry.id)
    return content_config_json(entry, bank)


def _disable_op(raw: Any) -> str:
    try:
        ts = int(raw)
    except (TypeError, ValueError):
        raise HmaError(400, f"Invalid int: '{raw}'") from None
    if ts < 0:
        raise HmaError(400, "disable_until_ts must be a non-negative integer")
    if ts == DISABLED:
        return "disable"
    if ts == ENABLED or ts <= time.time():
        return "enable"
    raise HmaError(
        400,
        "childsafe cannot disable content until a time: send disable_until_ts 0 to disable "
        "it or 1 to enable it",
    )


@router.delete("/bank/{bank_name}/content/{content_id:int}", summary="HMA: remove content")
def content_delete(
    request: Request, bank_name: str, content_id: int, key: CurateKey
) -> dict[str, Any]:
    """``{"deleted": 1}``, or 0 when the bank holds no such content (HMA's row count)."""
    services = services_of(request)
    bank = bank_or_404(services, bank_name)
    try:
        entry = _entry(services, bank, content_id)
    except HmaError:
        return {"deleted": 0}
    banks_as(services, key).delete_entry(entry.id)
    return {"deleted": 1}
