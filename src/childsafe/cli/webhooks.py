"""``childsafe webhooks ...``: where decisions are announced, and what happened to each delivery.

As with API keys, the signing secret goes to stdout and nothing else does, so ``childsafe
webhooks add mod https://mod.example.org/hook > secret.txt`` captures exactly the secret; the
warning that it will not be shown again goes to stderr.
"""

from __future__ import annotations

import getpass
import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Column, Table

from childsafe.cli.context import CliContext

if TYPE_CHECKING:
    from childsafe.actions import DeliveryInfo, DispatchReport, WebhookService

# The actions layer (and SQLAlchemy and httpx under it) is imported inside the commands, so
# `childsafe --help` starts fast. The event names are spelled out for the help text; a test
# keeps them equal to the service's.
EVENTS_HELP = (
    "scan.block",
    "scan.review",
    "case.opened",
    "chat.band_changed",
    "webhook.test",
)
STATUSES_HELP = ("pending", "delivered", "failed")

webhooks_app = typer.Typer(
    help="Signed webhooks for block and review decisions: add, list, test, inspect deliveries.",
    no_args_is_help=True,
)


def _ts(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _short(value: datetime | None) -> str:
    return value.strftime("%m-%d %H:%M:%S") if value is not None else ""


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no login name in some containers
        return "cli"


def _service(cli: CliContext) -> WebhookService:
    from childsafe.actions import WebhookService

    return WebhookService(cli.store, actor=_actor())


def _delivery_json(d: DeliveryInfo) -> dict[str, Any]:
    return {
        "id": d.id,
        "webhook": d.webhook_name,
        "event": d.event,
        "event_id": d.event_id,
        "status": d.status,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "created_at": _ts(d.created_at),
        "next_attempt_at": _ts(d.next_attempt_at) if d.status == "pending" else None,
        "delivered_at": _ts(d.delivered_at),
        "failed_at": _ts(d.failed_at),
    }


def _report_line(r: DispatchReport) -> str:
    parts = [f"{r.delivered} delivered", f"{r.retried} to retry", f"{r.failed} failed"]
    if r.released:
        parts.append(f"{r.released} handed back")
    if r.lost_lease:
        parts.append(f"{r.lost_lease} taken over by another dispatcher")
    return ", ".join(parts)


@webhooks_app.command("add")
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Label: 1-64 of A-Z a-z 0-9 _ . -")],
    url: Annotated[str, typer.Argument(help="Where to POST: an http:// or https:// URL.")],
    event: Annotated[
        list[str] | None,
        typer.Option(
            "--event",
            "-e",
            help=f"Deliver only this event, repeatable: {', '.join(EVENTS_HELP)} (default: all).",
        ),
    ] = None,
) -> None:
    """Add a webhook and print its signing secret (once: store it with the receiver)."""
    from childsafe.actions import ActionError

    cli: CliContext = ctx.obj
    try:
        info, secret = _service(cli).create(name, url, event or ())
    except ActionError as e:
        raise cli.fail(e) from None
    print(secret)
    events = ", ".join(info.events) or "all events"
    cli.err.print(
        f"added webhook [bold]{escape(info.name)}[/bold] → {escape(info.url)} ({events})\n"
        "[yellow]Store the signing secret now: it will not be shown again.[/yellow] "
        f"Try it with `childsafe webhooks test {escape(info.name)}`."
    )


@webhooks_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    include_removed: Annotated[
        bool, typer.Option("--all", help="Include removed webhooks.")
    ] = False,
) -> None:
    """List webhooks (names, URLs, events, pending deliveries; never secrets)."""
    cli: CliContext = ctx.obj
    hooks = _service(cli).list(include_deleted=include_removed)
    if as_json:
        for h in hooks:
            print(
                json.dumps(
                    {
                        "name": h.name,
                        "url": h.url,
                        "events": list(h.events),
                        "enabled": h.enabled,
                        "pending": h.pending,
                        "created_at": _ts(h.created_at),
                        "removed_at": _ts(h.deleted_at),
                    }
                )
            )
        return
    if not hooks:
        cli.err.print("no webhooks yet: add one with `childsafe webhooks add NAME URL`")
        return
    t = Table("name", Column("url", overflow="fold"), "events", "enabled", "pending", "created")
    if include_removed:
        t.add_column("removed")
    for h in hooks:
        cells = [
            escape(h.name),
            escape(h.url),
            ", ".join(h.events) or "all",
            "yes" if h.enabled else "no",
            str(h.pending or 0),
            h.created_at.strftime("%Y-%m-%d %H:%M"),
        ]
        if include_removed:
            cells.append(h.deleted_at.strftime("%Y-%m-%d %H:%M") if h.deleted_at else "")
        t.add_row(*cells)
    cli.out.print(t)


@webhooks_app.command("remove")
def remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The webhook to remove.")]
) -> None:
    """Remove a webhook; its undelivered messages are marked failed. The record is kept."""
    from childsafe.actions import ActionError

    cli: CliContext = ctx.obj
    try:
        info = _service(cli).delete(name)
    except ActionError as e:
        raise cli.fail(e) from None
    cli.err.print(f"removed webhook [bold]{escape(info.name)}[/bold]")


def _set_enabled(ctx: typer.Context, name: str, enabled: bool) -> None:
    from childsafe.actions import ActionError

    cli: CliContext = ctx.obj
    try:
        svc = _service(cli)
        info = svc.enable(name) if enabled else svc.disable(name)
    except ActionError as e:
        raise cli.fail(e) from None
    state = "enabled" if info.enabled else "disabled (queued deliveries wait)"
    cli.err.print(f"webhook [bold]{escape(info.name)}[/bold] {state}")


@webhooks_app.command("enable")
def enable(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The webhook to enable.")]
) -> None:
    """Resume deliveries to a webhook; messages queued while it was paused go out too."""
    _set_enabled(ctx, name, True)


@webhooks_app.command("disable")
def disable(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The webhook to pause.")]
) -> None:
    """Pause a webhook: no new events are queued for it; queued ones wait until enabled."""
    _set_enabled(ctx, name, False)


@webhooks_app.command("deliveries")
def deliveries(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="Only this webhook's deliveries.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", "-s", help=f"Only these: {', '.join(STATUSES_HELP)}."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """The newest deliveries first, with their attempts and last error."""
    from childsafe.actions import ActionError

    cli: CliContext = ctx.obj
    try:
        rows = _service(cli).deliveries(name, status, limit)
    except ActionError as e:
        raise cli.fail(e) from None
    if as_json:
        for d in rows:
            print(json.dumps(_delivery_json(d)))
        return
    if not rows:
        cli.err.print("no deliveries" + (f" {status}" if status else ""))
        return
    # "when": the next attempt of a pending delivery, else when it was delivered or given up.
    t = Table(
        "id",
        "webhook",
        Column("event", no_wrap=True),
        Column("status", no_wrap=True),
        "tries",
        "last error",
        Column("when", no_wrap=True),
    )
    for d in rows:
        when = {"pending": d.next_attempt_at, "delivered": d.delivered_at, "failed": d.failed_at}
        t.add_row(
            str(d.id),
            escape(d.webhook_name),
            d.event,
            d.status,
            str(d.attempts),
            escape(d.last_error or ""),
            _short(when[d.status]),
        )
    cli.out.print(t)


@webhooks_app.command("redeliver")
def redeliver(
    ctx: typer.Context, delivery_id: Annotated[int, typer.Argument(help="Delivery id.")]
) -> None:
    """Send a delivery again: a delivered or failed one as a new delivery, a pending one now."""
    from childsafe.actions import ActionError

    cli: CliContext = ctx.obj
    try:
        d = _service(cli).redeliver(delivery_id)
    except ActionError as e:
        raise cli.fail(e) from None
    if d.id == delivery_id:
        cli.err.print(f"delivery {d.id} to {escape(d.webhook_name)} is due now")
    else:
        cli.err.print(
            f"queued delivery {d.id} to {escape(d.webhook_name)} (a copy of {delivery_id})"
        )
    print(d.id)


@webhooks_app.command("test")
def test(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The webhook to test.")],
    send: Annotated[
        bool,
        typer.Option(
            "--send/--no-send",
            help="Deliver it now from this process (default), or only queue it.",
        ),
    ] = True,
) -> None:
    """Queue a signed `webhook.test` event for one webhook and, by default, deliver it now.

    Exits 1 if the receiver did not answer 2xx (the delivery stays queued for retries).
    """
    from childsafe.actions import ActionError, Dispatcher

    cli: CliContext = ctx.obj
    svc = _service(cli)
    try:
        d = svc.send_test(name)
    except ActionError as e:
        raise cli.fail(e) from None
    if not send:
        cli.err.print(f"queued test delivery {d.id} to {escape(d.webhook_name)}")
        return
    with Dispatcher(cli.store) as dispatcher:
        dispatcher.run_once(ids=[d.id])
    d = svc.delivery(d.id)
    if d.status == "delivered":
        cli.err.print(f"[green]delivered[/green] test delivery {d.id} to {escape(d.webhook_name)}")
        return
    cli.err.print(
        f"[red]test delivery {d.id} to {escape(d.webhook_name)} failed:[/red] "
        f"{escape(d.last_error or 'not sent')}; it stays queued and will be retried"
    )
    raise typer.Exit(1)


@webhooks_app.command("dispatch")
def dispatch(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit.")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", help="Seconds between polls when idle.")
    ] = 1.0,
) -> None:
    """Deliver queued webhook messages in the foreground (the HTTP server also does this).

    Several dispatchers, in any processes, can run at once without sending a delivery twice
    at the same time; stop with Ctrl-C.
    """
    from childsafe.actions import Dispatcher, DispatchReport

    cli: CliContext = ctx.obj
    total = DispatchReport()

    def show(r: DispatchReport) -> None:
        nonlocal total
        total = total + r
        cli.err.print(_report_line(r))

    with Dispatcher(cli.store) as dispatcher:
        if once:
            while True:  # a full batch means more may be due
                r = dispatcher.run_once()
                total = total + r
                if r.claimed < dispatcher.batch:
                    break
            cli.err.print(_report_line(total) if total.claimed else "nothing due")
            return
        cli.err.print("delivering webhooks; Ctrl-C to stop")
        try:
            dispatcher.run_forever(interval, on_pass=show)
        except KeyboardInterrupt:
            cli.err.print(f"stopped: {_report_line(total)}")
