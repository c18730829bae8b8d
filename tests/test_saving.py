"""One way every file is saved (workbooks, the page, its PDF): whole or absent, an existing file
replaced only with force, never a file that appeared meanwhile, nothing left behind by a failure
or a stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLE

from portfolio_opt import OutputError
from portfolio_opt.runtime import atomic


def _work_folders(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(atomic.PREFIX)]


def test_a_new_file_is_written_whole_and_readable(tmp_path):
    out = tmp_path / "page.html"
    atomic.save(out, lambda work: b"<p>hello</p>")
    assert out.read_bytes() == b"<p>hello</p>"
    assert out.stat().st_mode & 0o777 == 0o644
    assert _work_folders(tmp_path) == []


def test_an_existing_file_is_refused_without_force_and_replaced_with_it(tmp_path):
    out = tmp_path / "page.html"
    out.write_bytes(b"old")
    called = []
    with pytest.raises(OutputError, match="already exists.*--force"):
        atomic.save(out, lambda work: called.append(work) or b"new")
    assert called == [], "refused before any work"
    assert out.read_bytes() == b"old"
    atomic.save(out, lambda work: b"new", force=True)
    assert out.read_bytes() == b"new"


def test_a_file_that_appears_while_the_work_runs_is_never_overwritten(tmp_path):
    out = tmp_path / "report.html"

    def produce(work: str) -> bytes:
        out.write_bytes(b"someone else's")  # e.g. a second run with the same -o
        return b"ours"

    with pytest.raises(OutputError, match="already exists"):
        atomic.save(out, produce)
    assert out.read_bytes() == b"someone else's"
    assert _work_folders(tmp_path) == []


def test_the_work_folder_is_beside_the_output_and_gone_after_a_failure(tmp_path):
    seen = []

    def produce(work: str) -> bytes:
        seen.append(work)
        Path(work, "spool.tmp").write_bytes(b"x" * 1000)
        raise OutputError("the disk is full")

    with pytest.raises(OutputError, match="the disk is full"):
        atomic.save(tmp_path / "out.xlsx", produce)
    assert Path(seen[0]).parent == tmp_path
    assert not (tmp_path / "out.xlsx").exists() and _work_folders(tmp_path) == []


def test_a_missing_folder_is_an_output_error(tmp_path):
    with pytest.raises(OutputError, match="cannot write in"):
        atomic.save(tmp_path / "gone" / "out.html", lambda work: b"x")


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="signals (POSIX)")
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stop_while_a_file_is_made_leaves_nothing(tmp_path, signum, code):
    """The work folder is registered with stopping: a signal mid-write removes it."""
    script = textwrap.dedent(
        f"""
        import sys, time
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from portfolio_opt.runtime import atomic, stopping

        def produce(work):
            Path(work, "partial").write_bytes(b"half")
            print("writing", flush=True)
            time.sleep(30)
            return b"never"

        stopping.run_interruptibly(lambda: atomic.save({str(tmp_path / "out.pdf")!r}, produce), lambda code: None)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    assert len(_work_folders(tmp_path)) == 1
    proc.send_signal(signum)
    started = time.perf_counter()
    proc.wait(timeout=10)
    assert proc.returncode == code
    assert time.perf_counter() - started < 2
    assert list(tmp_path.iterdir()) == []


def test_the_page_refuses_an_existing_pdf_before_writing_anything(tmp_path):
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    from portfolio_opt import optimize, read_plan, save_results
    from portfolio_opt.render.page import write_report

    result = tmp_path / "result.xlsx"
    save_results(optimize(read_plan(SAMPLE)), result)
    page, pdf = tmp_path / "page.html", tmp_path / "page.pdf"
    pdf.write_bytes(b"%PDF old")
    with pytest.raises(OutputError, match="page.pdf already exists"):
        write_report(result, page, pdf=pdf)
    assert not page.exists(), "no half of the pair"
    write_report(result, page)
    before = page.read_bytes()
    with pytest.raises(OutputError, match="page.html already exists"):
        write_report(result, page, title="Another")
    assert page.read_bytes() == before
    write_report(result, page, title="Another", force=True)
    assert b"Another" in page.read_bytes() and page.stat().st_mode & 0o777 == 0o644
    assert _work_folders(tmp_path) == []
