"""The plan of record, on SQLite and on a real PostgreSQL: the lifecycle (record, approve by two
roles, plan of record, immutable; reject), an edited workbook refused, diff attribution on the
Q1 to Q2 samples, review from the store equal to review from the files, tamper evidence (edit,
delete, reorder), 8 processes x 25 events, a process killed mid-record, migrations from an older
schema, and a store that cannot be used."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, SAMPLE, run_cli

import portfolio_opt as po
from portfolio_opt.store import migrate, schema
from portfolio_opt.store.codec import plan_from_text, plan_text

Q2 = ROOT / "data" / "sample_q2.xlsx"
PG_ROLE = "portfolio_opt_test"


# --------------------------------------------------------------------------- the two databases


def _postgres_admin() -> str:
    """A URL of a PostgreSQL role that may create databases: PORTFOLIO_OPT_TEST_PG, else this
    machine's cluster, started if need be, with a test role made by the postgres user."""
    if os.environ.get("PORTFOLIO_OPT_TEST_PG"):
        return os.environ["PORTFOLIO_OPT_TEST_PG"]
    if not shutil.which("pg_lsclusters"):
        raise RuntimeError("no PostgreSQL here (pg_lsclusters not found; apt-get install postgresql)")
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True, timeout=30).stdout.split()
    if not clusters:
        raise RuntimeError("no PostgreSQL cluster on this machine")
    version, name, port = clusters[0], clusters[1], clusters[2]
    if "online" not in clusters[3]:
        started = subprocess.run(["pg_ctlcluster", version, name, "start"], capture_output=True, text=True, timeout=60)
        if started.returncode != 0:
            raise RuntimeError(f"cannot start the cluster {version}/{name}: {started.stderr.strip()}")
    sql = (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PG_ROLE}') THEN "
        f"CREATE ROLE {PG_ROLE} LOGIN CREATEDB PASSWORD '{PG_ROLE}'; END IF; END $$;"
    )
    made = subprocess.run(
        ["su", "postgres", "-c", f"psql -q -p {port} -v ON_ERROR_STOP=1"],
        input=sql,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if made.returncode != 0:
        raise RuntimeError(f"cannot make the test role: {made.stderr.strip()}")
    return f"postgresql://{PG_ROLE}:{PG_ROLE}@127.0.0.1:{port}/postgres"


@pytest.fixture(scope="session")
def postgres_admin():
    try:
        admin = _postgres_admin()
        import psycopg

        psycopg.connect(admin.replace("postgresql+psycopg", "postgresql"), connect_timeout=10).close()
    except Exception as exc:  # no server can be had here: say why
        pytest.skip(f"PostgreSQL is not available: {exc}")
    return admin


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def db(request, tmp_path):
    """A new, empty store's URL, on each database (PostgreSQL's with --slow, as CI runs them: a
    real server's setup and teardown per test would double the default run)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'record.db'}"
        return
    import psycopg

    admin = request.getfixturevalue("postgres_admin")
    name = f"po_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield admin.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _sql(url: str, *statements: str) -> None:
    """Run statements on a store as its owner (outside the library, as a tamperer would)."""
    store = po.open_store(url)
    try:
        with store.engine.connect() as conn, conn.begin():
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        store.close()


def _drop_triggers(url: str) -> None:
    if url.startswith("sqlite"):
        names = [
            f"{t}_no_{a}"
            for t in ("events", "plans", "runs", "approvals", "policies", "records")
            for a in ("update", "delete")
        ]
        _sql(url, *(f"DROP TRIGGER {n}" for n in names))
    else:
        tables = ("events", "plans", "runs", "approvals", "policies", "records")
        _sql(url, *(f"DROP TRIGGER {t}_append_only ON {t}" for t in tables))


@pytest.fixture(scope="module")
def q1_result():
    return po.optimize(po.read_plan(SAMPLE))


def _recorded(url: str, tmp_path: Path, plan=SAMPLE, name: str = "q1.xlsx", *extra: str) -> Path:
    out = tmp_path / name
    proc = run_cli("optimize", plan, "-o", out, "--explain-limit", "0", "--db", url, *extra)
    assert proc.returncode == 0, proc.stderr
    assert "Recorded run" in proc.stdout
    return out


# --------------------------------------------------------------------------- the lifecycle


@pytest.mark.slow
def test_record_approve_by_two_roles_plan_of_record_immutable_and_reject(db, tmp_path):
    q1 = _recorded(db, tmp_path)
    run_id = dict(openpyxl.load_workbook(q1)["Run info"].iter_rows(values_only=True))["Run ID"]
    assert len(run_id) == 12
    proc = run_cli("policy", "--require", "Finance", "--require", "Product", "--by", "PMO", "--db", db)
    assert proc.returncode == 0 and "Finance and Product must each approve" in proc.stdout

    proc = run_cli("approve", q1, "--by", "Ann Lee", "--role", "Finance", "--period", "2027q1", "--db", db, "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0 and data["missing"] == ["Product"] and data["plan_of_record"] is None
    proc = run_cli(
        "reject", q1, "--by", "Bo Chen", "--role", "Product", "--period", "2027-Q1", "--note", "no churn", "--db", db
    )
    assert proc.returncode == 0, proc.stderr
    assert run_cli("reject", q1, "--by", "Bo", "--role", "Product", "--db", db).returncode == 2  # a note is required

    proc = run_cli("approve", q1, "--by", "Bo Chen", "--role", "product", "--period", "2027-Q1", "--db", db, "--json")
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    settled = data["plan_of_record"]
    assert settled["period"] == "2027-Q1" and settled["run_id"] == run_id
    assert [a["role"] for a in settled["approved_by"]] == ["Finance", "product"]
    with po.open_store(db) as store:
        assert store.plan_of_record("2027-Q1").run.selection == po.optimize(po.read_plan(SAMPLE)).selected

    # immutable: another approval is refused with the reason, and the database refuses an edit
    proc = run_cli("approve", q1, "--by", "Cy", "--role", "CEO", "--period", "2027-Q1", "--db", db)
    assert proc.returncode == 10 and "cannot change" in proc.stderr
    with pytest.raises(po.StoreError, match="append-only"):
        with po.open_store(db) as store, store._writing() as conn:
            conn.exec_driver_sql("UPDATE records SET run_id = 'x' WHERE period = '2027-Q1'")
    with pytest.raises(po.StoreError, match="append-only"):
        with po.open_store(db) as store, store._writing() as conn:
            conn.exec_driver_sql("DELETE FROM approvals")

    proc = run_cli("history", "--db", db, "--json")
    history = json.loads(proc.stdout)
    assert [(a["verdict"], a["role"]) for a in history["approvals"]] == [
        ("approved", "Finance"),
        ("rejected", "Product"),
        ("approved", "product"),
    ]
    assert history["policy"]["require"] == ["Finance", "Product"] and len(history["runs"]) == 1
    assert run_cli("history", "--db", db, "-o", tmp_path / "record.xlsx").returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "record.xlsx")
    assert wb.sheetnames == ["Plans of record", "Portfolio by period", "Approvals", "Runs"]
    assert wb["Plans of record"]["A2"].value == "2027-Q1" and wb["Plans of record"]["B2"].value == run_id
    assert run_cli("audit", "verify", "--db", db).returncode == 0


def test_a_rejection_withdraws_an_approval_and_one_approval_settles_by_default(db, tmp_path, q1_result):
    with po.open_store(db) as store:
        run = store.record_run("optimize", q1_result)
        store.set_policy(["Finance"])
        store.approve(run.id, "Ann", "Finance", "2027-Q1")
        assert store.plan_of_record("2027-Q1").run.id == run.id
        other = store.record_run("optimize", q1_result)
        store.set_policy([])  # back to the default: one approval, any role
        store.reject(other.id, "Ann", "Finance", "2027-Q2", note="wait for the Q2 numbers")
        with pytest.raises(po.RecordRefused):
            store.plan_of_record("2027-Q2")
        outcome = store.approve(other.id, "Bo", "Product", "2027-Q2")
        assert outcome.settled is not None and outcome.settled.run.id == other.id
        assert store.verify().ok


def test_an_edited_workbook_is_refused_with_the_sheet_that_changed(db, tmp_path):
    q1 = _recorded(db, tmp_path)
    wb = openpyxl.load_workbook(q1)
    wb["Ranking"]["A2"] = "edited"
    wb.save(tmp_path / "edited.xlsx")
    proc = run_cli(
        "approve", tmp_path / "edited.xlsx", "--by", "Ann", "--role", "Finance", "--period", "2027-Q1", "--db", db
    )
    assert proc.returncode == 10
    assert "was changed after run" in proc.stderr and "Ranking" in proc.stderr
    unrecorded = tmp_path / "plain.xlsx"
    assert run_cli("optimize", SAMPLE, "-o", unrecorded, "--explain-limit", "0").returncode == 0
    proc = run_cli("approve", unrecorded, "--by", "Ann", "--role", "Finance", "--period", "2027-Q1", "--db", db)
    assert proc.returncode == 10 and "no Run ID" in proc.stderr
    with po.open_store(db) as store:
        assert store.approvals() == [] and store.verify().ok  # nothing recorded


# --------------------------------------------------------------------------- diff and review


def _two_quarters(db, tmp_path) -> None:
    for plan, name, period in ((SAMPLE, "q1.xlsx", "2027-Q1"), (Q2, "q2.xlsx", "2027-Q2")):
        out = _recorded(db, tmp_path, plan, name)
        proc = run_cli("approve", out, "--by", "Ann", "--role", "Finance", "--period", period, "--db", db)
        assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_diff_attributes_the_q1_to_q2_moves(db, tmp_path):
    _two_quarters(db, tmp_path)
    proc = run_cli("diff", "2027-Q1", "2027-Q2", "--db", db, "--json")
    assert proc.returncode == 0, proc.stderr
    d = json.loads(proc.stdout)
    moves = {m["id"]: m for m in d["moves"]}
    # the budget cut from 10,000,000 to 8,000,000 alone drops INI-034
    assert moves["INI-034"]["move"] == "left"
    assert moves["INI-034"]["cause"] == "Budget 10,000,000 → 8,000,000"
    assert moves["INI-034"]["kinds"] == ["the budget or a limit"]
    # INI-011 did not leave: it is done
    assert (moves["INI-011"]["move"], moves["INI-011"]["cause"]) == ("done", "its Status")
    kinds = {c["change"]: c["kind"] for c in d["changes"]}
    assert kinds["INI-023: Cost 300,000 → 380,000"] == "its own inputs"
    assert kinds["run budget added (Max 2,500,000)"] == "the budget or a limit"
    assert kinds["Budget 10,000,000 → 8,000,000"] == "the budget or a limit"
    assert (
        d["a"]["name"] == "2027-Q1 plan of record"
        and tuple(d["b"]["selected"]) == po.optimize(po.read_plan(Q2)).selected
    )
    # a run id and a file name the same portfolios
    with po.open_store(db) as store:
        q1_run = store.plan_of_record("2027-Q1").run.id
    again = json.loads(run_cli("diff", q1_run[:8], tmp_path / "q2.xlsx", "--db", db, "--json").stdout)
    assert [(m["id"], m["move"]) for m in again["moves"]] == [(m["id"], m["move"]) for m in d["moves"]]
    lines = run_cli("diff", "2027-Q1", "2027-Q2", "--db", db).stdout
    assert "left    INI-034: Budget 10,000,000 → 8,000,000 [the budget or a limit]" in lines


@pytest.mark.slow
def test_review_from_the_store_equals_review_from_the_files(db, tmp_path):
    q1 = _recorded(db, tmp_path)
    assert run_cli("approve", q1, "--by", "Ann", "--role", "Finance", "--period", "2027-Q1", "--db", db).returncode == 0
    files = run_cli("review", q1, Q2, "-o", tmp_path / "files.xlsx", "--json")
    stored = run_cli("review", Q2, "-o", tmp_path / "stored.xlsx", "--db", db, "--json")
    assert files.returncode == 0 and stored.returncode == 0, stored.stderr
    a, b = json.loads(files.stdout), json.loads(stored.stdout)
    assert b["last"]["name"] == "2027-Q1 plan of record" and b["record"]["recorded"] is True
    for key in ("changes", "moves", "realization"):
        assert a[key] == b[key], key
    assert a["last"]["selected"] == b["last"]["selected"]
    assert a["last"]["objective"] == pytest.approx(b["last"]["objective"])
    assert a["this"] == b["this"]
    # no plan of record before 2027-Q2 in an empty store: said, with the way out
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    proc = run_cli("review", Q2, "-o", tmp_path / "r3.xlsx", "--db", empty)
    assert proc.returncode == 10 and "results workbook instead" in proc.stderr


# --------------------------------------------------------------------------- tamper evidence


def _filled(db, q1_result) -> list[int]:
    """A store with runs, approvals and a plan of record; the approvals' event places."""
    with po.open_store(db) as store:
        store.set_policy(["Finance", "Product"])
        run = store.record_run("optimize", q1_result)
        a = store.approve(run.id, "Ann", "Finance", "2027-Q1").approval.seq
        b = store.approve(run.id, "Bo", "Product", "2027-Q1").approval.seq
        store.record_run("optimize", q1_result)
        assert store.verify().ok
    return [a, b]


@pytest.mark.parametrize(
    "tamper",
    ["edit a row", "delete an event"]
    + [pytest.param(k, marks=pytest.mark.slow) for k in ("edit an event", "delete a row", "reorder")],
)
def test_audit_verify_names_the_first_event_that_does_not_match(db, tamper, q1_result):
    first, second = _filled(db, q1_result)
    _drop_triggers(db)  # the owner can: then tampering is detectable, not impossible
    statements = {
        "edit a row": [f"UPDATE approvals SET role = 'CEO' WHERE event_seq = {first}"],
        "edit an event": [f"UPDATE events SET actor = 'Mallory' WHERE seq = {second}"],
        "delete a row": [f"DELETE FROM approvals WHERE event_seq = {first}"],
        "delete an event": [
            f"DELETE FROM approvals WHERE event_seq = {first}",
            f"DELETE FROM events WHERE seq = {first}",
        ],
        "reorder": _swap(first, second),
    }[tamper]
    _sql(db, *statements)
    proc = run_cli("audit", "verify", "--db", db, "--json")
    assert proc.returncode == 11, proc.stdout + proc.stderr
    bad = json.loads(proc.stdout)["first_bad"]
    want = {
        "edit a row": first,
        "edit an event": second,
        "delete a row": first,
        "delete an event": first,
        "reorder": first,
    }
    assert bad["event"] == want[tamper], bad
    text = run_cli("audit", "verify", "--db", db).stdout
    assert f"event {want[tamper]}" in text and "does not verify" in text


def _swap(first: int, second: int) -> list[str]:
    """Statements that swap two events' places: their content moved, their rows kept."""
    columns = "kind, at, actor, body, prev_hash, hash"
    return [
        f"CREATE TABLE held AS SELECT seq, {columns} FROM events WHERE seq IN ({first}, {second})",
        f"UPDATE events SET hash = 'moving' || seq WHERE seq IN ({first}, {second})",
        f"UPDATE events SET ({columns}) = (SELECT {columns} FROM held WHERE held.seq = {second}) WHERE seq = {first}",
        f"UPDATE events SET ({columns}) = (SELECT {columns} FROM held WHERE held.seq = {first}) WHERE seq = {second}",
        "DROP TABLE held",
    ]


# --------------------------------------------------------------------------- concurrency, SIGKILL


CHILD = """
import pickle, sys, os
import portfolio_opt as po
url, n, who, pickled = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
result = pickle.load(open(pickled, "rb"))
store = po.open_store(url)
for k in range(n):
    if k % 5 == 4:
        store.approve(last, who, "Finance", f"{who}-{k}")
    else:
        last = store.record_run("optimize", result).id
store.close()
"""


@pytest.mark.slow
def test_eight_processes_recording_and_approving_at_once_lose_nothing(db, tmp_path, q1_result):
    pickled = tmp_path / "result.pickle"
    pickled.write_bytes(pickle.dumps(q1_result))
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, db, "25", f"p{k}", str(pickled)], stderr=subprocess.PIPE, text=True
        )
        for k in range(8)
    ]
    for p in procs:
        assert p.wait(timeout=600) == 0, p.stderr.read()
    with po.open_store(db) as store:
        runs, approvals = store.runs(), store.approvals()
        assert len(runs) == 8 * 20 and len(approvals) == 8 * 5
        assert len(store.plans_of_record()) == 8 * 5
        v = store.verify()
        # one plan, 160 runs, 40 approvals, each settling a plan of record
        assert v.ok and v.events == 1 + 160 + 40 + 40, v.lines()


KILLED = """
import pickle, sys, time
import portfolio_opt as po
from portfolio_opt.store import chain
url, pickled, marker = sys.argv[1:4]
result = pickle.load(open(pickled, "rb"))
store = po.open_store(url)
store.record_run("optimize", result)
original = chain.append
def append(conn, kind, row, *args, **kwargs):
    seq = original(conn, kind, row, *args, **kwargs)
    if kind == "run":  # the event and its row are written, the transaction is not committed
        open(marker, "w").write(row["id"])
        time.sleep(120)
    return seq
chain.append = append
store.record_run("optimize", result)
"""


def test_a_process_killed_in_the_middle_of_recording_leaves_no_partial_event(db, tmp_path, q1_result):
    pickled, marker = tmp_path / "result.pickle", tmp_path / "marker"
    pickled.write_bytes(pickle.dumps(q1_result))
    proc = subprocess.Popen([sys.executable, "-c", KILLED, db, str(pickled), str(marker)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, (
            proc.stderr.read() if proc.poll() is not None else ""
        )
        time.sleep(0.05)
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    half = marker.read_text()
    with po.open_store(db) as store:
        assert [r.id for r in store.runs()] != [] and half not in {r.id for r in store.runs()}
        assert store.verify().ok
        store.record_run("optimize", q1_result)  # the lock went with the process
        assert len(store.runs()) == 2 and store.verify().ok


# --------------------------------------------------------------------------- schema


def test_a_store_made_at_an_older_schema_is_migrated_and_keeps_its_record(db, q1_result, monkeypatch):
    original = migrate.upgrade
    monkeypatch.setattr(migrate, "upgrade", lambda engine, url: original(engine, url, target="0001"))
    with po.open_store(db) as old:
        run = old.record_run("optimize", q1_result)
        old.approve(run.id, "Ann", "Finance", "2027-Q1")
        with old.engine.connect() as conn:
            assert migrate.revision(conn) == "0001"
            assert not old.engine.dialect.has_table(conn, "scenarios")
    monkeypatch.setattr(migrate, "upgrade", original)
    with po.open_store(db) as store:
        with store.engine.connect() as conn:
            assert migrate.revision(conn) == schema.HEAD == "0002"
        assert store.plan_of_record("2027-Q1").run.id == run.id
        saved = store.save_scenario(
            "Budget cut", [po.Change("budget_change", -0.15, "Budget change -15%")], run_id=run.id
        )
        assert store.scenario("Budget cut").changes == saved.changes
        assert store.verify().ok


def test_the_schema_head_is_alembics_and_the_tables_are_the_migrations(db):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == schema.HEAD
    with po.open_store(db) as store:
        inspector = po.open_store(db).engine and __import__("sqlalchemy").inspect(store.engine)
        for table in schema.metadata.tables.values():
            assert {c["name"] for c in inspector.get_columns(table.name)} == {c.name for c in table.columns}


def test_a_store_of_a_newer_schema_is_refused(db):
    po.open_store(db).close()
    _sql(db, "UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(po.StoreError, match="newer than this portfolio_opt knows") as caught:
        po.open_store(db)
    assert caught.value.exit_code == 9


def test_a_named_scenario_is_saved_against_a_recorded_plan_and_versioned(db, q1_result):
    from portfolio_opt.analyses.scenarios import apply_scenario

    with po.open_store(db) as store:
        run = store.record_run("optimize", q1_result)
        first = [po.Change("force_out", None, "Force out INI-001", "INI-001")]
        store.save_scenario("No INI-001", first, run_id=run.id, by="ann")
        second = first + [po.Change("budget", 9_000_000, "Budget 9,000,000")]
        store.save_scenario("No INI-001", second, run_id=run.id, by="ann")
        found = store.scenario("No INI-001")
        assert found.changes == tuple(second) and len(store.scenarios()) == 2
        plan = store.plan(found.plan_id)
        assert apply_scenario(plan, found.scenario).settings.budget == 9_000_000
        assert store.verify().ok


# --------------------------------------------------------------------------- what a store records


@pytest.mark.parametrize(
    "name", ["sample_plan.xlsx", "sample_quarterly.xlsx", "sample_risk.xlsx", "sample_criteria.xlsx", "sample_q2.xlsx"]
)
def test_a_recorded_plan_reads_back_equal(name):
    plan = po.read_plan(ROOT / "data" / name)
    text = plan_text(plan)
    assert plan_from_text(text) == plan and plan_text(plan_from_text(text)) == text


@pytest.mark.slow
def test_every_deciding_command_records_its_run(db, tmp_path):
    cases = {
        "scenarios": [],
        "frontier": ["--steps", "3"],
        "compare": [],
        "simulate": ["--samples", "500"],
        "alternatives": ["--count", "2"],
        "robustness": ["--samples", "4"],
    }
    for command, extra in cases.items():
        inputs = (
            [ROOT / "data" / "plan_cto.xlsx", ROOT / "data" / "plan_cfo.xlsx"] if command == "compare" else [SAMPLE]
        )
        out = tmp_path / f"{command}.xlsx"
        proc = run_cli(command, *inputs, "-o", out, "--db", db, "--json", *extra)
        assert proc.returncode == 0, proc.stderr
        record = json.loads(proc.stdout)["record"]
        info = dict(openpyxl.load_workbook(out)["Run info"].iter_rows(values_only=True))
        assert record["recorded"] and info["Run ID"] == record["run_id"], command
    with po.open_store(db) as store:
        assert [r.command for r in store.runs()] == list(cases)
        assert store.run(json.loads(proc.stdout)["record"]["run_id"]).selection is not None
        assert store.verify().ok


def test_the_record_setting_records_without_an_option(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb["Settings"]
    ws.append(["Record", "yes"])
    wb.save(tmp_path / "plan.xlsx")
    proc = run_cli("optimize", tmp_path / "plan.xlsx", "-o", tmp_path / "r.xlsx", "--explain-limit", "0")
    assert proc.returncode == 0 and "Recorded run" in proc.stdout, proc.stderr
    assert (tmp_path / "data" / "portfolio-opt" / "record.db").exists()
    ws.append(["Record", "maybe"])
    wb["Settings"].delete_rows(ws.max_row - 1)
    wb.save(tmp_path / "bad.xlsx")
    proc = run_cli("validate", tmp_path / "bad.xlsx")
    assert proc.returncode == 3 and "Record 'maybe': must be yes, no or a store URL" in proc.stderr


# --------------------------------------------------------------------------- a store that cannot be used


@pytest.mark.slow
def test_a_store_that_cannot_be_used_still_writes_the_output(tmp_path):
    cases = {
        "mysql://somewhere/db": "a store is SQLite or PostgreSQL, not mysql",
        f"sqlite:///file:{tmp_path / 'ro.db'}?mode=ro&uri=true": "",
        "postgresql://nobody:secret@127.0.0.1:1/nothing": "cannot be reached",
    }
    po.open_store(tmp_path / "ro.db").close()
    for k, (url, says) in enumerate(cases.items()):
        out = tmp_path / f"r{k}.xlsx"
        proc = run_cli("optimize", SAMPLE, "-o", out, "--explain-limit", "0", "--db", url)
        assert proc.returncode == 9, proc.stderr
        assert out.exists() and "was written, but the run was not recorded" in proc.stderr
        assert says in proc.stderr and "secret" not in proc.stderr
        info = dict(openpyxl.load_workbook(out)["Run info"].iter_rows(values_only=True))
        if "mode=ro" in url:  # it opened, then refused the write: the file names a run it does not hold
            assert (
                "read-only" in proc.stderr
                and f"names run {info['Run ID']}, which the store does not hold" in proc.stderr
            )
        else:  # it never opened: no run id for a run that was never recorded
            assert "Run ID" not in info
    proc = run_cli(
        "optimize", SAMPLE, "-o", tmp_path / "j.xlsx", "--explain-limit", "0", "--db", "mysql://x/y", "--json"
    )
    data = json.loads(proc.stdout)
    assert proc.returncode == 9 and data["record"]["recorded"] is False and data["status"] == "optimal"


def test_a_locked_or_read_only_store_is_said_plainly(tmp_path, q1_result, monkeypatch):
    import sqlite3

    from portfolio_opt.store import connect

    path = tmp_path / "locked.db"
    po.open_store(path).close()
    monkeypatch.setattr(connect, "BUSY_SECONDS", 1)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with po.open_store(path) as store, pytest.raises(po.StoreError, match="locked by another program"):
            store.record_run("optimize", q1_result)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with po.open_store(f"sqlite:///file:{path}?mode=ro&uri=true") as store:
        with pytest.raises(po.StoreError, match="read-only"):
            store.record_run("optimize", q1_result)
        assert store.runs() == []


def test_without_the_store_extra_the_message_names_it_and_this_pip():
    code = (
        "import sys; sys.modules['sqlalchemy'] = None\n"
        "import portfolio_opt as po\n"
        "try:\n    po.open_store('x.db')\nexcept po.Unavailable as e:\n    print(e.exit_code, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert out.startswith("8 ") and f'{sys.executable} -m pip install "portfolio-opt[store]"' in out


def _twice(x, state):
    return 2 * x


def test_worker_processes_start_after_the_store_being_opened_is_open(tmp_path):
    """The sweeps fork their workers while the store opens in a thread beside the run: they wait
    for the opening first, so no worker inherits a lock the opening thread held (compare hung
    under load when one did)."""
    from portfolio_opt.cli.recording import Recording
    from portfolio_opt.runtime.pool import pool_map

    recording = Recording(f"sqlite:///{tmp_path / 'record.db'}", [])
    assert pool_map(_twice, list(range(6)), workers=2) == [0, 2, 4, 6, 8, 10]
    assert recording.store is not None, "the workers started before the store was open"
    recording.store.close()


def test_a_store_named_by_a_uri_filename_makes_its_folder_not_one_named_after_the_uri(tmp_path, monkeypatch):
    """``sqlite:///file:/path/db?uri=true`` (SQLite's URI filenames, e.g. for ``mode=ro``) makes
    the folder the path names, never a folder called ``file:`` in the working directory."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    path = tmp_path / "records" / "plan.db"
    with po.open_store(f"sqlite:///file:{path}?uri=true") as store:
        assert store.history().runs == ()
    assert path.exists() and list(work.iterdir()) == []
