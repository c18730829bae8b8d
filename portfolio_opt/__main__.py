"""``python -m portfolio_opt`` is the ``portfolio-opt`` command."""

from portfolio_opt.cli import main

main(prog_name="portfolio-opt")
