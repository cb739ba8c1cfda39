"""What the platform knows about the accounts, and how it moves a pair's risk.

The lexical stage reads words; it cannot know that "send me a pic when you get there" comes from
the child's mother, or that "how old are you" comes from a 45-year-old on a three-day-old account
who has opened the same way with four other children today. Those facts come from the platform
with every message (:class:`AccountFacts`, :class:`PairFacts`) or from the scorer's own memory
(who started the conversation, how soon the adult asked to move elsewhere, the sender's fan-out).

Every effect is a :class:`Factor`: a named multiplier on the pair's content evidence, with a
sentence saying why. Multipliers above 1 raise the risk, below 1 lower it. Metadata never
creates risk on its own (it multiplies evidence that the conversation supplied), and the
lowering factors together never take the evidence below ``MetadataConfig.floor`` of its value:
a known relative or a group chat with guardians present is reassuring, not an exemption.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ADULT_AGE = 18


class AgeRole(StrEnum):
    """What an account is, by the age it declared."""

    ADULT = "adult"
    MINOR = "minor"
    UNKNOWN = "unknown"


class PairKind(StrEnum):
    """How a tracked pair is scored, by the declared ages of the two sides.

    A pair is ordered: the *adult side* (whose messages count as the ones that may groom) and
    the *minor side*. ``adult_minor`` is the case the scorer exists for. ``unknown_age`` is a
    pair where one age is unknown: treated as adult-to-minor (the conservative reading when a
    child may be involved) with every sign weighted by ``unknown_age_weight``. ``peer_minors``
    is two declared minors: a declared age is only a claim, and adults who register as
    teenagers are exactly who this looks for, so the pair is scored, but with the per-category
    peer weights, because asking each other's age or meeting at the mall is ordinary between
    teenagers. Two declared adults are not tracked.
    """

    ADULT_MINOR = "adult_minor"
    UNKNOWN_AGE = "unknown_age"
    PEER_MINORS = "peer_minors"


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What the platform knows about one account at the time of a message."""

    declared_age: int | None = None
    age_verified: bool = False
    account_age_days: float | None = None

    def __post_init__(self) -> None:
        if self.declared_age is not None and not 0 <= self.declared_age <= 130:
            raise ValueError(f"declared_age out of range: {self.declared_age}")
        if self.account_age_days is not None and self.account_age_days < 0:
            raise ValueError(f"account_age_days must be >= 0: {self.account_age_days}")

    @property
    def role(self) -> AgeRole:
        if self.declared_age is None:
            return AgeRole.UNKNOWN
        return AgeRole.ADULT if self.declared_age >= ADULT_AGE else AgeRole.MINOR


@dataclass(frozen=True, slots=True)
class PairFacts:
    """What the platform knows about two accounts together.

    ``known_relationship`` is what the platform has recorded (``"family"``, ``"teacher"``, or
    another label), ``None`` when it knows nothing. ``guardians_present`` is true when the
    message was sent in a group channel in which a guardian of the child takes part.
    """

    connected: bool = False
    known_relationship: str | None = None
    guardians_present: bool = False


def pair_kind(adult_side: AgeRole, minor_side: AgeRole) -> PairKind | None:
    """How the ordered pair (adult side, minor side) is scored, or ``None`` if it is not.

    A declared adult is never the minor side; a declared minor is the adult side only towards
    another declared minor (an unknown-age account's messages to a minor are scored the other
    way round, as ``unknown_age``).
    """
    if minor_side is AgeRole.ADULT:
        return None
    if adult_side is AgeRole.ADULT:
        return PairKind.ADULT_MINOR if minor_side is AgeRole.MINOR else PairKind.UNKNOWN_AGE
    if adult_side is AgeRole.MINOR:
        return PairKind.PEER_MINORS if minor_side is AgeRole.MINOR else None
    return PairKind.UNKNOWN_AGE


@dataclass(frozen=True, slots=True)
class Factor:
    """One metadata effect: ``multiplier`` on the pair's evidence, and why."""

    name: str
    multiplier: float
    detail: str

    @property
    def raises(self) -> bool:
        return self.multiplier > 1.0


@dataclass(frozen=True, slots=True)
class MetadataConfig:
    """Multipliers for each metadata effect. Names match :attr:`Factor.name`."""

    #: Age gap (adult side's declared age minus the minor's): (minimum gap in years, multiplier),
    #: the largest gap that applies wins.
    age_gap: tuple[tuple[int, float], ...] = ((5, 1.1), (10, 1.15), (20, 1.2))
    verified_adult: float = 1.1
    #: Two declared minors this many years apart are not quite peers.
    minor_age_gap: int = 3
    minor_gap: float = 1.25
    #: The adult side claimed an age in the chat this many years below the declared one (or a
    #: minor's age while declared an adult).
    age_claim_gap: int = 4
    age_claim_mismatch: float = 1.3
    #: Account younger than the first value in days: the second multiplier (smallest match wins).
    new_account: tuple[tuple[float, float], ...] = ((7.0, 1.25), (30.0, 1.1))
    adult_initiated: float = 1.1
    fast_platform_move: float = 1.25
    #: Distinct minors the sender contacted for the first time within the fan-out window.
    fan_out_minors: int = 3
    fan_out: float = 1.2
    similar_openers: float = 1.5
    #: Lowering effects.
    known_family: float = 0.2
    known_teacher: float = 0.35
    known_other: float = 0.7
    guardians_present: float = 0.5
    connected: float = 0.85
    #: Family cues in the conversation (``kinship``): the relationship named (the minor side
    #: called the adult side by a family term, or the adult side introduced themselves by
    #: one); the adult side referred to shared family, household routine or the child's
    #: parents in at least ``kinship_adult_messages`` messages; or both. Not applied when the
    #: platform already records the pair as family, nor after the adult side claimed a
    #: family-like role.
    kinship_minor: float = 0.5
    kinship_adult: float = 0.6
    kinship_both: float = 0.4
    kinship_adult_messages: int = 2
    #: The family register (``register``): once the adult side has written at least
    #: ``family_register_messages`` scored messages and the learned register puts the pair's
    #: probability of being family at ``family_register_min`` or more. Not applied when the
    #: platform records the relationship, nor after the adult side claimed a family-like role.
    family_register: float = 0.5
    family_register_min: float = 0.8
    family_register_messages: int = 2
    #: One of the two ages is unknown: scored as adult-to-minor, discounted by this much.
    unknown_age: float = 0.85
    #: The lowering factors together never take the evidence below this share of its value.
    floor: float = 0.12

    def __post_init__(self) -> None:
        if not 0.0 < self.floor <= 1.0:
            raise ValueError("floor must be in (0, 1]")
        lowering = (
            self.known_family,
            self.known_teacher,
            self.known_other,
            self.guardians_present,
            self.connected,
            self.unknown_age,
            self.kinship_minor,
            self.kinship_adult,
            self.kinship_both,
            self.family_register,
        )
        if not all(0.0 < v <= 1.0 for v in lowering):
            raise ValueError("lowering multipliers must be in (0, 1]")
        if self.kinship_adult_messages < 1:
            raise ValueError("kinship_adult_messages must be at least 1")
        if self.family_register_messages < 1:
            raise ValueError("family_register_messages must be at least 1")
        if not 0.0 <= self.family_register_min <= 1.0:
            raise ValueError("family_register_min must be in [0, 1]")


@dataclass(frozen=True, slots=True)
class PairContext:
    """Everything the metadata effects of one pair depend on, gathered by the scorer."""

    kind: PairKind
    adult: AccountFacts
    minor: AccountFacts
    facts: PairFacts
    adult_initiated: bool | None = None
    #: The lowest age the adult side claimed in the chat, if any.
    claimed_age: int | None = None
    fast_move: bool = False
    #: Minors the sender first contacted within the fan-out window (this one included).
    fan_out: int = 0
    #: Of those, how many were opened with a message similar to this pair's opener.
    similar_openers: int = 0
    #: Family cues (``kinship``): messages of the minor side addressing the adult side with a
    #: family term, messages of the adult side about shared family or household routine,
    #: whether the adult side introduced themselves by a family term, and whether they
    #: claimed a family-like role.
    kin_minor: int = 0
    kin_adult: int = 0
    kin_self: bool = False
    kin_claim: bool = False
    #: The family register's probability that the pair is family, and over how many of the
    #: adult side's messages (``None`` before any was scored).
    register: float | None = None
    register_messages: int = 0


def age_claim_mismatch(claimed: int, declared: int | None, config: MetadataConfig) -> bool:
    """Whether a claimed age is far enough below a declared one to be a lie about age."""
    if declared is None:
        return False
    if declared >= ADULT_AGE > claimed:
        return True
    return declared - claimed >= config.age_claim_gap


def factors(context: PairContext, config: MetadataConfig) -> tuple[Factor, ...]:
    """Every metadata effect that applies to a pair, raising ones first."""
    out: list[Factor] = []
    adult, minor = context.adult, context.minor
    if context.kind is PairKind.ADULT_MINOR:
        assert adult.declared_age is not None and minor.declared_age is not None
        gap = adult.declared_age - minor.declared_age
        chosen = None
        for years, multiplier in config.age_gap:
            if gap >= years:
                chosen = (years, multiplier)
        if chosen is not None:
            out.append(
                Factor(
                    "age_gap",
                    chosen[1],
                    f"declared ages {adult.declared_age} and {minor.declared_age}: "
                    f"{gap} years apart",
                )
            )
        if adult.age_verified:
            out.append(
                Factor("verified_adult", config.verified_adult, "the adult's age is verified")
            )
    elif context.kind is PairKind.PEER_MINORS:
        assert adult.declared_age is not None and minor.declared_age is not None
        gap = adult.declared_age - minor.declared_age
        if gap >= config.minor_age_gap:
            out.append(
                Factor(
                    "minor_age_gap",
                    config.minor_gap,
                    f"declared minors {adult.declared_age} and {minor.declared_age}: "
                    f"{gap} years apart",
                )
            )
    if context.kind is PairKind.UNKNOWN_AGE:
        out.append(
            Factor(
                "unknown_age",
                config.unknown_age,
                "one of the two ages is unknown: scored as adult to minor, discounted",
            )
        )
    if context.claimed_age is not None and age_claim_mismatch(
        context.claimed_age, adult.declared_age, config
    ):
        verified = ", verified" if adult.age_verified else ""
        out.append(
            Factor(
                "age_claim_mismatch",
                config.age_claim_mismatch,
                f"claimed to be {context.claimed_age} in the chat; declared age "
                f"{adult.declared_age}{verified}",
            )
        )
    if adult.account_age_days is not None:
        for days, multiplier in config.new_account:
            if adult.account_age_days < days:
                out.append(
                    Factor(
                        "new_account",
                        multiplier,
                        f"the account is {adult.account_age_days:g} days old (under {days:g})",
                    )
                )
                break
    if context.adult_initiated:
        out.append(
            Factor("adult_initiated", config.adult_initiated, "the adult started the conversation")
        )
    if context.fast_move:
        out.append(
            Factor(
                "fast_platform_move",
                config.fast_platform_move,
                "asked to move to another app or a private channel soon after first contact",
            )
        )
    if context.fan_out >= config.fan_out_minors:
        if context.similar_openers >= config.fan_out_minors:
            out.append(
                Factor(
                    "similar_openers",
                    config.similar_openers,
                    f"the sender opened with similar messages to {context.similar_openers} "
                    f"minors recently ({context.fan_out} new minors in all)",
                )
            )
        else:
            out.append(
                Factor(
                    "fan_out",
                    config.fan_out,
                    f"the sender contacted {context.fan_out} new minors recently",
                )
            )
    known = context.facts.known_relationship
    if known is not None:
        multiplier = {"family": config.known_family, "teacher": config.known_teacher}.get(
            known, config.known_other
        )
        out.append(
            Factor("known_relationship", multiplier, f"the platform records them as {known}")
        )
    kin = kinship_factor(context, config)
    if kin is not None:
        out.append(kin)
    register = register_factor(context, config)
    if register is not None:
        out.append(register)
    if context.facts.guardians_present:
        out.append(
            Factor(
                "guardians_present",
                config.guardians_present,
                "sent in a group channel with a guardian present",
            )
        )
    if context.facts.connected:
        out.append(Factor("connected", config.connected, "the two accounts are connected"))
    return tuple(out)


def kinship_factor(context: PairContext, config: MetadataConfig) -> Factor | None:
    """The ``kinship_cues`` effect, if the conversation shows family cues strong enough.

    Naming the relationship counts more than talking like family: one message in which the
    minor side calls the adult side "mom" or "grandpa", or in which the adult side introduces
    themselves as "grandma" (a claim the child would contradict at once), is enough for
    ``kinship_minor``; the adult side's references to shared family, household routine or
    the child's parents must come in at least ``kinship_adult_messages`` messages for
    ``kinship_adult``. Both lines of evidence together (the relationship named and another
    cue of either side) give ``kinship_both``. Nothing when the platform already records the
    pair as family (the cues would count twice) or when the adult side claimed a family-like
    role.
    """
    if context.kin_claim or context.facts.known_relationship == "family":
        return None
    minor = context.kin_minor
    adult = context.kin_adult
    named = minor >= 1 or context.kin_self
    if named and (adult >= 1 or (minor >= 1 and context.kin_self)):
        value = config.kinship_both
    elif named:
        value = config.kinship_minor
    elif adult >= config.kinship_adult_messages:
        value = config.kinship_adult
    else:
        return None
    parts = []
    if minor:
        parts.append(f"the child called them by a family term in {_times(minor)}")
    if context.kin_self:
        parts.append("they introduced themselves by a family term")
    if adult:
        parts.append(f"they mentioned shared family or household routine in {_times(adult)}")
    return Factor("kinship_cues", value, " and ".join(parts))


def register_factor(context: PairContext, config: MetadataConfig) -> Factor | None:
    """The ``family_register`` effect: the adult side writes the way family writes to a child.

    Learned from conversations, not from a list, so it reaches wordings the family cues do not;
    it needs ``family_register_messages`` of the adult's messages, because one message says
    little about who writes it. Nothing when the platform records the relationship (its own
    factor applies) or after the adult side claimed a family-like role.
    """
    p = context.register
    if (
        p is None
        or context.register_messages < config.family_register_messages
        or p < config.family_register_min
        or context.kin_claim
        or context.facts.known_relationship is not None
    ):
        return None
    return Factor(
        "family_register",
        config.family_register,
        f"the adult's {context.register_messages} messages read like family writing to a "
        f"child (learned register: {p:.0%})",
    )


def _times(n: int) -> str:
    return "1 message" if n == 1 else f"{n} messages"


def multiplier(found: tuple[Factor, ...], floor: float) -> float:
    """The combined multiplier: raising factors times lowering ones, the latter floored."""
    up = 1.0
    down = 1.0
    for f in found:
        if f.multiplier >= 1.0:
            up *= f.multiplier
        else:
            down *= f.multiplier
    return up * max(floor, down)
