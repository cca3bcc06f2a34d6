// The live dashboard: REST for the first picture, the WebSocket for every change after it.
import { ApiError, Live, call, session } from "./api.js";
import { mountEvents } from "./events.js";
import { mountResearch } from "./research.js";

const $ = (id) => document.getElementById(id);
const el = (tag, text, cls) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (cls) node.className = cls;
  return node;
};
const when = (ns) => (ns ? new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 19) : "");
const money = (s) => Number(s).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const keep = (list, max = 50) => { while (list.children.length > max) list.lastChild.remove(); };
const prepend = (list, text, cls) => { list.prepend(el("li", text, cls)); keep(list); };

let live = null;
let loggedIn = false;
let lastTs = 0;
const prices = new Map();

// ---- login -------------------------------------------------------------------------------
// The session cookie carries the login; whoami says whether there is one.
async function signedIn() {
  try {
    await session.whoami();
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return false;
    throw err;
  }
}

function show(view) {
  $("login").hidden = loggedIn;
  $("logout").hidden = !loggedIn;
  $("live").hidden = !loggedIn || view !== "live";
  $("backtests").hidden = !loggedIn || view !== "backtests";
  $("research").hidden = !loggedIn || view !== "research";
  $("events-page").hidden = !loggedIn || view !== "events";
}

// ---- quotes ------------------------------------------------------------------------------
function quoteRow(symbol) {
  let row = document.querySelector(`tr[data-symbol="${CSS.escape(symbol)}"]`);
  if (!row) {
    row = el("tr");
    row.dataset.symbol = symbol;
    row.append(el("td", symbol), el("td", "", "num price"), el("td", "", "at"));
    $("quotes").append(row);
  }
  return row;
}

function setPrice(symbol, price, ts) {
  const row = quoteRow(symbol);
  const before = prices.get(symbol);
  prices.set(symbol, price);
  const cell = row.querySelector(".price");
  cell.textContent = price.toPrecision(6);
  cell.className = `num price ${before === undefined || price === before ? "" : price > before ? "up" : "down"}`;
  row.querySelector(".at").textContent = when(ts);
  row.dataset.ts = String(ts);
  lastTs = Math.max(lastTs, ts);
}

async function loadQuotes() {
  const instruments = await call("/api/v1/instruments?limit=50");
  const symbols = instruments.items.map((i) => i.symbol);
  for (const s of symbols) quoteRow(s);
  if (symbols.length) {
    const q = await call(`/api/v1/quotes?symbols=${encodeURIComponent(symbols.join(","))}`);
    for (const item of q.quotes) setPrice(item.symbol, item.price, item.ts_event);
  }
  live.on("data.bar.>", (bar) => setPrice(bar.symbol, bar.close, bar.ts_event));
  live.on("data.quote.>", (q) => setPrice(q.symbol, (q.bid + q.ask) / 2, q.ts_event));
}

// ---- alerts ------------------------------------------------------------------------------
function alertItem(alert) {
  const li = el("li", `${alert.description}${alert.active ? "" : " (done)"}`);
  li.dataset.id = alert.id;
  const remove = el("button", "×");
  remove.type = "button";
  remove.title = "remove";
  remove.onclick = async () => { await call(`/api/v1/alerts/${alert.id}`, { method: "DELETE" }); li.remove(); };
  li.append(" ", remove);
  return li;
}

async function loadAlerts() {
  const alerts = await call("/api/v1/alerts");
  $("alerts").replaceChildren(...alerts.items.map(alertItem));
  live.on("alert.fired.>", (fired) => {
    prepend($("fired"), `${when(fired.ts_event)} ${fired.description} at ${fired.price}`, "fired");
    loadAlertList();
  });
  $("alert-form").onsubmit = async (event) => {
    event.preventDefault();
    $("alert-error").textContent = "";
    const body = { symbol: $("alert-symbol").value, kind: $("alert-kind").value, threshold: Number($("alert-threshold").value) };
    try {
      const created = await call("/api/v1/alerts", { method: "POST", body });
      $("alerts").prepend(alertItem(created));
    } catch (err) {
      $("alert-error").textContent = err.message;
    }
  };
}

async function loadAlertList() {
  const alerts = await call("/api/v1/alerts");
  $("alerts").replaceChildren(...alerts.items.map(alertItem));
}

// ---- accounts, positions, equity ---------------------------------------------------------
let chart = null;
const equity = { x: [], series: new Map() };

function plotEquity(accounts) {
  if (!lastTs) return; // plotted on market time, so nothing before the first price
  const x = Math.floor(lastTs / 1e9);
  if (equity.x.length && x <= equity.x[equity.x.length - 1]) return;
  equity.x.push(x);
  for (const a of accounts) {
    if (!equity.series.has(a.account)) equity.series.set(a.account, new Array(equity.x.length - 1).fill(null));
    equity.series.get(a.account).push(Number(a.equity));
  }
  const names = [...equity.series.keys()];
  const data = [equity.x, ...names.map((n) => equity.series.get(n))];
  const width = Math.max(280, $("equity").clientWidth || 600);
  if (!chart || chart.series.length !== names.length + 1) {
    chart?.destroy();
    const colours = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#f85149"];
    chart = new uPlot({
      width, height: 220,
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: colours[i % colours.length], spanGaps: true }))],
      axes: [{ stroke: "#8a94a3" }, { stroke: "#8a94a3", size: 70 }],
    }, data, $("equity"));
  } else {
    chart.setData(data);
  }
}

async function loadAccounts() {
  const [accounts, positions] = await Promise.all([call("/api/v1/accounts"), call("/api/v1/positions")]);
  $("accounts").replaceChildren(...accounts.items.map((a) => {
    const pnl = Object.values(a.pnl).reduce((s, v) => s + Number(v), 0);
    const row = el("tr");
    row.append(el("td", `${a.account} (${a.currency})`), el("td", money(a.cash), "num"), el("td", money(a.equity), "num"),
      el("td", money(pnl), `num ${pnl >= 0 ? "up" : "down"}`));
    return row;
  }));
  $("positions").replaceChildren(...positions.items.map((p) => {
    const row = el("tr");
    row.append(el("td", p.symbol), el("td", p.quantity, "num"), el("td", money(p.avg_price), "num"), el("td", money(p.realized_pnl), "num"));
    return row;
  }));
  plotEquity(accounts.items);
}

// ---- signals, orders, fills, events, status ----------------------------------------------
async function loadFeeds() {
  const [signals, orders, fills, events] = await Promise.all([
    call("/api/v1/signals?limit=20"), call("/api/v1/orders?limit=20"), call("/api/v1/fills?limit=20"), call("/api/v1/events?limit=50"),
  ]);
  const sig = (s) => `${when(s.ts_event)} ${s.symbol} ${s.direction} (${s.strategy})`;
  const ord = (o) => `${when(o.ts_event)} ${o.side} ${o.quantity} ${o.symbol} ${o.order_type} ${o.status}`;
  const fil = (f) => `${when(f.ts_event)} fill ${f.side} ${f.quantity} ${f.symbol} @ ${f.price}`;
  const evt = (e) => `${when(e.ts_event)} ${e.level.toUpperCase()} ${e.source}: ${e.message}`;
  $("signals").replaceChildren(...signals.items.map((s) => el("li", sig(s))));
  $("orders").replaceChildren(...orders.items.map((o) => el("li", ord(o))));
  $("fills").replaceChildren(...fills.items.map((f) => el("li", fil(f))));
  $("events").replaceChildren(...events.items.map((e) => el("li", evt(e))));
  live.on("strategy.signal.>", (s) => prepend($("signals"), sig(s)));
  live.on("order.update.>", (o) => prepend($("orders"), ord(o)));
  live.on("order.fill.>", (f) => prepend($("fills"), fil(f)));
  live.on("system.>", (e) => prepend($("events"), evt(e)));
}

async function loadStatus() {
  const ready = await call("/readyz").catch((err) => {
    if (err instanceof ApiError && err.status === 503 && err.body) return err.body; // unready: still the checks
    throw err;
  });
  $("status").replaceChildren(...(ready.checks || []).map((c) => el("li", `${c.name}: ${c.detail}`, c.ok ? "ok" : "bad")));
}

// ---- kill switch -------------------------------------------------------------------------
async function loadKill() {
  const shown = (state) => {
    $("kill-state").textContent = state.halted
      ? state.halts.map((h) => `HALTED (${h.kind}) since ${when(h.since_ns)}: ${h.reason} — ${h.source}`).join("; ")
      : "trading allowed";
    $("kill-state").className = state.halted ? "down" : "up";
  };
  const act = async (fn) => {
    $("kill-error").textContent = "";
    try { await fn(); shown(await call("/api/v1/kill-switch")); } catch (err) { $("kill-error").textContent = err.message; }
  };
  $("kill-form").onsubmit = (event) => {
    event.preventDefault();
    if (confirm("Stop all trading now?")) act(() => call("/api/v1/kill-switch", { method: "POST", body: { reason: $("kill-reason").value } }));
  };
  $("resume").onclick = () => act(() => call("/api/v1/kill-switch/resume", { method: "POST", body: {} }));
  try { shown(await call("/api/v1/kill-switch")); } catch (err) { $("kill-state").textContent = err.message; }
}

// ---- backtests ---------------------------------------------------------------------------
async function loadRuns() {
  const runs = await call("/api/v1/runs?limit=100");
  $("runs").replaceChildren(...runs.items.map((r) => {
    const row = el("tr");
    const link = el("a", r.run_id);
    link.href = "#/backtests";
    link.onclick = async () => {
      const run = await call(`/api/v1/runs/${encodeURIComponent(r.run_id)}`);
      $("report").textContent = JSON.stringify(run.summary, null, 2);
    };
    const cell = el("td");
    cell.append(link);
    const report = el("td");
    if (r.report) {
      const open = el("a", "report"); // the session cookie goes with it: a plain link in a new tab
      open.href = r.report;
      open.target = "_blank";
      open.rel = "noopener";
      report.append(open);
    }
    row.append(cell, el("td", r.name), el("td", when(r.started_at)), el("td", when(r.finished_at)), report);
    return row;
  }));
}

function backtestForm() {
  live?.on("backtest.progress.>", (p) => {
    const pct = p.total ? Math.round((100 * p.done) / p.total) : 0;
    $("bt-progress").textContent = `${p.run_id}: ${p.status} ${pct}%${p.error ? ` — ${p.error}` : ""}`;
    if (p.status !== "running") guard(loadRuns)();
  });
  $("bt-form").onsubmit = async (event) => {
    event.preventDefault();
    $("bt-error").textContent = "";
    try {
      const job = await call("/api/v1/backtests", { method: "POST", body: { strategy: $("bt-strategy").value, symbol: $("bt-symbol").value } });
      $("bt-progress").textContent = `${job.run_id}: started`;
    } catch (err) {
      $("bt-error").textContent = err.message;
    }
  };
}

// ---- wiring ------------------------------------------------------------------------------
function guard(fn) {
  return () => fn().catch((err) => {
    if (err instanceof ApiError && err.status === 401) location.reload(); // the session ended: sign in again
    console.error(err);
  });
}

async function start() {
  live = new Live((on) => { $("conn").textContent = on ? "live" : "offline"; $("conn").className = on ? "pill on" : "pill"; });
  live.connect();
  await Promise.all([loadQuotes(), loadAlerts(), loadAccounts(), loadFeeds(), loadStatus(), loadKill()].map((p) => p.catch(console.error)));
  backtestForm();
  setInterval(guard(loadAccounts), 2000);
  setInterval(guard(loadStatus), 10000);
  route();
}

let researchMounted = false;
let eventsMounted = false;

function route() {
  const view = { "#/backtests": "backtests", "#/research": "research", "#/events": "events" }[location.hash] || "live";
  show(view);
  if (loggedIn && view === "backtests") guard(loadRuns)();
  if (loggedIn && view === "research" && live && !researchMounted) {
    researchMounted = true;
    mountResearch($("research"), { call, live: { on: (pattern, handler) => live.on(pattern, handler) } });
  }
  if (loggedIn && view === "events" && live && !eventsMounted) {
    eventsMounted = true;
    mountEvents($("events-page"), { call, live: { on: (pattern, handler) => live.on(pattern, handler) } });
  }
}

$("login-form").onsubmit = async (event) => {
  event.preventDefault();
  try {
    await session.signIn($("token").value.trim());
    $("token").value = "";
    loggedIn = true;
    route();
    await start();
  } catch (err) {
    $("login-error").textContent = err.message;
  }
};
$("logout").onclick = async () => {
  live?.close();
  await session.signOut().catch(console.error);
  location.replace("/");
};
window.addEventListener("hashchange", route);
if (location.hash === "#login-link-invalid") {
  $("login-error").textContent = "That sign-in link is no longer valid (its run stopped?): paste a token.";
  history.replaceState(null, "", "/");
}
signedIn().then((yes) => {
  loggedIn = yes;
  route();
  if (yes) start();
}).catch((err) => { $("login-error").textContent = err.message; route(); });
