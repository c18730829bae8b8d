"""Rebuild the shipped sample workbooks: python scripts/build_sample.py

data/sample_plan.xlsx  the sample portfolio (with a Scenarios sheet)
data/plan_cto.xlsx     the same initiatives with a CTO's hand-made selection (Selected column)
data/plan_cfo.xlsx     ... and a CFO's
data/sample_quarterly.xlsx  the sample planned over 8 quarters (durations, windows, per-quarter limits)
data/sample_risk.xlsx  the sample with ranges, risk groups, a value target and the cvar objective
data/sample_q2.xlsx    the sample at its second-quarter review: work in flight, live models, actuals
data/sample_criteria.xlsx  the sample scored by a committee: criteria, pairwise weights, blend
data/sample_budgets.xlsx  the sample with a Budgets sheet: a budget not yet known, for a funding order
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from portfolio_opt.workbook.sample import (  # noqa: E402
    CFO_PLAN,
    CTO_PLAN,
    write_budgets_sample,
    write_criteria_sample,
    write_q2_sample,
    write_quarterly_sample,
    write_risk_sample,
    write_sample,
)

if __name__ == "__main__":
    data = os.path.normpath(os.path.join(os.path.dirname(__file__), os.pardir, "data"))
    write_sample(os.path.join(data, "sample_plan.xlsx"), force=True)
    write_sample(os.path.join(data, "plan_cto.xlsx"), force=True, selected=CTO_PLAN)
    write_sample(os.path.join(data, "plan_cfo.xlsx"), force=True, selected=CFO_PLAN)
    write_quarterly_sample(os.path.join(data, "sample_quarterly.xlsx"), force=True)
    write_risk_sample(os.path.join(data, "sample_risk.xlsx"), force=True)
    write_q2_sample(os.path.join(data, "sample_q2.xlsx"), force=True)
    write_criteria_sample(os.path.join(data, "sample_criteria.xlsx"), force=True)
    write_budgets_sample(os.path.join(data, "sample_budgets.xlsx"), force=True)
    print(
        f"wrote sample_plan.xlsx, plan_cto.xlsx, plan_cfo.xlsx, sample_quarterly.xlsx, sample_risk.xlsx, "
        f"sample_q2.xlsx, sample_criteria.xlsx, sample_budgets.xlsx in {data}"
    )
