"""Rebuild the shipped sample planning workbook: python scripts/build_sample.py"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir))

from portfolio_opt.sample import write_sample  # noqa: E402

if __name__ == "__main__":
    target = os.path.join(os.path.dirname(__file__), os.pardir, "data", "sample_plan.xlsx")
    write_sample(os.path.normpath(target), force=True)
    print(f"wrote {os.path.normpath(target)}")
