"""The scorer's tuning: category weights per direction, decay, breadth, memory caps, bands.

Kept apart from the scorer so that a deployment's configuration (and the evaluation that tuned
it) can be read and built without the per-message machinery. The defaults were tuned on the
dev split only; the held-out split is for reporting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from childsafe.grooming.bands import Band, BandThresholds
from childsafe.grooming.categories import Category
from childsafe.grooming.metadata import MetadataConfig
from childsafe.grooming.register import FamilyRegister, shipped_register
from childsafe.grooming.signmodel import SignModel, shipped_sign_model

_DAY = 86_400.0
C = Category

#: How much one unit of evidence in each category says about grooming. The signs that a
#: child-protection organisation would act on alone (secrecy, isolation, meeting, photos,
#: lying about age) weigh most; asking someone's age weighs least.
DEFAULT_CATEGORY_WEIGHTS: Mapping[Category, float] = {
    C.AGE_PROBING: 0.35,
    C.FLATTERY: 0.5,
    C.EXCLUSIVITY: 0.55,
    C.SECRECY: 1.0,
    C.SUPERVISION_CHECK: 0.5,
    C.ISOLATION: 1.0,
    C.PLATFORM_MOVE: 0.6,
    C.GIFTS: 0.5,
    C.PHOTO_REQUEST: 1.0,
    C.MEETING_REQUEST: 1.0,
    C.PRESSURE: 0.55,
    C.AGE_DECEPTION: 0.9,
}
#: Between two declared minors: what is ordinary between teenagers (asking each other's age,
#: trading skins, meeting at the mall, adding each other elsewhere) counts for little; what is
#: not ordinary between them (secrecy, isolation, exclusivity, playing age down) counts more.
DEFAULT_PEER_WEIGHTS: Mapping[Category, float] = {
    C.AGE_PROBING: 0.1,
    C.FLATTERY: 0.5,
    C.EXCLUSIVITY: 0.6,
    C.SECRECY: 0.7,
    C.SUPERVISION_CHECK: 0.3,
    C.ISOLATION: 0.7,
    C.PLATFORM_MOVE: 0.2,
    C.GIFTS: 0.2,
    C.PHOTO_REQUEST: 0.5,
    C.MEETING_REQUEST: 0.25,
    C.PRESSURE: 0.5,
    C.AGE_DECEPTION: 1.0,
}
#: The minor side's own messages (to the adult side) count for very little: a child asking
#: "how old are you" back, or refusing, is not a warning sign about the child.
DEFAULT_REPLY_WEIGHTS: Mapping[Category, float] = {
    **{c: 0.1 for c in Category},
    C.AGE_PROBING: 0.02,
    C.AGE_DECEPTION: 0.0,
}


@dataclass(frozen=True)
class ScorerConfig:
    """Everything that tunes the scorer. The defaults were tuned on the dev split only."""

    half_life_days: float = 7.0
    category_weights: Mapping[Category, float] = field(
        default_factory=lambda: dict(DEFAULT_CATEGORY_WEIGHTS)
    )
    peer_weights: Mapping[Category, float] = field(
        default_factory=lambda: dict(DEFAULT_PEER_WEIGHTS)
    )
    reply_weights: Mapping[Category, float] = field(
        default_factory=lambda: dict(DEFAULT_REPLY_WEIGHTS)
    )
    scale: float = 1.0
    breadth_bonus: float = 0.2
    #: Just above 0.3, which single weak matches land on exactly (a match of strength 0.6 at
    #: a weight of 0.5, a learned hit of 0.5 at a peer weight of 0.6): one of those alone does
    #: not count as a sign for the breadth credit. At 0.3 it did by floating-point equality;
    #: on dev (each writer left out) 0.31 flagged one teenagers' conversation and one family fewer.
    breadth_min: float = 0.31
    #: Strength given to an age claim that contradicts the declared age (see metadata).
    claim_mismatch_strength: float = 0.9
    #: Two declared minors, one of them an account younger than ``suspect_new_account_days``
    #: and not connected to the other, which has shown this many different signs: scored as
    #: a possible adult from then on, as when it plays its age down. An adult posing as a
    #: teenager declares a teenager's age and says it in the chat, so the age alone cannot give
    #: them away; a fresh account opening cold contact with several kinds of warning sign can.
    #: 0 turns it off.
    suspect_new_account_signs: int = 3
    suspect_new_account_days: float = 30.0
    #: A platform move from the adult side this soon after first contact is a "fast move".
    fast_move_seconds: float = 2 * 3600.0
    #: First contacts within this time of each other count towards a sender's fan-out.
    fan_out_window_seconds: float = 72 * 3600.0
    #: Openers whose estimated word-set Jaccard similarity is at least this are "similar".
    opener_similarity: float = 0.5
    ring_capacity: int = 12
    keep_quotes: bool = True
    quote_chars: int = 60
    #: Smaller additions to a category's evidence are not kept in the explanation ring.
    min_contribution: float = 0.05
    contacts_capacity: int = 16
    sender_pairs_capacity: int = 32
    sender_top_pairs: int = 3
    reevaluate_seconds: float = 3600.0
    semantic_min_band: Band = Band.NUDGE_CHILD
    bands: BandThresholds = field(default_factory=BandThresholds)
    metadata: MetadataConfig = field(default_factory=MetadataConfig)
    #: The learned family register (``register``) that scores the adult side's messages in
    #: pairs the platform does not know; ``None`` turns it off. Its effect is
    #: ``MetadataConfig.family_register``.
    family_register: FamilyRegister | None = field(
        default_factory=shipped_register, compare=False, repr=False
    )
    #: The learned sign model (``signmodel``), run where the embedding stage would be (when
    #: one more message could move the pair's band) and before it; ``None`` turns it off.
    sign_model: SignModel | None = field(
        default_factory=shipped_sign_model, compare=False, repr=False
    )
    #: The embedding stage is called only for messages to which the sign model gives some
    #: category at least this probability (and in which it found none): the rest were, on the
    #: dev data, messages the stage finds nothing in (docs/grooming.md, "the sign model").
    #: 0 calls the stage for every message the gate lets through. Not applied while the stage
    #: holds operators' own positive exemplars or verdicts, which the sign model never saw.
    semantic_floor: float = 0.02
    #: A rule's match in a message from the adult side of a pair (not two declared minors) to
    #: which the sign model gives the rule's category less than ``unbacked_below`` counts at
    #: ``unbacked_factor`` of its strength (``unbacked:<rule>`` in the explanation). Rules read
    #: a few words; the model reads the whole message, and on the dev writers it told a
    #: parent's "ill come get you from swimming" from a stranger's "i could come get you after
    #: school" far better than the words matched (docs/grooming.md, "backing the rules").
    #: 0 turns it off.
    unbacked_below: float = 0.5
    unbacked_factor: float = 0.5
    #: Between two declared minors, a rule's match to which the sign model gives the rule's
    #: category at least ``vouched_above`` counts at ``vouched_weight`` of its strength where
    #: the peer weight is lower (``vouched:<rule>`` in the explanation). The model learned
    #: teenagers' own look-alikes as negatives, so a match it is sure of reads like an adult
    #: posing as a teenager, not like two teenagers trading usernames: leaving one dev writer
    #: out at a time (embedding stage on), it found 80 of 100 such adults instead of 63, at 5
    #: of 300 teenagers' conversations flagged instead of 4 (docs/grooming.md, "vouching
    #: between minors").
    #: 0 turns it off.
    vouched_above: float = 0.9
    vouched_weight: float = 0.6
    #: Two declared minors, one of which has written ``suspect_model_signs`` different signs
    #: that the sign model reads at ``suspect_model_above`` or more (in any of their messages
    #: to the child, with or without a rule's match; such a message also starts tracking the
    #: pair): scored as a possible adult from then on, and the learned stages then read every
    #: message of theirs, past the gate. The model learned teenagers' own look-alikes as
    #: negatives, so several different signs it is sure of read like an adult posing as a
    #: teenager whose evidence the peer weights keep low one sign at a time. Leaving one dev
    #: writer out at a time (embedding stage on), it found 89 of 100 such adults instead of
    #: 80 for the same 5 of 300 teenagers' conversations flagged (docs/grooming.md, "signs the
    #: model reads between minors"). 0 turns it off.
    suspect_model_signs: int = 3
    suspect_model_above: float = 0.8

    def __post_init__(self) -> None:
        for name in ("category_weights", "peer_weights", "reply_weights"):
            table = getattr(self, name)
            missing = [c.value for c in Category if c not in table]
            if missing:
                raise ValueError(f"{name} lacks categories: {missing}")
            if any(not 0.0 <= float(v) <= 1.0 for v in table.values()):
                raise ValueError(f"{name} values must be in [0, 1]")
        if self.half_life_days <= 0 or self.scale <= 0:
            raise ValueError("half_life_days and scale must be positive")
        if not 0.0 <= self.semantic_floor < 1.0:
            raise ValueError("semantic_floor must be in [0, 1)")
        if not 0.0 <= self.unbacked_below < 1.0:
            raise ValueError("unbacked_below must be in [0, 1)")
        if not 0.0 <= self.vouched_above < 1.0:
            raise ValueError("vouched_above must be in [0, 1)")
        if not 0.0 <= self.vouched_weight <= 1.0:
            raise ValueError("vouched_weight must be in [0, 1]")
        if not 0.0 <= self.unbacked_factor <= 1.0:
            raise ValueError("unbacked_factor must be in [0, 1]")
        if self.suspect_new_account_signs < 0 or self.suspect_new_account_days < 0:
            raise ValueError("suspect_new_account_signs and _days must not be negative")
        if self.suspect_model_signs < 0:
            raise ValueError("suspect_model_signs must not be negative")
        if not 0.0 < self.suspect_model_above < 1.0:
            raise ValueError("suspect_model_above must be between 0 and 1")

    @property
    def half_life(self) -> float:
        return self.half_life_days * _DAY
