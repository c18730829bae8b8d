"""Initiative IDs as people type them: which ID a typed text means, and which it most likely
meant when it names none.

Typing mistakes in IDs are of a few kinds, and the closest IDs by plain edit distance are often
the wrong ones (``ini-7`` is one edit from ``INI-017``, ``INI-027`` and ``INI-037``, and four
from ``INI-007``). So texts are first compared as a person reads them: case and separators
ignored, the letter O read as the digit 0 and l as 1, numbers without their zero padding
(``ML-1`` is ``ML-01``); what is still different is counted in edits, a swap of two neighbours
as one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

#: At most this many suggestions are offered
MOST = 3

_O_AS_ZERO = str.maketrans({"o": "0"})
_L_AS_ONE = str.maketrans({"l": "1"})
_SEPARATORS = re.compile(r"[\s\-_./:]+")
_PADDED = re.compile(r"(?<!\d)0+(?=\d)")


@functools.lru_cache(maxsize=1 << 17)
def read_as(text: str) -> str:
    """How a typed ID is read when looking for the ID meant: no case or separators, O as 0 and
    l as 1, no zero padding.

    >>> read_as("ML-01"), read_as("ml 1"), read_as("ML01"), read_as("INI-0O7"), read_as("Cl-100")
    ('m11', 'm11', 'm11', 'ini7', 'c1100')
    """
    # an O among digits is a zero of the number (its padding too); an l becomes 1 only once the
    # padding is gone, or "ML01" would read as the number 101
    unpadded = _PADDED.sub("", text.casefold().translate(_O_AS_ZERO))
    return _SEPARATORS.sub("", unpadded).translate(_L_AS_ONE)


def edits(a: str, b: str, limit: int | None = None) -> int:
    """The fewest insertions, deletions, substitutions and swaps of neighbours that turn ``a``
    into ``b`` (optimal string alignment distance); with ``limit``, any number above it once
    the distance is known to be (what is beyond the limit is not counted out).

    >>> edits("churn", "chrun"), edits("ini17", "ini7"), edits("", "abc"), edits("abc", "xyz", 1) > 1
    (1, 1, 3, True)
    """
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1  # each edit changes the length by one at most
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if limit is not None and min(current) > limit and min(previous) > limit:
            # every later row is at least the smaller of this row's least and the last row's
            # least plus one (a swap reaches back two rows): the distance is past the limit
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def closest(typed: str, ids: Sequence[str]) -> tuple[str, ...]:
    """The IDs ``typed`` most likely meant, closest first; none when no ID stands out.

    IDs are ranked by the edits between their readings (:func:`read_as`), then by the edits
    between the texts as typed (so ``ML-1`` offers ``ML-01`` before ``ML-001``). Offered are
    the IDs read closest, if within a third of the typed length (at least one edit); equally
    close IDs together or not at all: when the closest are tied, nothing says which was meant,
    and a list in some arbitrary order would pretend it does.

    >>> closest("ini-7", [f"INI-{k:03d}" for k in range(1, 41)])
    ('INI-007',)
    >>> closest("INI-41", [f"INI-{k:03d}" for k in range(1, 41)])
    ()
    """
    wanted = read_as(typed)
    if len(wanted) < 2:
        return ()
    reach = max(1, len(wanted) // 3)
    plain = typed.casefold()
    ranked: dict[tuple[int, int], list[str]] = {}
    for initiative_id in ids:
        # (bounded by the reach: a plan of 100,000 IDs is looked through for every unknown one)
        distance = edits(wanted, read_as(initiative_id), reach)
        if distance <= reach:
            ranked.setdefault((distance, edits(plain, initiative_id.casefold())), []).append(initiative_id)
    out: list[str] = []
    for rank in sorted(ranked):
        tier = ranked[rank]
        if (not out and len(tier) > 1) or len(out) + len(tier) > MOST or rank[0] > min(ranked)[0]:
            break  # a tie at the top, too many, or read further than the closest
        out += tier
    return tuple(out)


def did_you_mean(typed: str, ids: Sequence[str]) -> str:
    """The hint a message about an unknown ID ends with: `` (did you mean ML-03?)``, or nothing
    when no ID stands out (:func:`closest`); every place that names an unknown ID says it so.

    >>> did_you_mean("ML-O3", [f"ML-{k:02d}" for k in range(1, 26)])
    ' (did you mean ML-03?)'
    """
    found = closest(typed, ids)
    return f" (did you mean {', '.join(found)}?)" if found else ""
