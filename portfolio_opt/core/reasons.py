"""Why an initiative is in or out, in words: a :class:`~portfolio_opt.model.result.Reason` is data
(a code and what it names), made into words here, once, and never parsed back."""

from __future__ import annotations

from collections.abc import Iterable

from portfolio_opt.model.figures import short_amount
from portfolio_opt.model.result import Reason, ReasonCode

#: Reasons that are the same words every time
_FIXED = {
    ReasonCode.MUST: "Must",
    ReasonCode.MERIT: "on merit",
    ReasonCode.SELECTED: "selected",
    ReasonCode.EXCLUDED: "Excluded",
    ReasonCode.NO_VALUE_HORIZON: "no value within the horizon",
    ReasonCode.NO_VALUE_PROBABILITY: "no value (probability 0)",
    ReasonCode.NEGATIVE_NPV: "negative value (cost above expected value)",
    ReasonCode.NEGATIVE_VALUE: "negative value",
    ReasonCode.GAP: "within the optimality gap",
    ReasonCode.RISK: "left out for the downside (Risk objective cvar)",
    ReasonCode.DONE: "Done: carried through, not a decision",
    ReasonCode.STOPPED_EARLIER: "Stopped earlier: carried through, not a decision",
}


def reason_text(why: Reason) -> str:
    """A reason in the Ranking's words, e.g. ``on merit; also needed by INI-007`` or
    ``budget, Data eng FTE``.

    >>> reason_text(Reason("needs", (("INI-002", "Excluded"),)))
    'needs INI-002, Excluded'
    """
    if why.code in _FIXED:
        text = _FIXED[why.code]
    elif why.code is ReasonCode.NEEDED_BY:
        text = "needed by " + listed(why.items)
    elif why.code is ReasonCode.MEETS_MIN:
        text = "meets Min " + listed(why.items)
    elif why.code is ReasonCode.NEEDS:
        text = "needs " + "; ".join(f"{x}, {tag}" for x, tag in why.items)
    elif why.code is ReasonCode.EXCLUSIVE_WITH:
        text = "exclusive with " + listed(why.items)
    elif why.code is ReasonCode.LIMITS:
        costly = [f"{name} (the penalty outweighs it)" for name in why.costly]
        others = [x for x in why.items if x != why.main]
        if why.main:  # the one that keeps it out, then the others it would also strain
            text = why.main + (f" (also {listed(others + costly)})" if others or costly else "")
        else:
            text = listed(list(why.items) + costly)
        if why.amounts:
            text += f"; in at a score above {short_amount(why.amounts[0])}"
    elif why.code is ReasonCode.STOP:
        where = f" within {listed(why.items)}" if why.items else ""
        text = f"stop: the remaining {why.amounts[0]:,.0f} earns more elsewhere{where}"
    elif why.code is ReasonCode.RETIRE:
        text = "retire: " + (
            f"keeping it does not fit within {listed(why.items)}"
            if why.items
            else "its benefit does not justify its place"
        )
    elif why.code is ReasonCode.CONFIDENCE:
        over, allowed = why.amounts
        risk = f"its cost could overrun by up to {over:.0%}; " if over > 0 else ""
        text = f"{risk}the budget may be exceeded in at most {allowed:.0%} of worlds (Budget confidence)"
    elif why.code is ReasonCode.RETIRE_COSTLY:
        text = f"retire: run cost {why.amounts[0]:,.0f} a year exceeds its benefit of {why.amounts[1]:,.0f}"
    else:
        raise ValueError(why.code)
    if why.also:
        text += "; also needed by " + listed(why.also)
    if why.hot:
        text += "; runs " + listed(why.hot) + " hot"
    return text


def listed(items: Iterable[str], most: int = 3) -> str:
    """The items in words, each once: ``A, B, C``, or the first ``most`` and how many more
    (``A, B, C and 2 more``).

    >>> listed(["A", "B", "A", "C", "D", "E"])
    'A, B, C and 2 more'
    """
    items = list(dict.fromkeys(items))
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f" and {len(items) - most} more"


def reason_sentence(why: Reason) -> str:
    """A reason as a sentence for ``explain`` (the same data the Ranking's words come from)."""
    code = why.code
    if code is ReasonCode.MUST:
        text = "it is a Must (Decision column)"
    elif code is ReasonCode.MERIT:
        text = "it earns its place: the best portfolio within the limits includes it on its value"
    elif code is ReasonCode.NEEDED_BY:
        text = f"it is needed by {listed(why.items)}, which the best portfolio includes"
    elif code is ReasonCode.EXCLUDED:
        text = "it is Excluded (Decision column)"
    elif code is ReasonCode.NEEDS:
        text = f"it {reason_text(why)}"
    elif code is ReasonCode.EXCLUSIVE_WITH:
        text = f"it is exclusive with {listed(why.items)}, which the best portfolio includes (at most one of its group)"
    elif code.no_value:
        text = f"{reason_text(why)}: selecting it would lower the objective"
    elif code is ReasonCode.GAP:
        text = "it fits, but the search stopped within the optimality gap"
    elif code is ReasonCode.RISK:
        text = (
            "it fits, but the risk-aware objective (Risk objective cvar) prefers a portfolio whose worst "
            "outcomes are better, and this one adds more to the spread than to the mean"
        )
    elif code is ReasonCode.LIMITS and why.main:
        others = [x for x in why.items if x != why.main]
        text = f"{why.main} keeps it out: the room it would take there is worth more than it adds" + (
            f" (it would also strain {listed(others)})" if others else ""
        )
        if why.amounts:
            text += f"; it would be in at a score above {why.amounts[0]:,.0f}"
    elif code is ReasonCode.LIMITS:
        text = f"it does not fit alongside the selected portfolio within these limits: {reason_text(why)}"
    else:
        text = reason_text(Reason(code, why.items, amounts=why.amounts))
    if why.also:
        text += f"; it is also needed by {listed(why.also)}, which the best portfolio includes"
    if why.hot:
        text += f"; it helps run {listed(why.hot)} past its bound, at the penalty the Constraints sheet sets"
    return text + "."
