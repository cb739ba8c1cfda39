"""``childsafe chat check FILE``: is a labelled chat file ready to evaluate or train on?

``chat eval`` and the training scripts stop at the first record that is not a labelled
conversation. An operator labelling their own conversations wants every problem at once, and to
see what the file holds (how many conversations per split, relationship and label, how many
messages carry each sign) before spending a training run on it. No message text is printed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from childsafe.cli.context import CliContext

#: Records listed with their problems, at most; the count of the rest follows.
SHOWN = 50


def check_command(
    ctx: typer.Context,
    dataset: Annotated[
        Path, typer.Argument(help="JSONL conversations in the dataset format (datasets/chat).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Every record's problems, and what the file holds; exit 1 if any record has a problem."""
    from childsafe.cli.chat import _read_jsonl
    from childsafe.grooming.labels import problems

    cli: CliContext = ctx.obj
    records = _read_jsonl(cli, dataset)
    checked = [(number, record, problems(record)) for number, record in enumerate(records, 1)]
    found = [
        {"record": n, "id": r.get("id") if isinstance(r, dict) else None, "problems": wrong}
        for n, r, wrong in checked
        if wrong
    ]
    summary = _summary([record for _, record, wrong in checked if not wrong])
    if as_json:
        print(json.dumps({"records": len(records), **summary, "problems": found}))
    else:
        _print(cli, len(records), summary, found)
    if found:
        raise cli.fail(f"{len(found)} of {len(records)} records have problems", code=1)


def _summary(conversations: list[Any]) -> dict[str, Any]:
    composition = Counter((c["split"], c["relationship"], c["risky"]) for c in conversations)
    signs: Counter[str] = Counter()
    lookalikes: Counter[str] = Counter()
    for c in conversations:
        for m in c["messages"]:
            signs.update(m.get("signs", []))
            lookalikes.update(m.get("lookalike", []))
    return {
        "conversations": len(conversations),
        "messages": sum(len(c["messages"]) for c in conversations),
        "composition": [
            {"split": s, "relationship": r, "risky": k, "conversations": n}
            for (s, r, k), n in sorted(composition.items())
        ],
        "signs": dict(sorted(signs.items())),
        "lookalikes": dict(sorted(lookalikes.items())),
    }


def _print(cli: CliContext, total: int, s: dict[str, Any], found: list[dict[str, Any]]) -> None:
    table = Table("split", "relationship", "label", "conversations")
    for row in s["composition"]:
        label = "risky" if row["risky"] else "benign"
        table.add_row(row["split"], escape(row["relationship"]), label, str(row["conversations"]))
    cli.out.print(table)
    cli.out.print(
        f"{s['conversations']} of {total} records readable, {s['messages']} messages; "
        f"signs: {_counts(s['signs'])}; look-alikes: {_counts(s['lookalikes'])}",
        markup=False,
    )
    for item in found[:SHOWN]:
        name = f" ({item['id']})" if item["id"] else ""
        cli.err.print(f"record {item['record']}{name}: {'; '.join(item['problems'])}", markup=False)
    if len(found) > SHOWN:
        cli.err.print(f"... and {len(found) - SHOWN} more records with problems")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "none"
