"""The page leadership reads: one self-contained HTML file from any workbook this tool writes.

The page renders what the workbook holds (:mod:`.sections` says what, in order; :mod:`.charts`
draws the charts as static SVG), through a Jinja2 template; nothing is fetched from a network
(styles, fonts and charts are inline). ``pdf`` prints it with headless Chromium.

Needs the ``report`` extra (``pip install "portfolio-opt[report]"``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

from portfolio_opt.model.errors import OutputError, Unavailable
from portfolio_opt.render.sections import kind_of, sections
from portfolio_opt.workbook.outputs import read_output


def _need():
    import importlib.util

    missing = [m for m in ("jinja2", "matplotlib") if importlib.util.find_spec(m) is None]
    if missing:
        raise Unavailable(
            f'the report needs the report extra ({", ".join(missing)} missing): pip install "portfolio-opt[report]"'
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
    """Write the page for the workbook at ``path`` to ``output`` (and print it to ``pdf``),
    each to a temporary name first, so a file is whole or absent."""
    text = render(path, title)
    _atomic_write(output, text.encode("utf-8"), force)
    if pdf is not None:
        print_pdf(output, pdf, force)


def _atomic_write(path, data: bytes, force: bool) -> None:
    path = os.fspath(path)
    if os.path.exists(path) and not force:
        raise OutputError(f"{path} already exists: pass --force to replace it")
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)  # as any file written here (mkstemp makes it private)
        os.replace(tmp, path)
    except OSError as exc:
        raise OutputError(f"{path} could not be written ({exc.strerror})") from None


def browser() -> str | None:
    """A headless Chromium on this machine, if any."""
    return next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)


def print_pdf(html_path, pdf_path, force: bool = False) -> None:
    """Print the page to PDF with headless Chromium (A4 or Letter, as the page's CSS says)."""
    exe = browser()
    if exe is None:
        raise Unavailable(
            "printing the report to PDF needs Chromium: apt-get install chromium (the HTML works without it)"
        )
    pdf_path = os.fspath(pdf_path)
    if os.path.exists(pdf_path) and not force:
        raise OutputError(f"{pdf_path} already exists: pass --force to replace it")
    with tempfile.TemporaryDirectory() as home:
        tmp = os.path.join(home, "out.pdf")
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
            _atomic_write(pdf_path, fh.read(), True)
