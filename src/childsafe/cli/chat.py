"""``childsafe chat ...``: score chat conversations offline, and evaluate the scorer.

``chat score FILE.jsonl`` prints each pair's and sender's risk, band and explanation, and every
band change in the order it happened. ``chat eval DATASET`` prints conversation-level
precision, recall, false-positive rate per relationship type and messages to detection, with
bootstrap intervals, for childsafe and the baselines run on the same messages; with the
semantic extra installed (or ``--semantic``) also childsafe with its embedding stage and
Sentinel's scoring shape over the same embedding model (``sentinel-embed``).

Tables go to stdout; progress and warnings to stderr. ``--json`` prints machine-readable output
instead (one object for ``eval``; JSON lines for ``score``).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Column, Table

from childsafe.cli.chat_semantic import (
    ExemplarsOption,
    PrecisionOption,
    SemanticOption,
    build_stage,
    wanted,
)
from childsafe.cli.context import CliContext

if TYPE_CHECKING:
    from childsafe.grooming.bands import BandChange
    from childsafe.grooming.evaluate import EvaluationReport, MethodResult
    from childsafe.grooming.register import FamilyRegister
    from childsafe.grooming.signmodel import SignModel

chat_app = typer.Typer(
    help="Grooming risk in chat: score conversations offline, evaluate against a dataset.",
    no_args_is_help=True,
)

BANDS_HELP = ("watch", "nudge_child", "restrict_adult", "urgent_review")
T = TypeVar("T")

RegisterOption = Annotated[
    str | None,
    typer.Option(
        "--family-register",
        metavar="shipped|off|FILE",
        help="The learned family register: shipped, off, or a file from "
        "scripts/train_family_register.py (default: CHILDSAFE_CHAT_FAMILY_REGISTER).",
    ),
]


SignModelOption = Annotated[
    str | None,
    typer.Option(
        "--sign-model",
        metavar="shipped|off|FILE",
        help="The learned sign model: shipped, off, or a file from scripts/train_sign_model.py "
        "(default: CHILDSAFE_CHAT_SIGN_MODEL).",
    ),
]


UnbackedOption = Annotated[
    float | None,
    typer.Option(
        "--unbacked-below",
        min=0.0,
        max=0.999,
        metavar="P",
        help="A rule's match that the sign model gives less than P counts at half strength; "
        "0 counts every match in full (default: CHILDSAFE_CHAT_UNBACKED_BELOW).",
    ),
]


VouchedOption = Annotated[
    float | None,
    typer.Option(
        "--vouched-above",
        min=0.0,
        max=0.999,
        metavar="P",
        help="Between two declared minors, a rule's match that the sign model gives at least "
        "P counts at more than the peer weight; 0 turns it off "
        "(default: CHILDSAFE_CHAT_VOUCHED_ABOVE).",
    ),
]


SuspectOption = Annotated[
    int | None,
    typer.Option(
        "--suspect-model-signs",
        min=0,
        max=12,
        metavar="N",
        help="Between two declared minors, one whose messages the sign model reads as N "
        "different signs is scored as a possible adult; 0 turns it off "
        "(default: CHILDSAFE_CHAT_SUSPECT_MODEL_SIGNS).",
    ),
]


def _unbacked(cli: CliContext, value: float | None) -> float:
    return cli.settings.chat_unbacked_below if value is None else value


def _vouched(cli: CliContext, value: float | None) -> float:
    return cli.settings.chat_vouched_above if value is None else value


def _suspect(cli: CliContext, value: int | None) -> int:
    return cli.settings.chat_suspect_model_signs if value is None else value


def _learned(
    cli: CliContext, choice: str | None, option: str, setting: str, load: Callable[[str], T]
) -> T:
    """What ``load`` makes of the option's value (else the setting's); a bad one stops with a
    message naming the option or the setting."""
    try:
        return load(choice or getattr(cli.settings, setting))
    except ValueError as e:
        name = option if choice else f"CHILDSAFE_{setting.upper()}"
        raise cli.fail(f"{name}: {e}") from None


def _sign_model(cli: CliContext, choice: str | None) -> SignModel | None:
    from childsafe.chat.config import sign_model

    return _learned(cli, choice, "--sign-model", "chat_sign_model", sign_model)


def _register(cli: CliContext, choice: str | None) -> FamilyRegister | None:
    from childsafe.chat.config import family_register

    return _learned(cli, choice, "--family-register", "chat_family_register", family_register)


def _read_jsonl(cli: CliContext, path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise cli.fail(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise cli.fail(f"{path} is not UTF-8 text") from None
    records: list[Any] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as e:
            raise cli.fail(f"{path}, line {number}: not JSON ({e.msg})") from None
    if not records:
        raise cli.fail(f"{path} holds no records")
    return records


def _progress(cli: CliContext, label: str) -> Progress:
    show = cli.err.is_terminal and sys.stderr.isatty()
    return Progress(
        TextColumn(f"[bold]{label}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=cli.err,
        transient=True,
        disable=not show,
    )


# -- chat eval -------------------------------------------------------------------------------


def _fmt(value: float, digits: int = 3) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


def _cell(method: MethodResult, key: str, digits: int = 3) -> str:
    value = method.metrics.scalars().get(key, math.nan)
    text = _fmt(value, digits)
    ci = method.intervals.get(key)
    if ci is not None and not math.isnan(value):
        text += f"\n[dim]{_fmt(ci[0], digits)} to {_fmt(ci[1], digits)}[/dim]"
    return text


_ROWS = (
    ("precision", "precision", 3),
    ("recall", "recall", 3),
    ("false-positive rate", "fpr", 3),
    ("messages to detection, median", "median_delay", 1),
    ("messages to detection, p90", "p90_delay", 1),
    ("detected within +3", "within_3", 2),
)


def _print_report(cli: CliContext, report: EvaluationReport) -> None:
    from childsafe.grooming.evaluate import MAX_FPR

    ci = f"; 95% bootstrap intervals, {report.bootstrap} resamples" if report.bootstrap else ""
    names = [m.name.replace("sentinel-shape/", "sentinel/") for m in report.methods]
    summary = Table(
        "",
        *(Column(n, overflow="fold") for n in names),
        title=(
            f"{report.split}: {report.conversations} conversations, {report.messages} "
            f"messages; alert at {report.alert.value}+{ci}"
        ),
    )
    for label, key, digits in _ROWS:
        summary.add_row(label, *(_cell(m, key, digits) for m in report.methods))
    summary.add_row(
        "flagged: risky, benign",
        *(
            f"{m.metrics.true_positives}/{m.metrics.risky}, "
            f"{m.metrics.false_positives}/{m.metrics.benign}"
            for m in report.methods
        ),
    )
    cli.out.print(summary)

    rel = Table("relationship", *(Column(n, overflow="fold") for n in names))
    rel.title = "flagged per relationship (recall if risky, false-positive rate if benign)"
    first = report.methods[0].metrics.by_relationship
    for relationship, risky in first:
        cells = []
        for m in report.methods:
            n, flagged = m.metrics.by_relationship.get((relationship, risky), (0, 0))
            cells.append(f"{flagged}/{n} = {_fmt(flagged / n if n else math.nan, 2)}")
        rel.add_row(f"{relationship} ({'risky' if risky else 'benign'})", *cells)
    cli.out.print(rel)

    ours = report.methods[0].metrics
    if report.split == "heldout":
        recall_ok = ours.recall >= 0.95 and ours.fpr <= MAX_FPR
        delay_ok = not math.isnan(ours.median_delay) and ours.median_delay <= 3
        cli.out.print(
            f"issue targets on held-out: recall >= 0.95 at FPR <= {MAX_FPR:.0%}: "
            f"{'met' if recall_ok else 'NOT met'} (recall {_fmt(ours.recall)}, FPR "
            f"{_fmt(ours.fpr)}); median detection <= earliest alert + 3: "
            f"{'met' if delay_ok else 'NOT met'} ({_fmt(ours.median_delay, 1)})"
        )
    for m in report.methods:
        cli.out.print(f"[bold]{m.name}[/bold]: {escape(m.description)}")
    for note in report.notes:
        cli.out.print(f"note: {escape(note)}")


@chat_app.command("eval")
def eval_(
    ctx: typer.Context,
    dataset: Annotated[
        Path, typer.Argument(help="JSONL conversations in the synthetic set's format.")
    ],
    split: Annotated[
        str, typer.Option("--split", help="heldout (report), dev (tuning) or all.")
    ] = "heldout",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", min=0, help="Bootstrap resamples for the intervals.")
    ] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the bootstrap resampling.")] = 0,
    alert: Annotated[
        str,
        typer.Option(
            "--alert-band",
            help=f"Band that counts as a detection ({', '.join(BANDS_HELP)}).",
        ),
    ] = "nudge_child",
    semantic: SemanticOption = None,
    precision: PrecisionOption = None,
    register: RegisterOption = None,
    signs: SignModelOption = None,
    unbacked: UnbackedOption = None,
    vouched: VouchedOption = None,
    suspect: SuspectOption = None,
) -> None:
    """Precision, recall, FPR per relationship and messages to detection, vs the baselines."""
    from childsafe.grooming.bands import Band
    from childsafe.grooming.evaluate import SPLITS, evaluate
    from childsafe.grooming.labels import LabelError, check_labelled
    from childsafe.grooming.scoring import ScorerConfig
    from childsafe.grooming.semantic.embedder import SemanticUnavailableError

    cli: CliContext = ctx.obj
    semantic = wanted(cli, semantic)
    if split not in SPLITS:
        raise cli.fail(f"--split must be one of {', '.join(SPLITS)}")
    if alert not in BANDS_HELP:
        raise cli.fail(f"--alert-band must be one of {', '.join(BANDS_HELP)}")
    records = _read_jsonl(cli, dataset)
    try:
        check_labelled(records)
    except LabelError as e:
        raise cli.fail(f"{dataset}, {e}") from None
    chosen = [r for r in records if split == "all" or r.get("split") == split]
    if not chosen:
        raise cli.fail(f"{dataset} has no conversations in split {split!r}")
    config = ScorerConfig(
        family_register=_register(cli, register),
        sign_model=_sign_model(cli, signs),
        unbacked_below=_unbacked(cli, unbacked),
        vouched_above=_vouched(cli, vouched),
        suspect_model_signs=_suspect(cli, suspect),
    )
    total = sum(len(r["messages"]) for r in chosen)
    with _progress(cli, "scoring") as progress:
        task = progress.add_task("scoring", total=total)
        try:
            run = evaluate
            if semantic:
                from childsafe.grooming.semantic.evaluate import evaluate_semantic

                run = partial(evaluate_semantic, stage=build_stage(cli, precision, None))
            report = run(
                records,
                config=config,
                split=split,
                alert=Band(alert),
                bootstrap_n=bootstrap,
                seed=seed,
                progress=lambda done, _total: progress.update(task, completed=done),
            )
        except SemanticUnavailableError as e:
            raise cli.fail(str(e)) from None
        except (KeyError, TypeError, ValueError) as e:
            raise cli.fail(f"{dataset}: {e!r}") from None
    if as_json:
        print(json.dumps(report.to_dict()))
        return
    _print_report(cli, report)


# -- chat score ------------------------------------------------------------------------------


@chat_app.command("score")
def score(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="JSONL: conversations (the dataset's format) or single messages."),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines.")] = False,
    show_all: Annotated[
        bool, typer.Option("--all", help="Also list pairs with no warning sign.")
    ] = False,
    semantic: SemanticOption = None,
    precision: PrecisionOption = None,
    exemplars: ExemplarsOption = None,
    register: RegisterOption = None,
    signs: SignModelOption = None,
    unbacked: UnbackedOption = None,
    vouched: VouchedOption = None,
    suspect: SuspectOption = None,
) -> None:
    """Score conversations: each pair's and sender's risk and band, with explanations, and
    every band change in order. Bands, the embedding stage, the family register and the sign
    model are chosen as the server chooses them (CHILDSAFE_CHAT_BANDS, CHILDSAFE_CHAT_SEMANTIC,
    ..._PRECISION, CHILDSAFE_CHAT_FAMILY_REGISTER, CHILDSAFE_CHAT_SIGN_MODEL, ..._UNBACKED_BELOW
    and ..._VOUCHED_ABOVE)."""
    from childsafe.chat.config import scorer_config
    from childsafe.grooming.evaluate import records_to_messages
    from childsafe.grooming.scoring import Scorer

    cli: CliContext = ctx.obj
    try:
        config = replace(scorer_config(cli.settings.chat_bands), keep_quotes=True)
    except ValueError as e:
        raise cli.fail(f"CHILDSAFE_CHAT_BANDS: {e}") from None
    config = replace(
        config,
        family_register=_register(cli, register),
        sign_model=_sign_model(cli, signs),
        unbacked_below=_unbacked(cli, unbacked),
        vouched_above=_vouched(cli, vouched),
        suspect_model_signs=_suspect(cli, suspect),
    )
    records = _read_jsonl(cli, file)
    try:
        messages = records_to_messages(records)
    except ValueError as e:
        raise cli.fail(f"{file}: {e}") from None
    stage = build_stage(cli, precision, exemplars) if wanted(cli, semantic) else None
    scorer = Scorer(config, semantic=stage)
    events: list[BandChange] = []
    with _progress(cli, "scoring") as progress:
        task = progress.add_task("scoring", total=len(messages))
        for number, message in enumerate(messages, 1):
            events.extend(scorer.process(message).events)
            if number % 500 == 0 or number == len(messages):
                progress.update(task, completed=number)
    pairs = [p for a, m in scorer.pairs() if (p := scorer.pair_report(a, m)) is not None]
    pairs = [p for p in pairs if show_all or p.explanation.categories]
    pairs.sort(key=lambda p: (-p.risk, p.adult, p.minor))
    senders = [s for a in scorer.senders() if (s := scorer.sender_report(a)) is not None]
    senders = [s for s in senders if show_all or s.risk > 0]
    senders.sort(key=lambda s: (-s.risk, s.sender))
    if as_json:
        for ev in events:
            print(
                json.dumps(
                    {
                        "type": "band_change",
                        "subject": ev.subject,
                        "account": ev.account,
                        "other": ev.other,
                        "old": ev.old.value,
                        "new": ev.new.value,
                        "risk": round(ev.risk, 4),
                        "time": ev.time,
                        "message_id": ev.message_id,
                    }
                )
            )
        for p in pairs:
            print(json.dumps({"type": "pair", **p.to_dict()}))
        for s in senders:
            print(json.dumps({"type": "sender", **s.to_dict()}))
        return
    asked = f"; the embedding stage was asked about {stage.stats.calls}" if stage else ""
    cli.err.print(
        f"{len(messages)} messages, {len(pairs)} pair(s) with warning signs, "
        f"{len(events)} band change(s); risk as of the last message{asked}"
    )
    if events:
        t = Table("message", "subject", "adult side", "minor side", "band change", "risk")
        t.title = "band changes, in order"
        for ev in events:
            t.add_row(
                escape(ev.message_id),
                ev.subject,
                escape(ev.account),
                escape(ev.other or ""),
                f"{ev.old.value} -> {ev.new.value}",
                f"{ev.risk:.2f}",
            )
        cli.out.print(t)
    if pairs:
        t = Table("adult side", "minor side", "kind", "risk", "band", "signs")
        t.title = "pairs"
        for p in pairs:
            t.add_row(
                escape(p.adult),
                escape(p.minor),
                p.kind.value,
                f"{p.risk:.2f}",
                p.band.value,
                ", ".join(ce.category.value for ce in p.explanation.categories),
            )
        cli.out.print(t)
    if senders:
        t = Table("sender", "risk", "band", "minors", "fan-out", "alike openers", "fast moves")
        t.title = "senders"
        for s in senders:
            t.add_row(
                escape(s.sender),
                f"{s.risk:.2f}",
                s.band.value,
                str(s.minors),
                str(s.fan_out),
                str(s.similar_openers),
                str(s.fast_moves),
            )
        cli.out.print(t)
    for p in pairs:
        if p.explanation.categories:
            cli.out.print(
                f"\n[bold]{escape(p.adult)} -> {escape(p.minor)}[/bold]: risk {p.risk:.2f}, "
                f"{p.band.value}"
            )
            for line in p.explanation.lines(p.risk):
                cli.out.print(f"  {escape(line)}")
    for s in senders:
        cli.out.print(
            f"\n[bold]sender {escape(s.sender)}[/bold]: risk {s.risk:.2f}, {s.band.value}"
        )
        for line in s.lines():
            cli.out.print(f"  {escape(line)}")
