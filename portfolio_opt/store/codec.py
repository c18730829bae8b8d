"""A plan as data the record keeps, and back: every field of the model's plain classes, so a
plan read back from the store is the plan that was recorded (equal, field by field).

Values are JSON with a tag where JSON alone would lose the type: a dataclass by its class name
(only the model's own classes, listed here, are ever made back), an enum member, a tuple (a
list stays a list), a mapping (its keys need not be text), a date, a float JSON cannot write.
Keys are sorted, so one plan gives one text and one digest, wherever it is recorded.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import math
from collections.abc import Callable, Mapping
from typing import Any

from portfolio_opt.model import plan as _plan

#: the classes a recorded plan is made of, by name: nothing else is made back
CLASSES = {
    cls.__name__: cls
    for cls in (
        _plan.Plan,
        _plan.Initiative,
        _plan.Limit,
        _plan.Settings,
        _plan.Table,
        _plan.Scenario,
        _plan.Change,
        _plan.Criteria,
        _plan.CriterionSpec,
    )
}
ENUMS = {
    cls.__name__: cls
    for cls in (
        _plan.Decision,
        _plan.Stage,
        _plan.Objective,
        _plan.Scoring,
        _plan.RiskObjective,
        _plan.Distribution,
        _plan.ChangeKind,
    )
}


def encode(value: Any) -> Any:
    """``value`` (a plan, or any part of one) as JSON data with its types tagged."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if type(value).__name__ in ENUMS and isinstance(value, ENUMS[type(value).__name__]):
        return {"$enum": type(value).__name__, "value": value.value}
    if dataclasses.is_dataclass(value) and type(value).__name__ in CLASSES:
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return {"$": type(value).__name__, **fields}
    if isinstance(value, tuple):
        return {"$tuple": [encode(x) for x in value]}
    if isinstance(value, list):
        return [encode(x) for x in value]
    if isinstance(value, Mapping):
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, _dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, _dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, _dt.time):
        return {"$time": value.isoformat()}
    if isinstance(value, _dt.timedelta):
        return {"$seconds": value.total_seconds()}
    raise TypeError(f"a recorded plan cannot hold {type(value).__name__}: {value!r:.80}")


def decode(data: Any) -> Any:
    """The value :func:`encode` made ``data`` from."""
    if isinstance(data, list):
        return [decode(x) for x in data]
    if not isinstance(data, dict):
        return data
    if "$" in data:
        cls = CLASSES[data["$"]]
        return cls(**{k: decode(v) for k, v in data.items() if k != "$"})
    if "$enum" in data:
        return ENUMS[data["$enum"]](data["value"])
    ((tag, body),) = data.items()
    return _TAGS[tag](body)


_TAGS: dict[str, Callable[[Any], Any]] = {
    "$float": float,
    "$tuple": lambda body: tuple(decode(x) for x in body),
    "$map": lambda body: {decode(k): decode(v) for k, v in body},
    "$datetime": _dt.datetime.fromisoformat,
    "$date": _dt.date.fromisoformat,
    "$time": _dt.time.fromisoformat,
    "$seconds": lambda body: _dt.timedelta(seconds=body),
}


def canonical(data: Any) -> str:
    """JSON data as one text: keys sorted, no spaces, nothing but ASCII."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def plan_text(plan: _plan.Plan) -> str:
    """A plan as the text the record keeps."""
    return canonical(encode(plan))


def plan_from_text(text: str) -> _plan.Plan:
    """The plan :func:`plan_text` wrote."""
    return decode(json.loads(text))


def digest(text: str) -> str:
    """The SHA-256 of a text, in hex: a recorded plan's id is its text's."""
    return hashlib.sha256(text.encode("ascii")).hexdigest()
