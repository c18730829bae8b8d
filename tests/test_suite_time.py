"""The default run stays short and --slow runs everything: long cases are skipped only without
--slow, and property tests draw a quarter of their examples by default, all of them with --slow."""

from __future__ import annotations

import conftest
import pytest
from conftest import examples


def test_property_tests_draw_a_quarter_by_default_and_every_example_with_slow(monkeypatch):
    monkeypatch.setattr(conftest, "FULL", False)
    assert [examples(n) for n in (80, 40, 25, 10)] == [20, 10, 6, 5]  # at least 5: a property still searches
    monkeypatch.setattr(conftest, "FULL", True)
    assert [examples(n) for n in (80, 40, 25, 10)] == [80, 40, 25, 10]


def test_this_run_knows_whether_it_is_the_full_one(request):
    assert conftest.FULL is bool(request.config.getoption("--slow"))


def _skipped_as_long(item: pytest.Item) -> bool:
    return any("--slow" in str(m.kwargs.get("reason", "")) for m in item.iter_markers("skip"))


def test_long_cases_are_skipped_only_without_slow(request):
    items = request.session.items
    marked = [item for item in items if "slow" in item.keywords]
    skipped = [item for item in items if _skipped_as_long(item)]
    assert skipped == ([] if conftest.FULL else marked)
