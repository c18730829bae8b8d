// The portfolio room's page: every change is a POST /api/plans/{id}/solve, an exact re-solve.
// It asks with "wait": false: a re-solve of more than a moment answers 202 with a job, whose
// progress (the gap still to close) the page polls and shows with a Cancel button; a newer
// change cancels the job still running for the older one.
// Text from a workbook is only ever set with textContent (never innerHTML): a name such as
// <script>alert(1)</script> shows as that text.
"use strict";

const state = {
  csrf: "", role: "viewer", plan: null, rows: [], result: null, baseline: null,
  whatIf: blank(), history: [], sort: { key: "rank", up: true }, asked: 0, scenario: null, job: null,
  told: 0, story: null,
};

// how often (ms) the page asks how a running job stands
const POLL_EVERY = 400;

function blank() { return { budget: null, force_in: [], force_out: [], clear: [], limits: {}, objective: null, scoring: null }; }
function $(id) { return document.getElementById(id); }
function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function money(x) { return x === null || x === undefined ? "none" : Math.round(x).toLocaleString("en-US"); }
function signed(x) { return (x > 0 ? "+" : x < 0 ? "−" : "±") + money(Math.abs(x)); }

async function api(path, options) {
  const opts = Object.assign({ credentials: "same-origin", headers: {} }, options || {});
  if (opts.method === "POST") opts.headers["X-CSRF"] = state.csrf;
  const reply = await fetch(path, opts);
  const type = reply.headers.get("content-type") || "";
  const data = type.includes("json") ? await reply.json() : null;
  return { status: reply.status, data };
}

function showProblems(problems) {
  const list = $("problems");
  list.replaceChildren();
  for (const p of problems || []) {
    const item = el("li");
    item.append(el("strong", p.where), document.createTextNode(" " + p.message + (p.fix ? ". " + p.fix : "")));
    list.append(item);
  }
  list.hidden = !(problems && problems.length);
}

// ---------------------------------------------------------------- plans

async function loadPlans(select) {
  const { data } = await api("/api/plans");
  const box = $("plan");
  box.replaceChildren();
  for (const p of data) {
    const o = el("option", `${p.name} (${p.initiatives} initiatives)`);
    o.value = p.id;
    box.append(o);
  }
  if (select) box.value = select;
  if (box.value) await openPlan(box.value);
}

async function openPlan(id, whatIf) {
  const { status, data } = await api(`/api/plans/${encodeURIComponent(id)}`);
  if (status !== 200) { showProblems(data && data.problems); return; }
  state.plan = data; state.rows = data.rows; state.baseline = data.result; state.result = data.result;
  state.whatIf = whatIf || blank(); state.history = [];
  $("plan").value = id;
  fillFilters(); fillSettings();
  const budget = data.result.budget || data.result.total_cost;
  const range = $("budget-range");
  range.max = String(Math.ceil((budget * 2) / 50000) * 50000);
  $("story").replaceChildren(); $("story-hint").hidden = false; state.story = null; state.told++;
  if (whatIf) await solve(); else render();
  loadFrontier();
  document.dispatchEvent(new CustomEvent("room:scenarios"));
}

function fillFilters() {
  const fields = { "f-theme": "theme", "f-owner": "owner", "f-metric": "metric", "f-status": "status" };
  for (const [box, key] of Object.entries(fields)) {
    const values = [...new Set(state.rows.map((r) => r[key]).filter((v) => v !== null))].sort();
    const select = $(box);
    select.replaceChildren(el("option", "All"));
    select.firstChild.value = "";
    for (const v of values) { const o = el("option", v); o.value = v; select.append(o); }
    select.parentElement.hidden = values.length === 0;
  }
  $("initiatives").classList.toggle("no-status", !state.rows.some((r) => r.status !== null));
}

function fillSettings() {
  // the objectives and scorings the plan allows; the plan's own is the what-if's null
  const own = state.plan.settings || {}, allowed = state.plan.choices || {};
  for (const key of ["objective", "scoring"]) {
    const select = $(`${key}-kind`);
    select.replaceChildren();
    for (const v of allowed[key] || []) { const o = el("option", v); o.value = v; select.append(o); }
    select.value = state.whatIf[key] || own[key];
    $(`${key}-box`).hidden = (allowed[key] || []).length < 2;
  }
}

function pickSetting(key, value) {
  change((w) => { w[key] = value === state.plan.settings[key] ? null : value; });
}

// ---------------------------------------------------------------- what-ifs

function change(edit) {
  state.history.push(JSON.stringify(state.whatIf));
  edit(state.whatIf);
  solve();
}

function decide(id, how) {
  change((w) => {
    for (const k of ["force_in", "force_out", "clear"]) w[k] = w[k].filter((x) => x !== id);
    if (how) w[how].push(id);
  });
}

async function solve() {
  const asked = ++state.asked;
  cancelJob(); // a newer what-if supersedes the one still solving
  $("busy").textContent = "Solving…";
  const started = performance.now();
  const body = Object.assign({}, state.whatIf, { wait: false });
  let { status, data } = await api(`/api/plans/${encodeURIComponent(state.plan.id)}/solve`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (asked !== state.asked) { if (status === 202) cancel(data.job); return; } // stale: a later change is on its way
  if (status === 202) {
    ({ status, data } = await follow(data, asked));
    if (status === null) return;
  }
  const ms = Math.round(performance.now() - started);
  if (status !== 200) { $("busy").textContent = ""; showProblems(data && data.problems); return; }
  showProblems([]);
  if (data.status === "infeasible" || data.status === "no_portfolio") {
    $("busy").textContent = "";
    showProblems([{ where: "What-if", message: data.status === "infeasible" ? "no portfolio keeps every limit and decision" : data.message,
      fix: (data.relaxations || []).join("; ") }]);
    retell();
    return;
  }
  state.result = data;
  $("busy").textContent = data.stopped || (data.status === "optimal" ? `Exact optimum in ${ms} ms` : `Best found in ${ms} ms (${data.status})`);
  render();
  retell();
}

async function follow(job, asked) {
  // poll a long what-if's job until it ends: its answer (as the solve route's), or null when
  // a newer what-if took over
  state.job = job.job;
  showProgress(job);
  while (job.status === "running") {
    await new Promise((done) => setTimeout(done, POLL_EVERY));
    if (asked !== state.asked) return { status: null, data: null };
    const { status, data } = await api(`/api/jobs/${encodeURIComponent(job.job)}`);
    if (asked !== state.asked) return { status: null, data: null };
    if (status !== 200) { hideProgress(); return { status, data }; }
    job = data;
    showProgress(job);
  }
  hideProgress();
  if (job.status === "failed") return { status: 422, data: job };
  if (job.status === "stopped") {
    if (!job.answer) { $("busy").textContent = job.message; return { status: null, data: null }; }
    return { status: 200, data: Object.assign({}, job.answer, { stopped: job.message }) };
  }
  return { status: 200, data: job.answer };
}

function showProgress(job) {
  const figures = job.best === null ? "" : ` Best so far ${money(job.best)}, bound ${money(job.bound)}, gap ${job.gap_percent}%.`;
  $("progress-text").textContent = job.message + (figures && !job.message.includes("no portfolio") ? figures : "");
  $("progress").hidden = false;
  $("busy").textContent = "";
}

function hideProgress() { state.job = null; $("progress").hidden = true; }

function cancel(job) {
  api(`/api/jobs/${encodeURIComponent(job)}/cancel`, { method: "POST" });
}

function cancelJob() {
  if (state.job) { cancel(state.job); hideProgress(); }
}

async function cancelClicked() {
  // the job answers stopped, with the best portfolio found: the poll shows it
  if (!state.job) return;
  $("cancel").disabled = true;
  await api(`/api/jobs/${encodeURIComponent(state.job)}/cancel`, { method: "POST" });
  $("cancel").disabled = false;
}

function render() {
  const r = state.result, w = state.whatIf;
  $("objective").textContent = money(r.objective);
  $("cost").textContent = money(r.total_cost) + (r.budget ? " of " + money(r.budget) : "");
  $("count").textContent = `${r.count} of ${state.rows.length}`;
  $("status").textContent = r.status;
  const measured = r.settings && state.plan.settings && (r.settings.objective !== state.plan.settings.objective || r.settings.scoring !== state.plan.settings.scoring);
  $("value-change").textContent = measured ? `measured as ${r.settings.objective}, ${r.settings.scoring}` : r.value_change ? signed(r.value_change) + " vs plan" : "as planned";
  $("objective-label").textContent = r.objective_kind === "npv" ? "Net value (NPV)" : "Expected value";
  fillSettings();
  const dc = r.total_cost - state.baseline.total_cost;
  $("cost-change").textContent = dc ? signed(dc) + " vs plan" : "as planned";
  $("entered").textContent = (r.entered || []).join(", ") || "none";
  $("left").textContent = (r.left || []).join(", ") || "none";
  const budget = w.budget !== null ? w.budget : r.budget;
  if (budget !== null && budget !== undefined) { $("budget").value = budget; $("budget-range").value = budget; }
  $("changes").textContent = r.changes && r.changes.length ? "Changes: " + r.changes.join("; ") : "The plan as given";
  $("undo").disabled = state.history.length === 0;
  renderLimits(); renderTable(); markFrontier();
}

function renderLimits() {
  const box = $("limits");
  box.replaceChildren();
  for (const c of state.result.constraints) {
    const row = el("div", null, "limit" + (c.binding ? " binding" : ""));
    const top = c.max !== null ? c.max : c.min;
    const share = top ? Math.max(0, Math.min(1, c.used / top)) : 0;
    const bar = el("div", null, "bar");
    const fill = el("div", null, "fill");
    fill.style.width = (share * 100).toFixed(1) + "%";
    bar.append(fill);
    const slack = c.slack === null ? "" : c.binding ? " — binding" : ` — slack ${money(c.slack)}`;
    const bounds = (c.min !== null ? `min ${money(c.min)} ` : "") + (c.max !== null ? `max ${money(c.max)}` : "");
    const head = el("div", `${c.name}${c.period ? " (" + c.period + ")" : ""}: ${money(c.used)} (${bounds.trim()})${slack}`);
    if (c.name !== "budget" && !c.share && (c.max !== null || c.min !== null)) head.append(boundBox(c));
    row.append(head, bar);
    box.append(row);
  }
}

function boundBox(c) {
  // a limit's bound as a what-if: Max where it has one, else Min
  const side = c.max !== null ? "max" : "min";
  const box = el("input", null, "bound");
  box.type = "number"; box.step = "any"; box.value = c[side];
  box.dataset.limit = c.name;
  box.title = `Set ${c.name}'s ${side === "max" ? "Max" : "Min"}`;
  box.setAttribute("aria-label", box.title);
  box.addEventListener("change", () => {
    const v = Number(box.value);
    if (box.value === "" || !Number.isFinite(v)) return;
    change((w) => { w.limits = Object.assign({}, w.limits, { [c.name]: Object.assign({}, w.limits[c.name], { [side]: v }) }); });
  });
  const label = el("label", ` ${side === "max" ? "Max" : "Min"} `, "muted");
  label.append(box);
  return label;
}

function visibleRows() {
  const byId = new Map(state.result.initiatives.map((r) => [r.id, r]));
  const f = { theme: $("f-theme").value, owner: $("f-owner").value, metric: $("f-metric").value, status: $("f-status").value };
  const sel = $("f-selected").value;
  let rows = state.rows.map((row) => Object.assign({}, row, byId.get(row.id) || {}));
  rows = rows.filter((r) => Object.entries(f).every(([k, v]) => !v || r[k] === v));
  if (sel) rows = rows.filter((r) => r.selected === (sel === "yes"));
  const { key, up } = state.sort;
  rows.sort((a, b) => {
    const x = a[key], y = b[key];
    const c = typeof x === "number" && typeof y === "number" ? x - y : String(x ?? "").localeCompare(String(y ?? ""));
    return up ? c : -c;
  });
  return rows;
}

// a big plan's table shows this many rows until asked for all (a thousand rows take the
// browser most of a second to lay out, on every answer)
const ROWS_SHOWN = 200;

function renderTable() {
  const body = document.querySelector("#initiatives tbody");
  const w = state.whatIf;
  const rows = visibleRows();
  const shown = state.allRows ? rows : rows.slice(0, ROWS_SHOWN);
  const fragment = document.createDocumentFragment();
  for (const r of shown) {
    const tr = el("tr", null, r.selected ? "in" : "out");
    tr.dataset.id = r.id;
    const name = el("button", r.name, "link");
    name.type = "button";
    name.dataset.action = "story";
    const forced = w.force_in.includes(r.id) ? "force_in" : w.force_out.includes(r.id) ? "force_out" : null;
    const cells = [r.rank, r.id, name, r.theme, r.owner, r.status, money(r.cost), money(r.score), r.selected ? "Yes" : "No", r.reason];
    for (const [k, v] of cells.entries()) {
      const td = el("td", v instanceof Node ? null : v, k === 6 || k === 7 ? "num" : "");
      if (v instanceof Node) td.append(v);
      tr.append(td);
    }
    const actions = el("td", null, "actions");
    for (const [label, how] of [["In", "force_in"], ["Out", "force_out"], ["Clear", "clear"]]) {
      const b = el("button", label);
      b.type = "button";
      b.dataset.action = how;
      b.title = how === "clear" ? `Let the optimizer decide ${r.id}` : `Force ${r.id} ${label.toLowerCase()}`;
      if (forced === how || (how === "clear" && !forced)) b.className = "on";
      actions.append(b);
    }
    tr.append(actions);
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
  const more = $("more-rows");
  more.hidden = rows.length <= ROWS_SHOWN;
  more.textContent = state.allRows ? `Show the first ${ROWS_SHOWN}` : `Show all ${rows.length.toLocaleString("en-US")} initiatives`;
}

function onTableClick(event) {
  // one listener for every row's buttons (a big plan has thousands)
  const button = event.target.closest("button[data-action]");
  const row = button && button.closest("tr[data-id]");
  if (!row) return;
  const id = row.dataset.id, action = button.dataset.action;
  if (action === "story") story(id);
  else decide(id, action === "clear" ? null : action);
}

async function story(id) {
  // the story under the what-if on the page (its figures those of the changed plan), asked
  // again when the what-if changes; an answer overtaken by a later click or what-if is dropped
  const told = ++state.told;
  state.story = id;
  $("story-hint").hidden = true;
  const box = $("story");
  box.replaceChildren(el("p", "Working out the story…", "muted"));
  const path = `/api/plans/${encodeURIComponent(state.plan.id)}/initiatives/${encodeURIComponent(id)}/story`;
  const { status, data } = await api(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(state.whatIf),
  });
  if (told !== state.told) return;
  box.replaceChildren();
  if (status !== 200) { showProblems(data && data.problems); return; }
  const under = data.changes.length ? `Under your what-if: ${data.changes.join("; ")}` : "Of the plan as given (no what-if).";
  box.append(el("p", under, "muted under"));
  if (!data.story.length) { box.append(el("p", "No story: no portfolio satisfies this what-if.", "muted")); return; }
  for (const line of data.story) box.append(el("p", line));
}

function retell() {
  // the story on show follows the what-if the page shows
  if (state.story) story(state.story);
}

// ---------------------------------------------------------------- frontier (SVG, built as DOM)

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

async function loadFrontier() {
  const box = $("frontier");
  box.replaceChildren(el("p", "Tracing the frontier…", "muted"));
  const { status, data } = await api(`/api/plans/${encodeURIComponent(state.plan.id)}/frontier?steps=12`);
  if (status !== 200) { box.replaceChildren(); return; }
  state.frontier = data.points.filter((p) => p.objective !== null);
  drawFrontier();
}

function drawFrontier() {
  const box = $("frontier");
  const pts = state.frontier || [];
  box.replaceChildren();
  if (pts.length < 2) return;
  const W = 360, H = 160, P = 28;
  const xs = pts.map((p) => p.budget), ys = pts.map((p) => p.objective);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y1 = Math.max(...ys);
  const X = (x) => P + ((x - x0) / (x1 - x0 || 1)) * (W - 2 * P);
  const Y = (y) => H - P - (y / (y1 || 1)) * (H - 2 * P);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img", "aria-label": "Best value at each budget" });
  chart.append(svg("polyline", { points: pts.map((p) => `${X(p.budget)},${Y(p.objective)}`).join(" "), class: "curve" }));
  for (const p of pts) chart.append(svg("circle", { cx: X(p.budget), cy: Y(p.objective), r: 2.5, class: "dot" }));
  const mark = svg("line", { id: "budget-mark", y1: P / 2, y2: H - P, class: "mark" });
  chart.append(mark);
  const t1 = svg("text", { x: P, y: H - 8, class: "axis" }); t1.textContent = money(x0);
  const t2 = svg("text", { x: W - P, y: H - 8, class: "axis end" }); t2.textContent = money(x1);
  const t3 = svg("text", { x: P, y: P / 2 + 4, class: "axis" }); t3.textContent = "best value " + money(y1);
  chart.append(t1, t2, t3);
  box.append(chart);
  state.frontierScale = { X, x0, x1 };
  markFrontier();
}

function markFrontier() {
  const mark = document.getElementById("budget-mark");
  if (!mark || !state.frontierScale || !state.result) return;
  const b = state.result.budget;
  const { X, x0, x1 } = state.frontierScale;
  const shown = b !== null && b >= x0 && b <= x1;
  mark.setAttribute("visibility", shown ? "visible" : "hidden");
  if (shown) { mark.setAttribute("x1", X(b)); mark.setAttribute("x2", X(b)); }
}

// ---------------------------------------------------------------- scenarios and files

async function saveScenario() {
  const name = $("scenario-name").value.trim();
  if (!name) { showProblems([{ where: "Scenario name", message: "is empty", fix: "Type a name for the scenario" }]); return; }
  const body = Object.assign({ name }, state.whatIf);
  const { status, data } = await api(`/api/plans/${encodeURIComponent(state.plan.id)}/scenarios`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (status !== 201) { showProblems(data && data.problems); return; }
  showScenario(data);
  history.replaceState(null, "", data.link);
}

function showScenario(s) {
  const box = $("saved");
  const link = el("a", `Link to “${s.name}”`);
  link.href = s.link; link.id = "scenario-link";
  const file = el("a", "Download results workbook");
  file.href = `/api/scenarios/${s.id}/result.xlsx`; file.id = "result-link"; file.setAttribute("download", "");
  const page = el("a", "Download leadership page");
  page.href = `/api/scenarios/${s.id}/page.html`; page.id = "page-link"; page.setAttribute("download", "");
  box.replaceChildren(link, document.createTextNode(" · "), file, document.createTextNode(" · "), page);
  state.scenario = s;
  document.dispatchEvent(new CustomEvent("room:scenarios"));
  $("approve").hidden = state.role !== "approver";
  $("approved").textContent = "";
}

async function approve(event) {
  event.preventDefault();
  if (!state.scenario) return;
  const body = { by: $("approve-by").value.trim(), role: $("approve-role").value.trim() };
  const period = $("approve-period").value.trim();
  if (period) body.period = period;
  const { status, data } = await api(`/api/scenarios/${state.scenario.id}/approve`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  if (status !== 200) { showProblems(data && data.problems); return; }
  showProblems([]);
  const a = data.approval || {};
  $("approved").textContent = `Approved by ${a.by} (${a.role}) for ${a.period}` +
    (data.missing && data.missing.length ? `; still needed: ${data.missing.join(", ")}` : "; it is the plan of record");
  loadRecord();
}

async function loadRecord() {
  const { status, data } = await api("/api/record");
  const list = $("record");
  list.replaceChildren();
  if (status !== 200) { list.append(el("li", "The plan of record cannot be read (see the server's store).")); return; }
  for (const p of data.plans_of_record) list.append(el("li", `${p.period}: run ${p.run_id}, value ${money(p.objective)}`));
  if (!data.plans_of_record.length) list.append(el("li", "No period has a plan of record yet."));
}

async function fromHash() {
  const m = /scenario=(\d+)/.exec(location.hash);
  if (!m) return false;
  const { status, data } = await api(`/api/scenarios/${m[1]}`);
  if (status !== 200) { showProblems(data && data.problems); return false; }
  await loadPlans(data.plan);
  await openPlan(data.plan, Object.assign(blank(), data.what_if));
  $("scenario-name").value = data.name;
  showScenario(data);
  return true;
}

async function upload(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const form = new FormData();
  form.append("file", file);
  $("busy").textContent = "Reading the workbook…";
  const { status, data } = await api("/api/plans", { method: "POST", body: form });
  $("busy").textContent = "";
  if (status !== 201) { showProblems(data && data.problems); return; }
  showProblems([]);
  await loadPlans(data.id);
}

// ---------------------------------------------------------------- wiring

let budgetTimer = null;
function budgetTo(value) {
  const v = Number(value);
  if (!Number.isFinite(v) || v < 0) return;
  clearTimeout(budgetTimer);
  budgetTimer = setTimeout(() => change((w) => { w.budget = v; }), 120);
}

async function start() {
  const { status, data } = await api("/api/session");
  if (status !== 200) return;
  state.csrf = data.csrf; state.role = data.role;
  $("role").textContent = `Signed in as ${data.role}`;
  $("plan").addEventListener("change", (e) => openPlan(e.target.value));
  $("upload").addEventListener("submit", upload);
  $("budget-range").addEventListener("input", (e) => { $("budget").value = e.target.value; budgetTo(e.target.value); });
  $("budget").addEventListener("change", (e) => budgetTo(e.target.value));
  $("undo").addEventListener("click", () => { if (state.history.length) { state.whatIf = JSON.parse(state.history.pop()); solve(); } });
  $("reset").addEventListener("click", () => { if (state.history.length || state.result !== state.baseline) { state.history.push(JSON.stringify(state.whatIf)); state.whatIf = blank(); solve(); } });
  $("save").addEventListener("click", saveScenario);
  $("cancel").addEventListener("click", cancelClicked);
  for (const key of ["objective", "scoring"]) $(`${key}-kind`).addEventListener("change", (e) => pickSetting(key, e.target.value));
  $("approve").addEventListener("submit", approve);
  for (const id of ["f-theme", "f-owner", "f-metric", "f-status", "f-selected"]) $(id).addEventListener("change", renderTable);
  document.querySelector("#initiatives tbody").addEventListener("click", onTableClick);
  $("more-rows").addEventListener("click", () => { state.allRows = !state.allRows; renderTable(); });
  for (const th of document.querySelectorAll("#initiatives th[data-key]")) {
    th.addEventListener("click", () => {
      const key = th.dataset.key;
      state.sort = { key, up: state.sort.key === key ? !state.sort.up : true };
      renderTable();
    });
  }
  window.addEventListener("hashchange", fromHash);
  if (!(await fromHash())) await loadPlans();
  loadRecord();
  document.body.dataset.ready = "yes";
}

document.addEventListener("DOMContentLoaded", start);
