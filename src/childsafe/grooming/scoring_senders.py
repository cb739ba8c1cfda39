"""The adult side as a whole: first contacts (fan-out), and sender risk from the riskiest pairs.

One account grooming several children at once shows in no single pair: each pair sees a few
ordinary-looking openers. The sender's state links them (how many minors were first contacted
close together, how many of those openings were alike) and its risk is the noisy-or of its
riskiest pairs, so a sender with several moderately risky pairs outranks each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence

from childsafe.grooming.bands import BandChange
from childsafe.grooming.normalize import Normalized
from childsafe.grooming.scoring_config import ScorerConfig
from childsafe.grooming.scoring_messages import ChatMessage
from childsafe.grooming.scoring_pairs import assess
from childsafe.grooming.scoring_reports import SenderReport
from childsafe.grooming.state import (
    Contact,
    PairState,
    SenderState,
    combine_risks,
    opener_signature,
)


def _sender(senders: MutableMapping[str, SenderState], account: str) -> SenderState:
    sender = senders.get(account)
    if sender is None:
        sender = senders[account] = SenderState()
    return sender


def record_first_contact(
    cfg: ScorerConfig,
    senders: MutableMapping[str, SenderState],
    message: ChatMessage,
    normalized: Normalized,
) -> None:
    """Remember the adult side's first message to a minor, with a signature of its opening
    words, so that later pairs can see how many minors were approached alike."""
    sender = _sender(senders, message.sender)
    contact = Contact(message.recipient, message.time, opener_signature(normalized.words))
    sender.add_contact(
        contact,
        window=cfg.fan_out_window_seconds,
        similarity=cfg.opener_similarity,
        capacity=cfg.contacts_capacity,
    )


def update_sender(
    cfg: ScorerConfig,
    senders: MutableMapping[str, SenderState],
    key: tuple[str, str],
    risk: float,
    now: float,
    message_id: str,
) -> BandChange | None:
    """Record a pair's new risk on its adult side and recombine the sender's risk; return the
    sender's band change, if any."""
    sender = _sender(senders, key[0])
    sender.set_pair_risk(key[1], risk, cfg.sender_pairs_capacity)
    sender_risk = combine_risks(r for _, r in sender.top_pairs(cfg.sender_top_pairs))
    sender.risk = sender_risk
    sender_band = cfg.bands.band_for(sender_risk, sender.band)
    if sender_band is sender.band:
        return None
    event = BandChange(
        "sender", key[0], None, sender.band, sender_band, sender_risk, now, message_id
    )
    sender.band = sender_band
    return event


def sender_report(
    cfg: ScorerConfig,
    weights: Sequence[float],
    sender: str,
    pairs: Mapping[tuple[str, str], PairState],
    senders: Mapping[str, SenderState],
    now: float,
) -> SenderReport | None:
    """The sender's risk at ``now``, from its pairs re-assessed at that time (the risks kept
    in the sender's state are as of each pair's last evaluation)."""
    state = senders.get(sender)
    if state is None:
        return None
    fresh: list[tuple[str, float]] = []
    for minor in list(state.pair_risks):
        pair = pairs.get((sender, minor))
        if pair is not None:
            fresh.append((minor, assess(cfg, weights, (sender, minor), pair, senders, now).risk))
    fresh.sort(key=lambda kv: (-kv[1], kv[0]))
    top = tuple(fresh[: cfg.sender_top_pairs])
    risk = combine_risks(r for _, r in top)
    nearby, similar = state.fan_out()
    return SenderReport(
        sender,
        risk,
        cfg.bands.band_for(risk, state.band),
        state.minors,
        nearby,
        similar,
        state.fast_moves,
        top,
    )
