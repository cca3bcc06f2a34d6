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
    $("quotes-count").textContent = `(${$("quotes").children.length})`;
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
  const [alerts, fired] = await Promise.all([call("/api/v1/alerts"), call("/api/v1/alerts/firings?limit=20")]);
  $("alerts").replaceChildren(...alerts.items.map(alertItem));
  $("fired").replaceChildren(...fired.map((f) => el("li", `${when(f.ts_event)} ${f.description} at ${f.price}`, "fired")));
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

// ---- watchlists (symbols streamed for alerts and the dashboard, nothing traded) -----------
// Symbols from the settings (freeride.toml) are shown but only the stored ones can be removed here.
function watchChip(list, entry) {
  const li = el("li", entry.symbol, entry.source === "settings" ? "settings" : "stored");
  li.dataset.symbol = entry.symbol;
  if (entry.source === "settings") {
    li.title = "from the settings (freeride.toml): change it there";
    return li;
  }
  const remove = el("button", "×");
  remove.type = "button";
  remove.title = `stop watching ${entry.symbol}`;
  remove.onclick = () => guard(async () => {
    await call(`/api/v1/watchlists/${encodeURIComponent(list)}/symbols/${encodeURIComponent(entry.symbol)}`, { method: "DELETE" });
    await loadWatchlists();
  })();
  li.append(remove);
  return li;
}

async function loadWatchlists() {
  const lists = await call("/api/v1/watchlists");
  const blocks = [];
  let count = 0;
  for (const w of lists.items) {
    count += w.symbols.length;
    const chips = el("ul", undefined, "chips");
    chips.dataset.list = w.name;
    chips.append(...w.symbols.map((e) => watchChip(w.name, e)));
    blocks.push(el("p", w.name, "watch-name"), chips);
  }
  if (!blocks.length) blocks.push(el("p", "nothing watched yet", "dim"));
  $("watchlists").replaceChildren(...blocks);
  $("watch-count").textContent = `(${count})`;
}

async function watch(symbol, list) {
  $("watch-error").replaceChildren();
  try {
    await call(`/api/v1/watchlists/${encodeURIComponent(list)}/symbols`, { method: "POST", body: { symbol } });
    $("watch-symbol").value = "";
    await loadWatchlists();
  } catch (err) {
    $("watch-error").append(err.message);
    for (const s of err.body?.error?.suggestions || []) { // "did you mean EUR/USD": one tap adds it
      const pick = el("button", s, "suggest");
      pick.type = "button";
      pick.onclick = () => watch(s, list);
      $("watch-error").append(" ", pick);
    }
  }
}

async function loadWatch() {
  $("watch-form").onsubmit = (event) => {
    event.preventDefault();
    watch($("watch-symbol").value.trim(), $("watch-list").value.trim() || "default");
  };
  try {
    await loadWatchlists();
  } catch (err) {
    if (err instanceof ApiError && err.status === 503) $("watch-card").hidden = true; // none in this process
    else throw err;
  }
}

// ---- accounts, positions ----------------------------------------------------------------
async function loadAccounts() {
  const [accounts, positions] = await Promise.all([call("/api/v1/accounts"), call("/api/v1/positions")]);
  $("accounts").replaceChildren(...accounts.items.map((a) => {
    const pnl = Object.values(a.pnl).reduce((s, v) => s + Number(v), 0);
    const row = el("tr");
    row.dataset.account = a.account;
    row.append(el("td", `${a.account} (${a.currency})`), el("td", money(a.cash), "num"), el("td", money(a.equity), "num"),
      el("td", money(pnl), `num pnl ${pnl >= 0 ? "up" : "down"}`));
    return row;
  }));
  if (!accounts.items.length) $("accounts").replaceChildren(emptyRow(4, "no account in this process"));
  $("positions").replaceChildren(...positions.items.map((p) => {
    const row = el("tr");
    row.append(el("td", p.symbol), el("td", p.quantity, "num"), el("td", money(p.avg_price), "num"), el("td", money(p.realized_pnl), "num"));
    return row;
  }));
  $("positions-count").textContent = `(${positions.items.length})`;
}

let accountsQueued = null;
function accountsSoon() { // the table follows the marks, at most twice a second
  accountsQueued ??= setTimeout(() => { accountsQueued = null; guard(loadAccounts)(); }, 500);
}

function emptyRow(columns, text) {
  const row = el("tr");
  const cell = el("td", text, "dim");
  cell.colSpan = columns;
  row.append(cell);
  return row;
}

// ---- equity: the stored curve first, then every mark the WebSocket brings -----------------
// Marks are in market time (a replay's days, a simulated day's minutes), one per account.
const equity = { x: [], series: new Map(), chart: null };
const COLOURS = ["#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#f85149"];

function addMark(account, tsNs, value) {
  const x = Math.floor(tsNs / 1e9);
  let i = equity.x.length;
  if (i && x <= equity.x[i - 1]) {
    i = equity.x.indexOf(x);
    if (i < 0) return false; // older than the curve's end and not on it: out of order, skip
  } else {
    equity.x.push(x);
    for (const values of equity.series.values()) values.push(null);
  }
  if (!equity.series.has(account)) equity.series.set(account, new Array(equity.x.length).fill(null));
  equity.series.get(account)[i] = value;
  return true;
}

function drawEquity() {
  const names = [...equity.series.keys()];
  const box = $("equity");
  $("equity-note").textContent = equity.x.length ? `(${equity.x.length} mark${equity.x.length === 1 ? "" : "s"})` : "(no marks yet: the first comes with the first price)";
  box.dataset.points = String(equity.x.length);
  if (!equity.x.length) return;
  const data = [equity.x, ...names.map((n) => equity.series.get(n))];
  const width = Math.max(200, box.clientWidth || 600);
  if (!equity.chart || equity.chart.series.length !== names.length + 1) {
    equity.chart?.destroy();
    equity.chart = new uPlot({
      width, height: 240,
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true }))],
      axes: [{ stroke: "#8a94a3", grid: { stroke: "#2a3240" } }, { stroke: "#8a94a3", size: 80, grid: { stroke: "#2a3240" } }],
      legend: { live: false },
      // a flat curve (no trade yet) sits mid-chart on a narrow band instead of a 0..2× axis
      scales: { x: { time: true, range: (u, min, max) => (min === max ? [min - 3600, max + 3600] : [min, max]) },
        y: { range: (u, min, max) => {
        const pad = Math.max((max - min) * 0.08, Math.abs(max) * 0.0005, 0.01);
        return [min - pad, max + pad];
      } } },
    }, data, box);
  } else {
    equity.chart.setData(data);
  }
}

let drawQueued = false;
function drawSoon() { // many marks in one frame (a fast replay) draw once
  if (drawQueued) return;
  drawQueued = true;
  requestAnimationFrame(() => { drawQueued = false; drawEquity(); });
}

async function loadEquity() {
  const stored = await call("/api/v1/equity?points=2000");
  for (const m of stored.items) addMark(m.account, m.ts_event, Number(m.equity));
  drawEquity();
  live.on("portfolio.account.>", (a) => {
    if (addMark(a.account, a.ts_event, Number(a.equity))) drawSoon();
    accountsSoon();
  });
  new ResizeObserver(() => equity.chart?.setSize({ width: Math.max(200, $("equity").clientWidth), height: 240 })).observe($("equity"));
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
  const [ready, markets] = await Promise.all([
    call("/readyz").catch((err) => {
      if (err instanceof ApiError && err.status === 503 && err.body) return err.body; // unready: still the checks
      throw err;
    }),
    call("/api/v1/markets").catch(() => null),
  ]);
  $("status").replaceChildren(...(ready.checks || []).map((c) => el("li", `${c.name}: ${c.detail}`, c.ok ? "ok" : "bad")));
  const items = [];
  if (markets && markets.followed) {
    if (markets.always_open) items.push(el("li", "markets: always open (demo)", "ok"));
    for (const m of markets.markets) items.push(el("li", `${m.symbol}: ${m.message}`, m.status === "open" ? "ok" : "closed"));
  } else if (markets) {
    items.push(el("li", "markets: replay (the files' own times; no market hours followed)", "ok"));
  }
  $("markets").replaceChildren(...items);
}

function showHalt(state) {
  $("halt-state").textContent = state.halted
    ? `Trading halted: ${state.halts.map((h) => `${h.kind} since ${when(h.since_ns)} (${h.reason})`).join("; ")}`
    : "Trading allowed";
  $("halt-state").className = `halt ${state.halted ? "down" : "up"}`;
}

// ---- kill switch -------------------------------------------------------------------------
async function loadKill() {
  const shown = (state) => {
    showHalt(state);
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
const day = (ns) => (ns ? new Date(ns / 1e6).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" }) : "");
const pct = (v) => `${(100 * Number(v)).toFixed(2)} %`; // a fraction as a percentage
const num = (v, digits = 2) => Number(v).toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });

// The headline figures of a backtest summary, formatted; the rest of it stays in its report.
function summaryView(summary, reportUrl) {
  const ccy = summary.spec?.currency || "";
  const start = Number(summary.starting_cash);
  const final = Number(summary.final_equity);
  const ret = start ? final / start - 1 : null;
  const figures = [
    ["Strategy", `${summary.strategy} on ${(summary.symbols || []).join(", ")}`],
    ["Period", `${day(summary.start)} – ${day(summary.end)} (${num(summary.bars, 0)} bars)`],
    ["Starting cash", `${num(start)} ${ccy}`],
    ["Final equity", `${num(final)} ${ccy}`, ret === null ? "" : ret >= 0 ? "up" : "down"],
    ["Return", ret === null ? "" : pct(ret), ret === null ? "" : ret >= 0 ? "up" : "down"],
    ["Trades", num(summary.trades, 0)],
    ["Fills", num(summary.fills, 0)],
    ["Commission paid", `${num(summary.commission)} ${ccy}`],
  ];
  const metric = (key, label, fmt) => { if (summary[key] !== undefined && summary[key] !== null) figures.push([label, fmt(summary[key])]); };
  const percent = (v) => `${num(v)} %`; // the metrics' *_pct are percentages already
  metric("annual_return_pct", "Annual return", percent);
  metric("volatility_pct", "Volatility (annual)", percent);
  metric("sharpe", "Sharpe", (v) => num(v));
  metric("sortino", "Sortino", (v) => num(v));
  metric("max_drawdown_pct", "Max drawdown", percent);
  metric("max_drawdown_days", "Longest drawdown", (v) => `${num(v, 0)} days`);
  metric("win_rate_pct", "Win rate", percent);
  metric("profit_factor", "Profit factor", (v) => num(v));
  metric("exposure_pct", "Time in the market", percent);
  const params = summary.spec?.params || {};
  const shown = Object.entries(params).filter(([, v]) => v !== null && v !== "");
  if (shown.length) figures.push(["Parameters", shown.map(([k, v]) => `${k} ${v}`).join(", ")]);
  const list = el("dl", undefined, "summary");
  for (const [label, value, cls] of figures) {
    const item = el("div");
    item.append(el("dt", label), el("dd", value, cls || undefined));
    list.append(item);
  }
  const out = [list];
  if (reportUrl) {
    const link = el("a", "Open the full report (charts, every trade)");
    link.href = reportUrl;
    link.target = "_blank";
    link.rel = "noopener";
    link.id = "bt-report-link";
    const p = el("p");
    p.append(link);
    out.push(p);
  }
  return out;
}

function showRun(run) {
  $("bt-result-name").textContent = run.run_id;
  $("report").replaceChildren(...(run.summary ? summaryView(run.summary, run.report) : [el("p", "no figures stored for this run", "dim")]));
}

async function loadRuns() {
  const runs = await call("/api/v1/runs?limit=100");
  $("runs").replaceChildren(...runs.items.map((r) => {
    const row = el("tr");
    const link = el("a", r.run_id);
    link.href = "#/backtests";
    link.onclick = async (event) => {
      event.preventDefault();
      showRun(await call(`/api/v1/runs/${encodeURIComponent(r.run_id)}`));
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
    row.append(cell, el("td", r.name), el("td", when(r.started_at)), el("td", when(r.finished_at), "opt"), report);
    return row;
  }));
}

// The form offers the symbols with data in this process and each strategy's declared parameters.
function paramInputs(strategy) {
  const box = $("bt-params");
  box.replaceChildren(el("legend", "Parameters"));
  for (const p of strategy.params) {
    const label = el("label", p.name);
    let input;
    if (p.type === "choice") {
      input = el("select");
      for (const c of p.choices) input.append(new Option(c, c, false, c === p.default));
    } else if (p.type === "bool") {
      input = el("select");
      input.append(new Option("yes", "true", false, p.default === true), new Option("no", "false", false, p.default === false));
    } else {
      input = el("input");
      input.type = "number";
      input.step = p.type === "int" ? "1" : "any";
      if (p.default !== null) input.value = String(p.default);
    }
    input.dataset.param = p.name;
    input.dataset.type = p.type;
    input.id = `bt-param-${p.name}`;
    label.append(input);
    box.append(label);
  }
}

function paramValues() {
  const out = {};
  for (const input of $("bt-params").querySelectorAll("[data-param]")) {
    const { param, type } = input.dataset;
    if (input.value === "") continue;
    out[param] = type === "bool" ? input.value === "true" : type === "choice" || type === "str" ? input.value : Number(input.value);
  }
  return out;
}

async function backtestForm() {
  const options = await call("/api/v1/backtests/options");
  $("bt-symbol").replaceChildren(...options.symbols.map((s) => new Option(s, s)));
  $("bt-strategy").replaceChildren(...options.strategies.map((s) => new Option(s.name, s.name)));
  const byName = new Map(options.strategies.map((s) => [s.name, s]));
  $("bt-strategy").onchange = () => paramInputs(byName.get($("bt-strategy").value));
  const first = byName.get("sma_cross") || options.strategies[0]; // the README's example first
  if (first) { $("bt-strategy").value = first.name; paramInputs(first); }
  live?.on("backtest.progress.>", (p) => {
    const share = p.total ? Math.round((100 * p.done) / p.total) : 0;
    $("bt-progress").textContent = `${p.run_id}: ${p.status} ${share}%${p.error ? ` — ${p.error}` : ""}`;
    if (p.status !== "running") guard(loadRuns)();
    if (p.status === "done") guard(async () => showRun(await call(`/api/v1/runs/${encodeURIComponent(p.run_id)}`)))();
  });
  $("bt-form").onsubmit = async (event) => {
    event.preventDefault();
    $("bt-error").textContent = "";
    const body = {
      strategy: $("bt-strategy").value,
      symbol: $("bt-symbol").value,
      params: paramValues(),
      cash: $("bt-cash").value,
      commission: $("bt-commission").value,
    };
    if ($("bt-start").value) body.start = $("bt-start").value; // empty: from the file's first bar
    if ($("bt-end").value) body.end = $("bt-end").value;
    try {
      const job = await call("/api/v1/backtests", { method: "POST", body });
      $("bt-progress").textContent = `${job.run_id}: started`;
      if (job.status === "done") showRun(await call(`/api/v1/runs/${encodeURIComponent(job.run_id)}`));
    } catch (err) {
      $("bt-error").textContent = err.message;
    }
  };
}

// ---- wiring ------------------------------------------------------------------------------
// On a phone the long lists start folded (a tap opens them): status, P&L and alerts come first.
function foldOnPhones() {
  if (!matchMedia("(max-width: 480px)").matches) return;
  for (const d of document.querySelectorAll("details.fold.long")) d.open = false;
}

function guard(fn) {
  return () => fn().catch((err) => {
    if (err instanceof ApiError && err.status === 401) location.reload(); // the session ended: sign in again
    console.error(err);
  });
}

async function start() {
  live = new Live((on) => { $("conn").textContent = on ? "live" : "offline"; $("conn").className = on ? "pill on" : "pill"; });
  live.connect();
  foldOnPhones();
  await Promise.all([loadQuotes(), loadAlerts(), loadAccounts(), loadEquity(), loadWatch(), loadFeeds(), loadStatus(), loadKill()].map((p) => p.catch(console.error)));
  backtestForm().catch(console.error);
  setInterval(guard(loadAccounts), 2000);
  setInterval(guard(loadStatus), 10000);
  setInterval(guard(async () => showHalt(await call("/api/v1/kill-switch"))), 5000);
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
