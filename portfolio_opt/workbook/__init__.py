"""Excel in and out: the only part of portfolio_opt that touches openpyxl."""

from portfolio_opt.workbook.reader import RawSheet, RawWorkbook, read_workbook
from portfolio_opt.workbook.results import write_results
from portfolio_opt.workbook.template import write_planning_workbook

__all__ = ["RawSheet", "RawWorkbook", "read_workbook", "write_planning_workbook", "write_results"]
