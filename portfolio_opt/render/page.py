"""The page leadership reads: one self-contained HTML file from any workbook this tool writes.

The page renders what the workbook holds (:mod:`.sections` says what, in order; :mod:`.charts`
draws the charts as static SVG), through a Jinja2 template; nothing is fetched from a network
(styles, fonts and charts are inline). ``pdf`` prints it with headless Chromium. Both files are
saved as every file this tool writes is (:func:`portfolio_opt.runtime.atomic.save`): whole or
absent, an existing one replaced only with ``force``.

Needs the ``report`` extra (``pip install "portfolio-opt[report]"``).
"""

from __future__ import annotations

import os
import shutil
import subprocess

from portfolio_opt.model.errors import OutputError, Unavailable, pip_install
from portfolio_opt.render.sections import kind_of, sections
from portfolio_opt.runtime import atomic, stopping
from portfolio_opt.workbook.outputs import read_output


def _need():
    import importlib.util

    missing = [m for m in ("jinja2", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise Unavailable(
            f"the report needs the report extra ({', '.join(missing)} missing): {pip_install('portfolio-opt[report]')}"
        )


def render(path: str | os.PathLike, title: str | None = None) -> str:
    """The page for the workbook at ``path``, as one HTML document."""
    _need()
    import jinja2

    book = read_output(path)
    parts = sections(book)
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("portfolio_opt.render", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
    )
    page = env.get_template("report.html.j2")
    return page.render(
        title=title or f"Portfolio report: {os.path.splitext(book.name)[0]}",
        book=book,
        sections=parts,
        kind=kind_of(book),
    )


def write_report(
    path: str | os.PathLike,
    output: str | os.PathLike,
    title: str | None = None,
    pdf: str | os.PathLike | None = None,
    force: bool = False,
) -> None:
    """Write the leadership page of the workbook at ``path`` (any workbook this tool wrote) to
    ``output``, and with ``pdf`` print it to that PDF too.

    Each file is whole or absent; an existing one is replaced only with ``force``. Raises
    :class:`InvalidWorkbook` for a workbook this tool did not write, :class:`Unavailable` when
    the ``report`` extra (or, for the PDF, Chromium) is missing, :class:`OutputError` when a file
    cannot be written.
    """
    atomic.refuse_existing(output, force)
    if pdf is not None:
        atomic.refuse_existing(pdf, force)  # before the page is made: no half-done work
    text = render(path, title)
    atomic.save(output, lambda _work: text.encode("utf-8"), force)
    if pdf is not None:
        print_pdf(output, pdf, force)


def browser() -> str | None:
    """A headless Chromium on this machine, if any."""
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def print_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike, force: bool = False) -> None:
    """Print the page to PDF with headless Chromium (A4 or Letter, as the page's CSS says)."""
    exe = browser()
    if exe is None:
        raise Unavailable(
            "printing the report to PDF needs Chromium: apt-get install chromium (the HTML works without it)"
        )
    pdf_path = os.fspath(pdf_path)

    def printed(work: str) -> bytes:
        # the browser's profile and its PDF are registered temporaries too: a stop while it
        # prints leaves neither behind
        tmp = os.path.join(work, "page.pdf")
        with stopping.temporary_directory("portfolio-opt-chromium-") as home:
            proc = subprocess.run(
                [
                    exe,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-pdf-header-footer",
                    f"--user-data-dir={home}",
                    f"--print-to-pdf={tmp}",
                    "file://" + os.path.abspath(os.fspath(html_path)),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        if proc.returncode != 0 or not os.path.exists(tmp):
            raise OutputError(f"Chromium could not print {pdf_path}: {proc.stderr.strip()[-300:]}")
        with open(tmp, "rb") as fh:
            return fh.read()

    atomic.save(pdf_path, printed, force)
