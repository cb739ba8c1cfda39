"""``childsafe webhooks``: the secret is printed once, to stdout; tests reach a real receiver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from childsafe.actions import DELIVERY_STATUSES, EVENTS
from childsafe.cli.webhooks import EVENTS_HELP, STATUSES_HELP
from tests.actions.receiver import Receiver, running_receiver
from tests.cli.conftest import Cli


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as r:
        yield r


def test_add_prints_the_secret_once_and_list_never_shows_it(cli: Cli) -> None:
    _, out, err = cli(
        "webhooks", "add", "mod", "https://hooks.example.org/mod", "-e", "scan.review"
    )
    secret = out.strip()
    assert secret.startswith("whsec_") and "\n" not in secret
    assert "will not be shown again" in err and secret not in err

    _, listed, listed_err = cli("webhooks", "list")
    assert "mod" in listed and "scan.review" in listed
    assert secret not in listed + listed_err
    rows = cli.json_lines("webhooks", "list")
    assert rows == [
        {
            "name": "mod",
            "url": "https://hooks.example.org/mod",
            "events": ["scan.review"],
            "enabled": True,
            "pending": 0,
            "created_at": rows[0]["created_at"],
            "removed_at": None,
        }
    ]


def test_errors_are_clear(cli: Cli) -> None:
    code, out, err = cli("webhooks", "add", "x", "ftp://hooks.example.org/", ok=False)
    assert (code, out) == (2, "") and "scheme must be http or https" in err
    _, out, err = cli("webhooks", "add", "x", "https://h.example.org/", "-e", "scan", ok=False)
    assert out == "" and "unknown event 'scan'" in err
    cli("webhooks", "add", "x", "https://hooks.example.org/")
    _, out, err = cli("webhooks", "add", "x", "https://hooks.example.org/", ok=False)
    assert out == "" and "already exists" in err
    _, _, err = cli("webhooks", "remove", "nope", ok=False)
    assert "no webhook named 'nope'" in err
    _, _, err = cli("webhooks", "deliveries", "--status", "done", ok=False)
    assert "use one of pending, delivered, failed" in err
    _, _, err = cli("webhooks", "redeliver", "12345", ok=False)
    assert "no webhook delivery with id 12345" in err


def test_remove_disable_enable(cli: Cli) -> None:
    cli("webhooks", "add", "mod", "https://hooks.example.org/mod")
    _, _, err = cli("webhooks", "disable", "mod")
    assert "disabled" in err
    assert cli.json_lines("webhooks", "list")[0]["enabled"] is False
    _, _, err = cli("webhooks", "test", "mod", ok=False)
    assert "is disabled" in err
    cli("webhooks", "enable", "mod")
    _, _, err = cli("webhooks", "remove", "mod")
    assert "removed webhook mod" in err
    assert cli.json_lines("webhooks", "list") == []
    (gone,) = cli.json_lines("webhooks", "list", "--all")
    assert gone["name"] == "mod" and gone["removed_at"] is not None


def test_empty_list_says_how_to_start(cli: Cli) -> None:
    _, out, err = cli("webhooks", "list")
    assert out == "" and "webhooks add" in err


def test_test_delivers_a_signed_event_now(cli: Cli, receiver: Receiver) -> None:
    _, out, _ = cli("webhooks", "add", "mod", receiver.url, "-e", "case.opened")
    receiver.secret = out.strip()
    _, _, err = cli("webhooks", "test", "mod")
    assert "delivered" in err
    (hit,) = receiver.hits
    assert hit.verified is True and hit.event == "webhook.test"

    (d,) = cli.json_lines("webhooks", "deliveries", "mod")
    assert (d["id"], d["status"], d["attempts"], d["event"]) == (
        int(hit.delivery),
        "delivered",
        1,
        "webhook.test",
    )
    assert d["event_id"] == hit.json()["id"]


def test_failed_test_exits_1_and_shows_in_deliveries(cli: Cli, receiver: Receiver) -> None:
    cli("webhooks", "add", "mod", receiver.url)
    receiver.respond(500)
    code, _, err = cli("webhooks", "test", "mod", ok=False)
    assert code == 1 and "failed: HTTP 500" in err and "will be retried" in err
    (d,) = cli.json_lines("webhooks", "deliveries", "--status", "pending")
    assert (d["attempts"], d["last_error"]) == (1, "HTTP 500")
    _, table, _ = cli("webhooks", "deliveries")
    assert "HTTP 500" in table and "pending" in table

    # redeliver a pending one: due now; then the dispatcher sends it
    _, out, err = cli("webhooks", "redeliver", str(d["id"]))
    assert out.strip() == str(d["id"]) and "due now" in err
    _, _, err = cli("webhooks", "dispatch", "--once")
    assert "1 delivered" in err
    assert [x["status"] for x in cli.json_lines("webhooks", "deliveries")] == ["delivered"]

    # redeliver a delivered one: a new delivery of the same event
    _, out, err = cli("webhooks", "redeliver", str(d["id"]))
    assert int(out) != d["id"] and f"a copy of {d['id']}" in err
    assert cli.json_lines("webhooks", "deliveries", "--status", "pending")[0]["id"] == int(out)


def test_queue_then_dispatch_once(cli: Cli, receiver: Receiver) -> None:
    cli("webhooks", "add", "mod", receiver.url)
    for _ in range(3):
        _, _, err = cli("webhooks", "test", "mod", "--no-send")
        assert "queued test delivery" in err
    assert receiver.hits == []
    assert len(cli.json_lines("webhooks", "deliveries", "--status", "pending")) == 3
    _, _, err = cli("webhooks", "dispatch", "--once")
    assert "3 delivered" in err and len(receiver.hits) == 3
    _, _, err = cli("webhooks", "dispatch", "--once")
    assert "nothing due" in err
    _, _, err = cli("webhooks", "deliveries", "--status", "failed")
    assert "no deliveries failed" in err


def test_help_names_match_the_service() -> None:
    assert EVENTS_HELP == EVENTS
    assert STATUSES_HELP == DELIVERY_STATUSES
