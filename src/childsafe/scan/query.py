"""What a scan looks up for one item, given which matching options the banks switched on.

Query-side variants (the 8 rotations/flips, the border-trimmed image) are computed only when
some bank asked for them, so a deployment that uses none pays for one PDQ hash per upload.
"""

from __future__ import annotations

from dataclasses import dataclass

from childsafe.scan.hashing import HashOutcome
from childsafe.signals import Signal
from childsafe.signals.variants import query_signals

#: signal type → query variant ("" = as uploaded) → signal
Query = dict[str, dict[str, Signal]]


@dataclass(frozen=True)
class QueryOptions:
    dihedral: bool = False
    trim_borders: bool = False


def build_query(outcome: HashOutcome, options: QueryOptions) -> Query:
    query: Query = {name: {"": sig} for name, sig in outcome.signals.items()}
    # Later frames of an animation are the upload too: a known picture hidden in frame 40
    # of a GIF must match every bank, whatever its options.
    for i, frame in enumerate(outcome.frames or []):
        if i and "pdq" in query and frame.value != query["pdq"][""].value:
            query["pdq"][f"frame:{i}"] = frame
    wants_views = options.dihedral or options.trim_borders
    if wants_views and "pdq" in outcome.signals and outcome.content is not None:
        extra = query_signals(
            outcome.content.image(),
            trim_borders=options.trim_borders,
            dihedral=options.dihedral,
            original=outcome.signals["pdq"],
        )
        for variant, sig in extra.items():
            if variant and sig.value != outcome.signals["pdq"].value:
                query["pdq"][variant] = sig
    return query
