"""The shipped sample portfolio: 40 ML, MLOps and product initiatives of a subscription business.

``scripts/build_sample.py`` writes it to ``data/sample_plan.xlsx``; ``portfolio-opt template
--example`` writes the same workbook anywhere. Figures are invented but plausible: impacts are
annual benefits, costs one-time, FTE columns the team members each initiative needs.
"""

from __future__ import annotations

import datetime
import os

#: (ID, Name, Owner, Theme, Outcome metric, Impact, Probability, Time to value, Cost, Run cost,
#:  Depends on, Exclusive group, Decision, Data eng FTE, ML eng FTE, Product eng FTE, Notes)
ROWS = (
    ("INI-001", "Churn prediction model v2", "A. Okafor", "Retention", "Monthly churn rate", 2_400_000, 0.65, 6, 850_000, 120_000, "INI-004", None, None, 1.0, 2.0, 0.5, "Replaces the 2023 logistic model"),
    ("INI-002", "Save-offer targeting", "A. Okafor", "Retention", "Save rate on cancel flow", 1_300_000, 0.55, 5, 420_000, 40_000, "INI-001", None, None, 0.5, 1.0, 1.0, ""),
    ("INI-003", "Customer health score", "L. Ferreira", "Retention", "Net revenue retention", 900_000, 0.7, 4, 300_000, 30_000, None, None, None, 0.5, 0.5, 0.5, ""),
    ("INI-004", "Feature store", "M. Chen", "Platform", "Model lead time (days)", 1_100_000, 0.8, 6, 1_200_000, 250_000, None, None, None, 2.0, 1.0, 0.0, "Shared by most ML work"),
    ("INI-005", "Model registry and CI/CD for models", "M. Chen", "Platform", "Deploys per month", 700_000, 0.85, 3, 450_000, 60_000, None, None, None, 0.5, 1.0, 0.0, ""),
    ("INI-006", "Drift monitoring", "M. Chen", "Risk", "Incidents caught before customers", 600_000, 0.8, 3, 280_000, 50_000, "INI-005", None, None, 0.5, 0.5, 0.0, ""),
    ("INI-007", "Dynamic pricing experiments", "R. Gupta", "Revenue", "ARPU", 3_000_000, 0.45, 9, 1_100_000, 150_000, None, "Pricing engine", None, 1.0, 2.0, 1.5, "Build in-house"),
    ("INI-008", "Vendor pricing engine", "R. Gupta", "Revenue", "ARPU", 2_200_000, 0.6, 4, 900_000, 420_000, None, "Pricing engine", None, 0.5, 0.0, 1.0, "Buy: licence in run cost"),
    ("INI-009", "Real-time personalization", "S. Novak", "Revenue", "Conversion rate", 2_800_000, 0.5, 10, 1_500_000, 200_000, "INI-004, INI-010", None, None, 2.0, 2.0, 2.0, ""),
    ("INI-010", "Event streaming platform", "M. Chen", "Platform", "Data freshness (minutes)", 500_000, 0.85, 5, 800_000, 180_000, None, None, None, 2.0, 0.0, 0.5, ""),
    ("INI-011", "GDPR data retention automation", "K. Lindqvist", "Risk", "Audit findings", 400_000, 0.95, 3, 350_000, 30_000, None, None, "Must", 1.0, 0.0, 0.5, "Regulatory deadline"),
    ("INI-012", "Fraud detection model", "D. Mensah", "Risk", "Chargeback losses", 1_800_000, 0.6, 6, 700_000, 90_000, "INI-004", None, None, 1.0, 1.5, 0.5, ""),
    ("INI-013", "Demand forecasting for support staffing", "T. Haddad", "Cost", "Support cost per ticket", 650_000, 0.75, 4, 260_000, 25_000, None, None, None, 0.5, 1.0, 0.0, ""),
    ("INI-014", "Support ticket auto-triage (LLM)", "T. Haddad", "Cost", "Tickets resolved without agent", 1_500_000, 0.6, 5, 620_000, 180_000, None, None, None, 0.5, 1.5, 1.0, ""),
    ("INI-015", "Cloud cost optimization for ML training", "M. Chen", "Cost", "Training spend", 800_000, 0.8, 2, 180_000, 0, None, None, None, 0.5, 0.5, 0.0, ""),
    ("INI-016", "Legacy recommender rewrite", "S. Novak", "Revenue", "Click-through rate", 1_200_000, 0.35, 12, 1_300_000, 100_000, None, None, "Exclude", 1.0, 2.0, 2.0, "Deferred by the CTO"),
    ("INI-017", "Next-best-action engine", "S. Novak", "Revenue", "Cross-sell revenue", 2_000_000, 0.5, 9, 950_000, 120_000, "INI-004", None, None, 1.0, 2.0, 1.0, ""),
    ("INI-018", "Onboarding funnel redesign", "P. Alvarez", "Retention", "Day-30 activation", 1_000_000, 0.6, 4, 380_000, 20_000, None, None, None, 0.0, 0.0, 2.0, ""),
    ("INI-019", "In-app guidance experiments", "P. Alvarez", "Retention", "Feature adoption", 550_000, 0.55, 3, 150_000, 10_000, None, None, None, 0.0, 0.0, 1.0, ""),
    ("INI-020", "Data quality checks in pipelines", "M. Chen", "Risk", "Broken dashboards per month", 450_000, 0.9, 2, 200_000, 20_000, None, None, None, 1.0, 0.0, 0.0, ""),
    ("INI-021", "Marketing mix model", "J. Becker", "Revenue", "Marketing ROI", 1_400_000, 0.55, 6, 500_000, 50_000, None, None, None, 1.0, 1.0, 0.0, ""),
    ("INI-022", "Lead scoring model", "J. Becker", "Revenue", "Sales win rate", 900_000, 0.6, 5, 320_000, 30_000, None, None, None, 0.5, 1.0, 0.0, ""),
    ("INI-023", "Payment retry optimization", "R. Gupta", "Revenue", "Involuntary churn", 1_100_000, 0.7, 3, 300_000, 20_000, None, None, None, 0.5, 0.5, 0.5, ""),
    ("INI-024", "Self-serve analytics layer", "L. Ferreira", "Platform", "Ad-hoc requests to data team", 400_000, 0.8, 4, 450_000, 80_000, None, None, None, 1.5, 0.0, 0.5, ""),
    ("INI-025", "Model explainability toolkit", "D. Mensah", "Risk", "Model approvals time", 300_000, 0.75, 3, 220_000, 20_000, "INI-005", None, None, 0.0, 1.0, 0.0, ""),
    ("INI-026", "Search ranking with learning-to-rank", "S. Novak", "Revenue", "Search conversion", 1_600_000, 0.5, 7, 780_000, 80_000, None, None, None, 1.0, 2.0, 1.0, ""),
    ("INI-027", "Warehouse to lakehouse migration", "M. Chen", "Platform", "Query cost", 900_000, 0.65, 9, 1_400_000, 0, None, None, None, 3.0, 0.0, 0.0, "Run cost nets out licence savings"),
    ("INI-028", "Customer lifetime value model", "L. Ferreira", "Retention", "CAC payback", 1_000_000, 0.6, 5, 350_000, 25_000, "INI-004", None, None, 0.5, 1.0, 0.0, ""),
    ("INI-029", "Win-back email personalization", "A. Okafor", "Retention", "Reactivation rate", 700_000, 0.55, 3, 200_000, 30_000, None, None, None, 0.5, 0.5, 0.5, ""),
    ("INI-030", "Access control and PII tagging", "K. Lindqvist", "Risk", "PII exposure incidents", 350_000, 0.9, 4, 300_000, 25_000, None, None, None, 1.0, 0.0, 0.5, ""),
    ("INI-031", "A/B testing platform upgrade", "P. Alvarez", "Platform", "Experiments per quarter", 800_000, 0.75, 4, 520_000, 60_000, None, None, None, 0.5, 0.5, 1.5, ""),
    ("INI-032", "Contact-center speech analytics", "T. Haddad", "Cost", "Average handle time", 950_000, 0.5, 6, 480_000, 110_000, None, None, None, 0.5, 1.5, 0.5, ""),
    ("INI-033", "Invoice anomaly detection", "D. Mensah", "Cost", "Billing errors", 500_000, 0.65, 4, 210_000, 20_000, None, None, None, 0.5, 1.0, 0.0, ""),
    ("INI-034", "Churn survey NLP insights", "A. Okafor", "Retention", "Top churn drivers addressed", 300_000, 0.6, 3, 120_000, 10_000, None, None, None, 0.0, 0.5, 0.0, ""),
    ("INI-035", "Inventory of ML models (model cards)", "D. Mensah", "Risk", "Models documented", 150_000, 0.9, 2, 90_000, 5_000, None, None, None, 0.0, 0.5, 0.0, "Audit asked for it"),
    ("INI-036", "Upsell propensity model", "J. Becker", "Revenue", "Expansion revenue", 1_300_000, 0.55, 6, 480_000, 40_000, "INI-004", None, None, 0.5, 1.5, 0.0, ""),
    ("INI-037", "GPU inference cluster", "M. Chen", "Platform", "Inference latency p95", 600_000, 0.7, 6, 1_000_000, 300_000, None, None, None, 0.5, 1.0, 0.0, ""),
    ("INI-038", "Partner API for data sharing", "R. Gupta", "Revenue", "Partner revenue", 1_000_000, 0.4, 12, 700_000, 60_000, None, None, None, 1.0, 0.0, 2.0, ""),
    ("INI-039", "Agent assist copilot", "T. Haddad", "Cost", "Tickets per agent-hour", 1_700_000, 0.45, 8, 900_000, 220_000, "INI-014", None, None, 0.5, 2.0, 1.5, ""),
    ("INI-040", "Quarterly forecasting automation", "L. Ferreira", "Cost", "Finance hours per close", 250_000, 0.85, 2, 100_000, 5_000, None, None, None, 0.5, 0.0, 0.5, ""),
)

EXTRA_COLUMNS = (
    ("Data eng FTE", "0.0", "Optional. Data engineers needed while it is built."),
    ("ML eng FTE", "0.0", "Optional. ML engineers needed while it is built."),
    ("Product eng FTE", "0.0", "Optional. Product engineers needed while it is built."),
    ("Notes", None, "Optional. Anything; carried through untouched."),
)

CONSTRAINTS = (
    {"Column": "Data eng FTE", "Scope": "All", "Min": None, "Max": 14},
    {"Column": "ML eng FTE", "Scope": "All", "Min": None, "Max": 18},
    {"Column": "Product eng FTE", "Scope": "All", "Min": None, "Max": 12},
    {"Column": "Count", "Scope": "Theme=Risk", "Min": 3, "Max": None},
    {"Column": "Cost", "Scope": "Theme=Platform", "Min": None, "Max": 2_500_000},
)

SETTINGS = (
    ("Budget", 10_000_000),
    ("Horizon (months)", 36),
    ("Discount rate", 0.10),
    ("Objective", "value"),
    ("Solver", "highs"),
    ("Time limit (s)", 60),
)

SCENARIOS = (
    {"Scenario": "Budget cut 15%", "Budget change": -0.15},
    {"Scenario": "Next million", "Budget": 11_000_000},
    {"Scenario": "Higher discount rate", "Discount rate": 0.15},
    {"Scenario": "Data team halved", "Change: Data eng FTE": -0.5},
    {"Scenario": "CTO wants real-time", "Force in": "INI-009"},
    {"Scenario": "Squeeze", "Budget change": -0.15, "Force in": "INI-027", "Description": "cut and migrate anyway"},
)

#: Two hand-made plans for ``compare``: what a CTO and a CFO might each put forward.
CTO_PLAN = ("INI-004", "INI-005", "INI-006", "INI-009", "INI-010", "INI-011", "INI-001", "INI-012",
            "INI-017", "INI-026", "INI-037", "INI-020", "INI-035")
CFO_PLAN = ("INI-011", "INI-015", "INI-023", "INI-040", "INI-013", "INI-003", "INI-019", "INI-008",
            "INI-033", "INI-022", "INI-029", "INI-018", "INI-020", "INI-035", "INI-034", "INI-014", "INI-021")

#: The quarterly version: 8 quarters from 2027-Q1, teams per quarter, a frozen first quarter.
QUARTERLY_SETTINGS = SETTINGS + (
    ("Periods", 8),
    ("Period length (months)", 3),
    ("First period", "2027-Q1"),
)
QUARTERLY_CONSTRAINTS = (
    {"Column": "Data eng FTE", "Scope": "All", "Min": None, "Max": 6, "Period": "each"},
    {"Column": "ML eng FTE", "Scope": "All", "Min": None, "Max": 8, "Period": "each"},
    {"Column": "Product eng FTE", "Scope": "All", "Min": None, "Max": 6, "Period": "each"},
    {"Column": "Cost", "Scope": "All", "Min": None, "Max": 2_500_000, "Period": "each"},
    {"Column": "Cost", "Scope": "All", "Min": None, "Max": 400_000, "Period": "2027-Q1"},
    {"Column": "Count", "Scope": "Theme=Risk", "Min": 3, "Max": None, "Period": None},
)
#: build time in months by ID (the rest take one quarter)
DURATIONS = {
    "INI-001": 6, "INI-004": 9, "INI-007": 6, "INI-009": 9, "INI-010": 6, "INI-012": 6, "INI-014": 6,
    "INI-016": 12, "INI-017": 6, "INI-021": 6, "INI-026": 6, "INI-027": 12, "INI-031": 6, "INI-037": 6,
    "INI-038": 9, "INI-039": 6,
}
#: start windows: the regulatory item must start in the first half of 2027
WINDOWS = {"INI-011": (None, "2027-Q2"), "INI-038": ("2027-Q3", None)}

_HEADERS = (
    "ID", "Name", "Owner", "Theme", "Outcome metric", "Impact (per year)", "Probability",
    "Time to value (months)", "Cost", "Run cost (per year)", "Depends on", "Exclusive group",
    "Decision", "Data eng FTE", "ML eng FTE", "Product eng FTE", "Notes",
)


def sample_rows() -> list[dict]:
    """The sample initiatives as dicts keyed by the template headers."""
    return [{h: (v if v != "" else None) for h, v in zip(_HEADERS, row)} for row in ROWS]


def write_quarterly_sample(path: str | os.PathLike, force: bool = False) -> None:
    """Write the multi-period sample: the same initiatives planned over 8 quarters."""
    from portfolio_opt.workbook.template import write_planning_workbook

    rows = sample_rows()
    for row in rows:
        row["Duration (months)"] = DURATIONS.get(row["ID"], 3)
        earliest, latest = WINDOWS.get(row["ID"], (None, None))
        row["Earliest start"] = earliest
        row["Latest start"] = latest
    extra = EXTRA_COLUMNS + (
        ("Duration (months)", "0", "Multi-period plans: build time in months (default one period)."),
        ("Earliest start", None, "Multi-period plans: first period it may start, e.g. 2027-Q3 (blank = any)."),
        ("Latest start", None, "Multi-period plans: last period it may start (blank = any)."),
    )
    write_planning_workbook(path, initiatives=rows, extra_columns=extra, constraints=QUARTERLY_CONSTRAINTS,
                            settings=QUARTERLY_SETTINGS, force=force, scenarios=QUARTERLY_SCENARIOS)


QUARTERLY_SCENARIOS = (
    {"Scenario": "Budget cut 15%", "Budget change": -0.15},
    {"Scenario": "Data team halved", "Change: Data eng FTE": -0.5},
    {"Scenario": "Q2 frozen too", "Max: Cost [2027-Q2]": 0},
)


def write_sample(path: str | os.PathLike, force: bool = False, selected: tuple[str, ...] | None = None) -> None:
    """Write the sample planning workbook to ``path`` (with a Selected column when given)."""
    from portfolio_opt.workbook.template import write_planning_workbook

    rows = sample_rows()
    extra = EXTRA_COLUMNS
    if selected is not None:
        for row in rows:
            row["Selected"] = "Yes" if row["ID"] in selected else "No"
        extra = EXTRA_COLUMNS + (("Selected", None, "Yes for the initiatives in this plan."),)
    write_planning_workbook(
        path,
        initiatives=rows,
        extra_columns=extra,
        constraints=CONSTRAINTS,
        settings=SETTINGS,
        scenarios=SCENARIOS if selected is None else (),
        force=force,
    )


#: The risk version: ranges, risk groups, a value target and the cvar objective.
RISK_SETTINGS = SETTINGS + (
    ("Value target", 30_000_000),
    ("Risk objective", "cvar"),
    ("Risk weight", 0.5),
    ("Risk level", 0.10),
)
#: initiatives that build on the feature store succeed or fail with it
RISK_GROUPS = {i: "Feature store bets" for i in ("INI-001", "INI-004", "INI-009", "INI-012", "INI-017", "INI-028",
                                                "INI-036")}


def risk_rows() -> list[dict]:
    """The sample initiatives with ranges: long shots (probability below 60%) from 60% to 150%
    of their Impact, the rest ±20%; builds of 700,000 or more may overrun by 25%; values due in
    six months or more may come three months late."""
    rows = sample_rows()
    for row in rows:
        impact, p = row["Impact (per year)"], row["Probability"]
        low, high = (0.6, 1.5) if p < 0.6 else (0.8, 1.2)
        row["Impact low (per year)"] = round(impact * low)
        row["Impact high (per year)"] = round(impact * high)
        row["Cost high"] = round(row["Cost"] * 1.25) if row["Cost"] >= 700_000 else None
        ttv = row["Time to value (months)"]
        row["Time to value high (months)"] = ttv + 3 if ttv >= 6 else None
        row["Risk group"] = RISK_GROUPS.get(row["ID"])
    return rows


def write_risk_sample(path: str | os.PathLike, force: bool = False) -> None:
    """Write the risk sample: the sample portfolio with ranges, risk groups and a cvar objective."""
    from portfolio_opt.workbook.template import write_planning_workbook

    write_planning_workbook(path, initiatives=risk_rows(), extra_columns=EXTRA_COLUMNS, constraints=CONSTRAINTS,
                            settings=RISK_SETTINGS, force=force)


#: The second-quarter review of the sample: what happened since the plan was made on 2027-01-01.
#: ID -> the review columns (and any estimate that moved)
Q2_ROWS = {
    "INI-001": {"Status": "In progress", "Started": "2027-01-01", "Spent to date": 300_000, "Stop cost": 50_000},
    "INI-004": {"Status": "In progress", "Started": "2027-01-01", "Spent to date": 500_000, "Stop cost": 100_000},
    "INI-005": {"Status": "In progress", "Started": "2026-12-01", "Spent to date": 400_000},
    "INI-010": {"Status": "In progress", "Started": "2027-01-01", "Spent to date": 300_000, "Stop cost": 20_000,
                "Impact (per year)": 300_000, "Probability": 0.6},
    "INI-012": {"Status": "In progress", "Started": "2027-02-01", "Spent to date": 200_000, "Stop cost": 30_000},
    "INI-011": {"Status": "Done", "Started": "2026-10-01", "Live since": "2027-01-01", "Actual value to date": 60_000},
    "INI-015": {"Status": "Live", "Live since": "2027-02-01", "Actual value to date": 90_000},
    "INI-020": {"Status": "Live", "Live since": "2027-01-15", "Actual value to date": 10_000, "Retire cost": 5_000},
    "INI-024": {"Status": "Live", "Live since": "2026-10-01", "Actual value to date": 20_000, "Retire cost": 15_000,
                "Impact (per year)": 60_000, "Run cost (per year)": 80_000},
    "INI-035": {"Status": "Live", "Live since": "2027-02-01", "Actual value to date": 0},
    "INI-016": {"Status": "Stopped"},
    "INI-023": {"Cost": 380_000},  # the estimate moved: payment retries cost more than thought
}
Q2_SETTINGS = (
    ("Budget", 8_000_000),
    ("Horizon (months)", 36),
    ("Discount rate", 0.10),
    ("Objective", "value"),
    ("Solver", "highs"),
    ("Time limit (s)", 60),
    ("Review date", datetime.date(2027, 4, 1)),
    ("Run budget", 2_500_000),
)
def q2_rows() -> list[dict]:
    """The sample initiatives as they stand at the second-quarter review."""
    rows = sample_rows()
    for row in rows:
        row.update(Q2_ROWS.get(row["ID"], {}))
    return rows


def write_q2_sample(path: str | os.PathLike, force: bool = False) -> None:
    """Write the second-quarter review of the sample (work in flight, live models, actuals)."""
    from portfolio_opt.workbook.template import write_planning_workbook

    write_planning_workbook(path, initiatives=q2_rows(), extra_columns=EXTRA_COLUMNS,
                            constraints=CONSTRAINTS, settings=Q2_SETTINGS, force=force)


#: The committee's version: three criteria the money does not capture, weighed by pairwise
#: judgments, blended with the expected value.
CRITERIA_COLUMNS = {  # ID -> (Strategic fit 1-5, Customer impact 1-5, Regulatory need 0-10)
    "INI-001": (5, 5, 0), "INI-002": (4, 5, 0), "INI-003": (4, 4, 0), "INI-004": (5, 2, 2), "INI-005": (4, 1, 4),
    "INI-006": (3, 2, 6), "INI-007": (4, 4, 0), "INI-008": (2, 4, 0), "INI-009": (5, 5, 0), "INI-010": (4, 2, 0),
    "INI-011": (2, 1, 10), "INI-012": (3, 4, 7), "INI-013": (2, 2, 0), "INI-014": (3, 4, 0), "INI-015": (2, 1, 0),
    "INI-016": (3, 3, 0), "INI-017": (4, 4, 0), "INI-018": (3, 5, 0), "INI-019": (2, 3, 0), "INI-020": (3, 2, 5),
    "INI-021": (3, 2, 0), "INI-022": (3, 2, 0), "INI-023": (2, 4, 0), "INI-024": (3, 1, 0), "INI-025": (3, 1, 8),
    "INI-026": (4, 4, 0), "INI-027": (4, 1, 2), "INI-028": (4, 3, 0), "INI-029": (2, 3, 0), "INI-030": (3, 2, 9),
    "INI-031": (4, 3, 0), "INI-032": (2, 3, 0), "INI-033": (2, 2, 3), "INI-034": (2, 3, 0), "INI-035": (2, 1, 8),
    "INI-036": (3, 3, 0), "INI-037": (3, 2, 0), "INI-038": (4, 3, 0), "INI-039": (3, 4, 0), "INI-040": (1, 1, 0),
}
CRITERIA_ROWS = (
    {"Criterion": "Strategic fit", "Weight": None, "Scale": "1-5", "Direction": "higher"},
    {"Criterion": "Customer impact", "Weight": None, "Scale": "1-5", "Direction": "higher"},
    {"Criterion": "Regulatory need", "Weight": None, "Scale": "0-10", "Direction": "higher"},
)
#: Saaty's 1-9: strategic fit moderately more important than customer impact (3), strongly
#: more than regulatory need (5); customer impact a little more than regulatory need (2)
PAIRWISE_MATRIX = (
    ("", "Strategic fit", "Customer impact", "Regulatory need"),
    ("Strategic fit", 1, 3, 5),
    ("Customer impact", None, 1, 2),
    ("Regulatory need", None, None, 1),
)
CRITERIA_SETTINGS = SETTINGS + (("Scoring", "blend"), ("Criteria weight", 0.5))


def write_criteria_sample(path: str | os.PathLike, force: bool = False) -> None:
    """Write the committee sample: criteria columns, Criteria and Pairwise sheets, blend scoring."""
    from portfolio_opt.workbook.template import write_planning_workbook

    rows = sample_rows()
    for row in rows:
        fit, customer, regulatory = CRITERIA_COLUMNS[row["ID"]]
        row.update({"Strategic fit": fit, "Customer impact": customer, "Regulatory need": regulatory})
    extra = EXTRA_COLUMNS + (("Strategic fit", "0", "Committee: 1 (none) to 5 (core to the strategy)."),
                             ("Customer impact", "0", "Committee: 1 to 5."),
                             ("Regulatory need", "0", "Committee: 0 (none) to 10 (a legal deadline)."))
    write_planning_workbook(path, initiatives=rows, extra_columns=extra, constraints=CONSTRAINTS,
                            settings=CRITERIA_SETTINGS, force=force, criteria=CRITERIA_ROWS, pairwise=PAIRWISE_MATRIX)
