"""The public surface is explicit: __all__ is sorted and everything in it exists."""

import portfolio_opt


def test_all_is_sorted_and_real():
    names = portfolio_opt.__all__
    assert names == sorted(names)
    for name in names:
        assert hasattr(portfolio_opt, name), name


def test_errors_carry_exit_codes():
    from portfolio_opt import errors

    assert errors.InvalidWorkbook([]).exit_code == 3
    assert errors.Infeasible().exit_code == 4
    assert errors.NoSolver("x").exit_code == 5
    assert issubclass(errors.InvalidWorkbook, ValueError)
