"""Grooming scorer throughput (messages/s per core) and memory per tracked pair.

Replays the synthetic chat set (``datasets/chat/synthetic-v1.jsonl``, all splits, every message
merged in time order) through the whole per-message pipeline: text normalisation and the lexical
detector, pair and sender state, metadata effects, bands. One thread, one core; CPU time of the
thread is reported beside wall time because a shared machine's other load inflates wall time.

Two traffic mixes:

- **dataset as is**: 85% of its conversations are between an adult and a minor, the expensive
  case (every message updates a pair). Real traffic is mostly between peers.
- **mostly peers**: the same messages, with the accounts of 80% of the conversations declared as
  two adults or two minors (half each), the rest unchanged. Same texts, so the lexical stage
  costs the same; the difference is the work the scorer skips.

Also measured: the lexical stage alone; the share of messages at which an embedding stage would
be called (``Scorer.could_change_band`` at the default ``semantic_min_band``), counted with a
stand-in stage that finds nothing; bytes per pair (``PairState.nbytes``), for the pairs of the
run and for one pair fed 10,000 messages (the cap).

    nice -n 19 python bench/grooming.py [--repeat 3] [--out bench/results/grooming.md]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from itertools import cycle
from pathlib import Path
from typing import Any

from _machine import describe
from childsafe.grooming import Hit, LexicalDetector
from childsafe.grooming.evaluate import to_messages
from childsafe.grooming.metadata import AccountFacts
from childsafe.grooming.normalize import Normalized
from childsafe.grooming.scoring import ChatMessage, Scorer, ScorerConfig

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = (
    "mix",
    "messages",
    "msgs/s per core (CPU time)",
    "msgs/s (wall)",
    "lexical stage alone, msgs/s (CPU)",
    "us/message (CPU)",
    "no pair updated (adults: not read)",
    "would call an embedding stage",
    "pairs tracked",
    "bytes per pair, mean / max",
    "bytes per sender, mean",
)
HEADER = "| " + " | ".join(COLUMNS) + " |\n|---|" + "---:|" * (len(COLUMNS) - 1)
DATASET = ROOT / "datasets" / "chat" / "synthetic-v1.jsonl"


def load(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def mostly_peers(
    conversations: list[dict[str, Any]],
    share: float,
    seed: int,
    risky_share: float | None = None,
) -> list[ChatMessage]:
    """The dataset's messages with ``share`` of the conversations re-declared as peers.

    ``risky_share`` makes the mix a platform's rather than the data set's. The synthetic set
    is about 40% risky, and re-declaring its risky conversations as peers puts a groomer's
    whole repertoire into teenagers' chats, where every sign opens a pair and the embedding
    stage's gate. With ``risky_share``, only benign conversations are re-declared as peers
    (``share`` of them), and risky conversations are kept, between an adult and a minor, only
    up to ``risky_share`` of the conversations left between an adult and a minor; the rest of
    them are left out of the mix.
    """
    rng = random.Random(seed)
    peer = [rng.random() < share for _ in conversations]
    keep = [True] * len(conversations)
    if risky_share is not None:
        if not 0.0 <= risky_share < 1.0:
            raise ValueError(f"risky_share must lie in [0, 1), not {risky_share}")
        peer = [p and not c["risky"] for c, p in zip(conversations, peer, strict=True)]
        benign = sum(not c["risky"] and not p for c, p in zip(conversations, peer, strict=True))
        risky = [n for n, c in enumerate(conversations) if c["risky"]]
        wanted = round(risky_share * benign / (1.0 - risky_share))
        chosen = set(random.Random(seed + 1).sample(risky, min(wanted, len(risky))))
        keep = [not c["risky"] or n in chosen for n, c in enumerate(conversations)]
    out = []
    for number, conversation in enumerate(conversations):
        if not keep[number]:
            continue
        messages = [m for _, _, m in to_messages([conversation])]
        if peer[number]:
            ages = (30, 34) if number % 2 else (14, 15)
            facts = {
                account: AccountFacts(declared_age=age, account_age_days=400)
                for account, age in zip(conversation["accounts"], ages, strict=True)
            }
            messages = [
                replace(m, sender_facts=facts[m.sender], recipient_facts=facts[m.recipient])
                for m in messages
            ]
        out.extend(messages)
    out.sort(key=lambda m: m.time)
    return out


class CountingStage:
    """Stand-in for an embedding stage: finds nothing, counts how often it is asked."""

    def __init__(self) -> None:
        self.calls = 0

    def detect(
        self, message: ChatMessage, normalized: Normalized, lexical: Sequence[Hit]
    ) -> Sequence[Hit]:
        self.calls += 1
        return ()


def timed(run: Callable[[], object]) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.thread_time()
    run()
    return time.perf_counter() - t0, time.thread_time() - c0


def throughput(
    messages: list[ChatMessage],
    detector: LexicalDetector,
    repeat: int,
    config: ScorerConfig | None = None,
) -> dict[str, Any]:
    walls, cpus = [], []
    scorer = Scorer(config, detector=detector)
    for _ in range(repeat):
        scorer = Scorer(config, detector=detector)  # fresh state, warm token caches
        process = scorer.process
        wall, cpu = timed(lambda: [process(m) for m in messages])  # noqa: B023
        walls.append(wall)
        cpus.append(cpu)
    stats = scorer.memory()
    return {
        "wall": min(walls),
        "cpu": min(cpus),
        "pairs": stats.pairs,
        "mean_pair": stats.mean_pair_bytes,
        "max_pair": stats.max_pair_bytes,
        "sender_bytes": stats.sender_bytes / stats.senders if stats.senders else 0.0,
    }


def lexical_only(messages: list[ChatMessage], detector: LexicalDetector, repeat: int) -> float:
    texts = [m.text for m in messages]
    detect = detector.detect
    return min(timed(lambda: [detect(t) for t in texts])[1] for _ in range(repeat))


def semantic_share(messages: list[ChatMessage], detector: LexicalDetector) -> tuple[int, int]:
    stage = CountingStage()
    # The gate's own share: without the sign model, which would answer some of them first.
    scorer = Scorer(ScorerConfig(sign_model=None), detector=detector, semantic=stage)
    skipped = 0
    for m in messages:
        skipped += scorer.process(m).skipped
    return stage.calls, skipped


def capped_pair(detector: LexicalDetector) -> tuple[int, int]:
    """Bytes of one pair after 10,000 messages full of signs, and of a pair with no sign."""
    texts = cycle(
        [
            "keep this our little secret ok?",
            "your parents just don't understand you",
            "wanna meet irl?",
            "you're really mature for your age",
            "how old are you?",
            "can i see a pic of you?",
            "add me on whisprr",
            "i can get you 500 gems if you want",
            "are your parents home?",
            "nobody gets you like i do",
            "why are you ignoring me",
            "age is just a number anyway",
            "what are you up to?",
        ]
    )
    adult = AccountFacts(declared_age=41, account_age_days=3)
    minor = AccountFacts(declared_age=13, account_age_days=300)
    scorer = Scorer(detector=detector)
    for i in range(10_000):
        scorer.process(
            ChatMessage(f"cap-{i}", float(i), "acct_a", "acct_k", next(texts), adult, minor)
        )
    scorer.process(ChatMessage("quiet-0", 0.0, "acct_a", "acct_q", "hey there", adult, minor))
    full = scorer.pair_state("acct_a", "acct_k")
    quiet = scorer.pair_state("acct_a", "acct_q")
    assert full is not None and quiet is not None
    return full.nbytes(), quiet.nbytes()


def bench_config(signs: bool, unbacked_below: float | None) -> ScorerConfig:
    """The scorer's defaults, with or without the sign model, and its floor if given."""
    config = ScorerConfig() if signs else ScorerConfig(sign_model=None)
    if unbacked_below is not None:
        config = replace(config, unbacked_below=unbacked_below)
    return config


def add_unbacked_option(ap: argparse.ArgumentParser) -> None:
    """``--unbacked-below``, for both grooming benchmarks."""
    ap.add_argument(
        "--unbacked-below",
        type=float,
        default=None,
        help="the sign model's floor for backing the rules' matches (default: the scorer's; "
        "0 turns it off)",
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", type=Path, default=DATASET, help="JSONL conversations")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per mix (best counts)")
    ap.add_argument("--peer-share", type=float, default=0.8, help="share re-declared as peers")
    ap.add_argument("--seed", type=int, default=1, help="which conversations become peers")
    ap.add_argument(
        "--sign-model",
        choices=("shipped", "off"),
        default="shipped",
        help="score with the shipped sign model (the default) or without it",
    )
    add_unbacked_option(ap)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "grooming.md")
    args = ap.parse_args()
    config = bench_config(args.sign_model == "shipped", args.unbacked_below)

    conversations = load(args.dataset)
    as_is = [m for _, _, m in to_messages(conversations)]
    peers = mostly_peers(conversations, args.peer_share, args.seed)
    detector = LexicalDetector()
    for m in as_is:  # warm the normaliser's token cache once, as a long-running worker has it
        detector.detect(m.text)

    rows = []
    rates = []
    unique = len({m.text for m in as_is})
    for label, messages in (
        ("dataset as is", as_is),
        (f"mostly peers ({args.peer_share:.0%})", peers),
    ):
        r = throughput(messages, detector, args.repeat, config)
        lex = lexical_only(messages, detector, args.repeat)
        calls, skipped = semantic_share(messages, detector)
        n = len(messages)
        rows.append(
            f"| {label} | {n:,} | {n / r['cpu']:,.0f} | {n / r['wall']:,.0f} | "
            f"{n / lex:,.0f} | {1e6 * r['cpu'] / n:.1f} | {skipped / n:.0%} | {calls / n:.1%} | "
            f"{r['pairs']:,} | {r['mean_pair']:,.0f} / {r['max_pair']:,} | "
            f"{r['sender_bytes']:,.0f} |"
        )
        rates.append(n / r["cpu"])
        print(rows[-1], flush=True)
    full, quiet = capped_pair(detector)

    command = (
        "nice -n 19 python bench/grooming.py"
        + (f" --repeat {args.repeat}" if args.repeat != 3 else "")
        + (" --sign-model off" if args.sign_model == "off" else "")
        + (f" --unbacked-below {args.unbacked_below:g}" if args.unbacked_below is not None else "")
    )
    md = f"""# Grooming scorer: throughput and memory

Command: `{command}`

{describe(["numpy"], note="shared machine")}

Pipeline per message: normalisation + lexical detector, pair and sender state, metadata
effects, bands (`childsafe.grooming.scoring.Scorer.process`). One thread; best of
{args.repeat} passes, each with a fresh scorer and the detector's token cache warm (as in a
long-running worker). The dataset has {len(conversations)} conversations; its messages are
replayed in time order.

{HEADER}
{chr(10).join(rows)}

- **Memory cap.** One adult-minor pair fed 10,000 messages full of signs holds {full:,} bytes
  (12 category slots, a ring of 12 message references with quotes of at most 60 characters);
  a pair with no sign yet holds {quiet:,} bytes. The arrays are allocated on the first sign,
  so most pairs stay at the small size. Counted by `PairState.nbytes` (object, arrays, ring,
  strings, fact objects counted even when shared: an upper bound).
- **No pair updated**: messages between two declared adults, which no stage reads, and
  between two declared minors before any sign, after which only the lexical stage ran.
- **Embedding stage**: the share of messages for which `could_change_band` held (one more
  message could lift the pair to `nudge_child` or higher), i.e. where a semantic stage would
  run; measured with a stand-in that finds nothing.
- **Issue target**: at least 5,000 messages/s per core through the whole pipeline; the
  slowest mix here runs at {min(rates):,.0f} (CPU time). On this shared 2-vCPU machine even
  the CPU-time figures move by about a quarter between runs with the neighbours' load.
- **Caveats.** The set has {unique:,} distinct texts among {len(as_is):,} messages, short
  synthetic chat lines. Nothing caches whole messages; the normaliser memoises per *token*
  (chat vocabulary is small, so a long-running worker has the same advantage), and the cache
  was warmed before timing. Longer or more varied real messages cost more per message (the
  lexical stage's cost grows with the number of words and candidate phrases). The embedding
  share is an upper bound from a loose gate (it assumes the stage could find the most valuable
  missing sign at full strength); in real traffic, where adult-minor pairs are a small share,
  it is lower still.
"""
    args.out.write_text(md)
    print(md)


if __name__ == "__main__":
    main()
