"""The record as the sheets of a workbook (``history -o record.xlsx``): plans of record by
period, which initiatives each period's plan of record holds, every approval and every run."""

from __future__ import annotations

from portfolio_opt.model.layout import APPROVALS, PLAN_OF_RECORD, RECORD_SHEETS, RUNS
from portfolio_opt.store.records import History
from portfolio_opt.workbook.record import Sheet

MONEY = "#,##0"
WHEN = None


def history_sheets(history: History) -> list[Sheet]:
    """The sheets of the record's workbook, in order."""
    records = [
        (
            p.period,
            p.run.id,
            p.at,
            "; ".join(f"{a.by} ({a.role})" for a in p.approvals),
            p.run.objective,
            p.run.total_cost,
            len(p.run.selection or ()),
            p.run.source_name,
            p.run.source_sha256,
        )
        for p in history.plans_of_record
    ]
    approvals = [(a.at, a.period, a.verdict, a.by, a.role, a.run_id, a.note) for a in history.approvals]
    runs = [
        (
            r.at,
            r.id,
            r.command,
            r.source_name,
            r.status,
            r.objective,
            r.gap,
            r.solver,
            len(r.selection) if r.selection is not None else None,
            r.output_name,
        )
        for r in history.runs
    ]
    return [
        Sheet(RECORD_SHEETS.plans_of_record, PLAN_OF_RECORD, records, (None,) * 4 + (MONEY, MONEY, "0")),
        _portfolios(history),
        Sheet(RECORD_SHEETS.approvals, APPROVALS, approvals),
        Sheet(RECORD_SHEETS.runs, RUNS, runs, (None,) * 5 + (MONEY, "0.00%", None, "0")),
    ]


def _portfolios(history: History) -> Sheet:
    """Each initiative (rows) in each period's plan of record (columns): ``in`` where it is."""
    periods = [p.period for p in history.plans_of_record]
    chosen = [set(p.run.selection or ()) for p in history.plans_of_record]
    ids: dict[str, None] = {}
    for p in history.plans_of_record:
        ids.update(dict.fromkeys(p.run.selection or ()))
    rows = [(i, *("in" if i in c else None for c in chosen)) for i in ids]
    return Sheet(RECORD_SHEETS.portfolios, ("ID", *periods), rows)
