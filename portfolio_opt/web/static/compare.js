// The room's Compare section: saved scenarios of the open plan, and an uploaded hand-made plan,
// beside the plan's optimum (POST /api/plans/{id}/compare and .../compare/upload). It uses the
// page's own helpers (state, api, el, $, money, showProblems of app.js, loaded before it).
// Text from a workbook or a scenario's name is only ever set with textContent.
"use strict";

const compared = { scenarios: [], plan: null };

function percent(x) { return x === null || x === undefined ? "none" : (x * 100).toFixed(1) + "%"; }
function idList(ids) { return ids.length ? ids.join(", ") : "none"; }

async function loadCompareList() {
  const box = $("compare-list");
  if (!state.plan) { box.replaceChildren(); return; }
  const { status, data } = await api("/api/scenarios");
  if (status !== 200) { box.replaceChildren(el("p", "The saved scenarios cannot be read (see the server's store).", "muted")); return; }
  // another plan opened: its scenarios are others, and the last comparison was of the plan before
  const ticked = compared.plan === state.plan.id ? new Set([...box.querySelectorAll("input:checked")].map((i) => i.value)) : new Set();
  if (compared.plan !== state.plan.id) $("compare-result").replaceChildren();
  compared.plan = state.plan.id;
  compared.scenarios = data.filter((s) => s.plan === state.plan.id);
  box.replaceChildren();
  if (!compared.scenarios.length) box.append(el("p", "No scenario of this plan is saved yet.", "muted"));
  for (const s of compared.scenarios) {
    const label = el("label", null, "compare-pick");
    const tick = el("input");
    tick.type = "checkbox"; tick.value = String(s.id); tick.checked = ticked.has(tick.value);
    label.append(tick, document.createTextNode(` ${s.name} `), el("span", `#${s.id}: ${s.changes.join("; ") || "the plan as given"}`, "muted"));
    box.append(label);
  }
}

function tickedIds() {
  return [...$("compare-list").querySelectorAll("input:checked")].map((i) => Number(i.value));
}

async function compareTicked() {
  if (!state.plan) return;
  $("compare-busy").textContent = "Comparing…";
  const { status, data } = await api(`/api/plans/${encodeURIComponent(state.plan.id)}/compare`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ scenarios: tickedIds() }),
  });
  $("compare-busy").textContent = "";
  if (status !== 200) { showProblems(data && data.problems); return; }
  showProblems([]);
  renderComparison(data);
}

async function compareUpload(event) {
  event.preventDefault();
  const file = $("compare-file").files[0];
  if (!file || !state.plan) return;
  const form = new FormData();
  form.append("file", file);
  for (const id of tickedIds()) form.append("scenarios", String(id));
  $("compare-busy").textContent = "Reading the plan…";
  const { status, data } = await api(`/api/plans/${encodeURIComponent(state.plan.id)}/compare/upload`, {
    method: "POST", body: form,
  });
  $("compare-busy").textContent = "";
  if (status !== 200) { showProblems(data && data.problems); return; }
  showProblems([]);
  renderComparison(data);
}

function kindOf(c) { return c.kind === "scenario" ? `scenario #${c.scenario}` : c.kind === "upload" ? "uploaded plan" : "the plan's optimum"; }

function renderComparison(data) {
  const cols = data.plans;
  const table = el("table"); table.id = "compare-table";
  const head = el("tr");
  head.append(el("th", ""));
  for (const c of cols) {
    const th = el("th", c.name);
    th.append(el("div", kindOf(c), "muted"));
    head.append(th);
  }
  table.append(el("thead")); table.tHead.append(head);
  const body = el("tbody");
  const rows = [
    ["value", "Expected value", (c) => money(c.objective), true],
    ["cost", "Total cost", (c) => money(c.total_cost), true],
    ["count", "Initiatives", (c) => String(c.count), true],
    ["efficiency", "Efficiency (against the best at its cost)", (c) => c.efficiency === null ? "none: it breaks a rule" : percent(c.efficiency), true],
    ["share", "Share of the optimum", (c) => percent(c.of_optimum), true],
    ["entered", "Entered (against the optimum)", (c) => idList(c.entered), false],
    ["left", "Left (against the optimum)", (c) => idList(c.left), false],
  ];
  for (const [key, label, show, num] of rows) {
    const tr = el("tr"); tr.dataset.row = key;
    tr.append(el("th", label));
    for (const c of cols) tr.append(el("td", show(c), num ? "num" : undefined));
    body.append(tr);
  }
  const breaks = el("tr"); breaks.dataset.row = "breaks";
  breaks.append(el("th", "Rule breaks"));
  for (const c of cols) {
    const td = el("td", null, c.violations.length ? "broken" : undefined);
    if (!c.violations.length) td.textContent = "none";
    for (const v of c.violations) td.append(el("div", v));
    breaks.append(td);
  }
  body.append(breaks);
  table.append(body);
  $("compare-result").replaceChildren(table, differing(data));
}

function differing(data) {
  const rows = data.initiatives.filter((r) => r.differs);
  const box = el("div");
  box.append(el("h3", rows.length ? `The initiatives that differ (${rows.length})` : "Every column funds the same initiatives"));
  if (!rows.length) return box;
  const table = el("table"); table.id = "compare-differ";
  const head = el("tr");
  head.append(el("th", "ID"), el("th", "Name"), el("th", "Cost", "num"));
  for (const c of data.plans) head.append(el("th", c.name));
  table.append(el("thead")); table.tHead.append(head);
  const body = el("tbody");
  for (const r of rows) {
    const tr = el("tr"); tr.dataset.id = r.id;
    tr.append(el("td", r.id), el("td", r.name), el("td", money(r.cost), "num"));
    for (const inIt of r.in) tr.append(el("td", inIt ? "In" : "–", inIt ? "in" : undefined));
    body.append(tr);
  }
  table.append(body);
  box.append(table);
  return box;
}

function startCompare() {
  $("compare").addEventListener("click", compareTicked);
  $("compare-upload").addEventListener("submit", compareUpload);
  $("compare-upload").hidden = state.role === "viewer";
  document.addEventListener("room:scenarios", loadCompareList);
  loadCompareList();
}

// after the page's own start (app.js): the session's role and the open plan are known then
document.addEventListener("DOMContentLoaded", () => {
  const ready = new MutationObserver(() => {
    if (document.body.dataset.ready === "yes") { ready.disconnect(); startCompare(); }
  });
  ready.observe(document.body, { attributes: true, attributeFilter: ["data-ready"] });
});
