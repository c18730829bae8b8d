"""Kinds are enums whose members are the workbook's words: a setting given as text becomes its
member, a misspelt kind fails where it is made, and JSON and cells show the same text as before."""

from __future__ import annotations

import json

import pytest

from portfolio_opt import Distribution, RiskObjective, Scoring, Settings
from portfolio_opt.analyses.explain import Task, TaskKind
from portfolio_opt.model.layout import SCORINGS, SETTINGS_ROWS
from portfolio_opt.model.result import Reason, ReasonCode

KINDS = {"scoring": Scoring, "risk_objective": RiskObjective, "distribution": Distribution}


@pytest.mark.parametrize("attr", sorted(KINDS))
def test_a_setting_given_as_text_is_its_member_and_prints_as_that_text(attr):
    kind = KINDS[attr]
    for member in kind:
        s = Settings(**{attr: member.value})
        assert getattr(s, attr) is member
        assert getattr(s.__class__(**{attr: member}), attr) is member
        assert f"{getattr(s, attr)}" == member.value and json.dumps(getattr(s, attr)) == json.dumps(member.value)
    assert getattr(Settings(), attr) is next(iter(kind)), "the first member is the default"
    with pytest.raises(ValueError):
        Settings(**{attr: "no such kind"})


@pytest.mark.parametrize("attr", sorted(KINDS))
def test_the_workbook_offers_exactly_the_members(attr):
    """The Settings sheet's choices (the template's drop-downs, the README's table) are the
    members' words, in the same order."""
    row = next(r for r in SETTINGS_ROWS if r.attr == attr)
    assert row.choices == tuple(m.value for m in KINDS[attr])
    assert row.default == next(iter(KINDS[attr])).value
    if attr == "scoring":
        assert SCORINGS == row.choices


def test_scoring_kinds_say_what_their_scores_are():
    assert [s for s in Scoring if s.is_money] == [Scoring.EXPECTED_VALUE, Scoring.BLEND]
    assert [s for s in Scoring if s.uses_criteria] == [Scoring.WEIGHTED, Scoring.BLEND]
    assert [s for s in Scoring if s.is_formula] == [Scoring.WSJF, Scoring.RICE]


def test_reason_and_task_kinds_are_members_and_refuse_a_misspelling():
    assert Reason("needs").code is ReasonCode.NEEDS
    assert [c for c in ReasonCode if c.no_value] == [
        ReasonCode.NO_VALUE_HORIZON,
        ReasonCode.NO_VALUE_PROBABILITY,
        ReasonCode.NEGATIVE_NPV,
        ReasonCode.NEGATIVE_VALUE,
    ]
    with pytest.raises(ValueError):
        Reason("need")
    assert Task("out", 3) == Task(TaskKind.OUT, 3) and Task("out", 3).kind is TaskKind.OUT
    assert hash(Task("cost", 1)) == hash(Task(TaskKind.COST, 1))
    with pytest.raises(ValueError):
        Task("regret", 3)
