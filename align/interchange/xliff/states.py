"""Review statuses as XLIFF states, both ways: `STATES` (docs/review.md prints
the same table) for export, `status_12` and `status_20` for import."""
from __future__ import annotations

from ...document import ORIGIN_REVIEWED, STATUS_APPROVED, STATUS_NEEDS_WORK, STATUS_REVIEWED, STATUS_TRANSLATED, \
    SentencePair

MACHINE = "machine"            # pseudo-status of unreviewed model output
KEEP = "keep"                  # an import state that says nothing: the row keeps its status

# align status → (1.2 state, state-qualifier), (2.0 state, subState); import reads it back.
STATES = {
    MACHINE: (("needs-review-translation", "mt-suggestion"), ("initial", "align:mt")),
    STATUS_TRANSLATED: (("translated", None), ("translated", None)),
    STATUS_REVIEWED: (("signed-off", None), ("reviewed", None)),
    STATUS_APPROVED: (("final", None), ("final", None)),
    STATUS_NEEDS_WORK: (("needs-translation", None), ("initial", "align:needs-work")),
}
STATE_12 = {status: states[0] for status, states in STATES.items()}
STATE_20 = {status: states[1] for status, states in STATES.items()}


def review_state(pair: SentencePair) -> str:
    """The pair's status, or MACHINE for model output nobody reviewed."""
    if pair.origin != ORIGIN_REVIEWED and pair.review_status == STATUS_TRANSLATED:
        return MACHINE
    return pair.review_status


def status_12(state: str | None, qualifier: str | None, approved: str | None = None) -> str:
    """A 1.2 unit's state as an align status (MACHINE: untouched model output;
    KEEP: the state says nothing)."""
    if approved == "yes" or state == "final":
        return STATUS_APPROVED
    if state == "needs-review-translation" and qualifier in ("mt-suggestion", "leveraged-mt"):
        return MACHINE
    if state == "signed-off":
        return STATUS_REVIEWED
    if state == "translated":
        return STATUS_TRANSLATED
    if state in (None, "new"):
        return KEEP
    return STATUS_NEEDS_WORK   # needs-translation, needs-review-*, needs-*-l10n/adaptation


def status_20(state: str | None, sub_state: str | None) -> str:
    """A 2.0 segment's state and subState as an align status (as `status_12`)."""
    if state == "final":
        return STATUS_APPROVED
    if state == "reviewed":
        return STATUS_REVIEWED
    if state == "translated":
        return STATUS_TRANSLATED
    if sub_state == "align:mt":
        return MACHINE
    return KEEP if sub_state is None else STATUS_NEEDS_WORK
