"""Why an initiative is in or out, in words: a :class:`~portfolio_opt.model.plan.Reason` is data
(a code and what it names), made into words here, once, and never parsed back."""

from __future__ import annotations

from portfolio_opt.model.result import Reason

#: Reasons that are the same words every time
_FIXED = {
    "must": "Must",
    "merit": "on merit",
    "selected": "selected",
    "excluded": "Excluded",
    "no-value-horizon": "no value within the horizon",
    "no-value-probability": "no value (probability 0)",
    "negative-npv": "negative value (cost above expected value)",
    "negative-value": "negative value",
    "gap": "within the optimality gap",
    "risk": "left out for the downside (Risk objective cvar)",
    "done": "Done: carried through, not a decision",
    "stopped-earlier": "Stopped earlier: carried through, not a decision",
}


def reason_text(why: Reason) -> str:
    """A reason in the Ranking's words, e.g. ``on merit; also needed by INI-007`` or
    ``budget, Data eng FTE``.

    >>> reason_text(Reason("needs", (("INI-002", "Excluded"),)))
    'needs INI-002, Excluded'
    """
    if why.code in _FIXED:
        text = _FIXED[why.code]
    elif why.code == "needed-by":
        text = "needed by " + listed(why.items)
    elif why.code == "meets-min":
        text = "meets Min " + listed(why.items)
    elif why.code == "needs":
        text = "needs " + "; ".join(f"{x}, {tag}" for x, tag in why.items)
    elif why.code == "exclusive-with":
        text = "exclusive with " + listed(why.items)
    elif why.code == "limits":
        costly = [f"{name} (the penalty outweighs it)" for name in why.costly]
        text = listed(list(why.items) + costly)
    elif why.code == "stop":
        where = f" within {listed(why.items)}" if why.items else ""
        text = f"stop: the remaining {why.amounts[0]:,.0f} earns more elsewhere{where}"
    elif why.code == "retire":
        text = "retire: " + (
            f"keeping it does not fit within {listed(why.items)}"
            if why.items
            else "its benefit does not justify its place"
        )
    elif why.code == "retire-costly":
        text = f"retire: run cost {why.amounts[0]:,.0f} a year exceeds its benefit of {why.amounts[1]:,.0f}"
    else:
        raise ValueError(why.code)
    if why.also:
        text += "; also needed by " + listed(why.also)
    if why.hot:
        text += "; runs " + listed(why.hot) + " hot"
    return text


def listed(items, most: int = 3) -> str:
    items = list(dict.fromkeys(items))
    if len(items) <= most:
        return ", ".join(items)
    return ", ".join(items[:most]) + f" and {len(items) - most} more"


def reason_sentence(why: Reason) -> str:
    """A reason as a sentence for ``explain`` (the same data the Ranking's words come from)."""
    code = why.code
    if code == "must":
        text = "it is a Must (Decision column)"
    elif code == "merit":
        text = "it earns its place: the best portfolio within the limits includes it on its value"
    elif code == "needed-by":
        text = f"it is needed by {listed(why.items)}, which the best portfolio includes"
    elif code == "excluded":
        text = "it is Excluded (Decision column)"
    elif code == "needs":
        text = f"it {reason_text(why)}"
    elif code == "exclusive-with":
        text = f"it is exclusive with {listed(why.items)}, which the best portfolio includes (at most one of its group)"
    elif code.startswith("negative") or code.startswith("no-value"):
        text = f"{reason_text(why)}: selecting it would lower the objective"
    elif code == "gap":
        text = "it fits, but the search stopped within the optimality gap"
    elif code == "risk":
        text = (
            "it fits, but the risk-aware objective (Risk objective cvar) prefers a portfolio whose worst "
            "outcomes are better, and this one adds more to the spread than to the mean"
        )
    elif code == "limits":
        text = f"it does not fit alongside the selected portfolio within these limits: {reason_text(why)}"
    else:
        text = reason_text(Reason(code, why.items, amounts=why.amounts))
    if why.also:
        text += f"; it is also needed by {listed(why.also)}, which the best portfolio includes"
    if why.hot:
        text += f"; it helps run {listed(why.hot)} past its bound, at the penalty the Constraints sheet sets"
    return text + "."
