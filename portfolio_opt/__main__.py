"""``python -m portfolio_opt`` is the ``portfolio-opt`` command."""

from .cli import main

main(prog_name="portfolio-opt")
