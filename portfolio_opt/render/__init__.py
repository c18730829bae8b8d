"""Layer 5, rendering: results as JSON for pipelines, as lines for people, and as the
leadership page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


def for_type(obj: Any, table: Mapping[str, Callable]) -> Callable:
    """The function ``table`` holds for ``obj``'s class, named ``module.Class`` (its nearest
    class first). By name, so choosing one loads no module the object did not load itself.
    Raises TypeError for an object no function is for."""
    for cls in type(obj).__mro__:
        found = table.get(f"{cls.__module__}.{cls.__qualname__}")
        if found is not None:
            return found
    raise TypeError(f"not a result of portfolio_opt: {type(obj).__name__}")
