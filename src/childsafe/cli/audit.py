"""``childsafe audit ...``: read and check the hash-chained log of curation changes.

``verify`` exits 0 when the chain is intact and 2 when it is broken, so it can run from cron or
a monitoring check; its ``--json`` form prints the full head hash, the value to copy somewhere
the database's owner cannot rewrite (see docs/audit.md).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from childsafe.cli.context import CliContext

if TYPE_CHECKING:
    from childsafe.store.audit import AuditEntry

# The store (and SQLAlchemy under it) is imported inside the commands, so `--help` stays fast.

audit_app = typer.Typer(
    help="The audit log of curation changes: list events, verify the hash chain.",
    no_args_is_help=True,
)

#: Exit status of ``verify`` when the chain is broken (1 is left to crashes).
BROKEN_EXIT = 2
_HEX16 = re.compile(r"[0-9a-fA-F]{16,64}")
#: Width of the details column in the table, in characters.
DETAILS_WIDTH = 80


def _json(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


def _subject(e: AuditEntry) -> tuple[str, set[str]]:
    """``bank 3 (harbor)``: the subject with its name, and which details that used up."""
    d = e.details if isinstance(e.details, dict) else {}
    for key in ("bank", "name"):
        if isinstance(d.get(key), str):
            return f"{e.subject_type} {e.subject_id} ({d[key]})", {key, "bank_id"}
    return f"{e.subject_type} {e.subject_id}", set()


def _short(details: Any, skip: Collection[str] = ()) -> str:
    """One line for the table, cut to fit: ``field: old→new`` for changes, else key=value."""
    if not isinstance(details, dict):  # only a tampered row holds anything else
        line = json.dumps(details)
    else:
        before, after = details.get("before"), details.get("after")
        parts = []
        if isinstance(before, dict) and isinstance(after, dict):
            skip = {*skip, "before", "after"}
            parts = [f"{k}: {_json(before.get(k))}→{_json(after.get(k))}" for k in after]
        rest = {k: v for k, v in details.items() if k not in skip}
        if isinstance(rest.get("settings"), dict):  # a new bank's: shown as its own fields
            rest = {**rest.pop("settings"), **rest}
        parts += [f"{k}={_json(v)}" for k, v in rest.items()]
        line = ", ".join(parts)
    return line if len(line) <= DETAILS_WIDTH else line[: DETAILS_WIDTH - 1] + "…"


def _as_json(e: AuditEntry) -> str:
    return json.dumps(
        {
            "seq": e.seq,
            "at": e.at.isoformat(),
            "actor": e.actor,
            "action": e.action,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "details": e.details,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        },
        ensure_ascii=False,
    )


@audit_app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Most events to show.")] = 50,
    after: Annotated[
        int | None,
        typer.Option(
            "--after", min=0, help="Show events after this seq, oldest first (default: the newest)."
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per line, hashes included.")
    ] = False,
) -> None:
    """List audit events in order: the newest LIMIT, or the LIMIT following --after."""
    from childsafe.store import audit, unit_of_work

    cli: CliContext = ctx.obj
    with unit_of_work(cli.store.sessions, write=False) as s:
        if after is None:
            after = max(0, audit.head(s)[0] - limit)
        events = list(audit.iter_events(s, after=after, limit=limit))
    if as_json:
        for e in events:
            print(_as_json(e))
        return
    if not events:
        cli.err.print("no audit events" + (f" after seq {after}" if after else " yet"))
        return
    t = Table()
    for column in ("seq", "time (UTC)", "actor", "action", "subject"):
        t.add_column(column, no_wrap=column in ("seq", "action"))
    t.add_column("details", min_width=24)
    for e in events:
        subject, shown = _subject(e)
        t.add_row(
            str(e.seq),
            e.at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(e.actor),
            escape(e.action),
            escape(subject),
            escape(_short(e.details, shown)),
        )
    cli.out.print(t)


def _parse_anchor(text: str) -> tuple[int, str]:
    seq, _, digest = text.partition(":")
    if not (seq.isdigit() and int(seq) > 0 and _HEX16.fullmatch(digest)):
        raise typer.BadParameter(
            f"want SEQ:HASH (16-64 hex digits), not {text!r}", param_hint="--anchor"
        )
    return int(seq), digest


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result, full head hash included, as JSON.")
    ] = False,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            metavar="SEQ:HASH",
            help="A head recorded earlier outside the database; that event must still have "
            "this hash (16+ hex digits). Catches a rewritten or cut-back log.",
        ),
    ] = None,
) -> None:
    """Walk the whole chain; exit 2 at the first broken link, naming its seq."""
    from childsafe.store import audit, unit_of_work

    cli: CliContext = ctx.obj
    anchored = _parse_anchor(anchor) if anchor else None
    with unit_of_work(cli.store.sessions, write=False) as s:
        checked, broken = audit.verify(s)
        if broken is None and anchored is not None:
            broken = audit.check_anchor(s, *anchored)
        head_seq, head_hash = audit.head(s)
    if as_json:
        print(
            json.dumps(
                {
                    "intact": broken is None,
                    "events": checked,
                    "head_seq": head_seq,
                    "head_hash": head_hash,
                    "break_seq": broken.seq if broken else None,
                    "problem": broken.problem if broken else None,
                }
            )
        )
    elif broken is None:
        where = f"head {head_seq} {head_hash[:16]}" if head_seq else "empty log"
        cli.out.print(f"audit log intact: {checked} events, {where}")
    else:
        cli.err.print(
            f"[red]audit log broken at seq {broken.seq}:[/red] {escape(broken.problem)} "
            f"({checked} events verified)"
        )
    if broken is not None:
        raise typer.Exit(BROKEN_EXIT)
