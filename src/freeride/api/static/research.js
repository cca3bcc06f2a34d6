// The Research page: the news stream coloured by sentiment, sentiment over time per symbol, the
// current trade plans with their outcomes, and each symbol's track record. REST draws the first
// picture; research.sentiment.> and research.plan.> over the WebSocket keep it current.
// mountResearch(root, ctx) needs ctx.call(path, options) and ctx.live.on(pattern, handler).

const STYLE = `
.rs-news li { border-left: 4px solid #777; padding: .2rem .4rem; margin: .2rem 0; list-style: none; }
.rs-news li.positive { border-color: #2e9e5b; } .rs-news li.negative { border-color: #d0443c; }
.rs-news .meta { font-size: .8em; opacity: .75; } .rs-news a { color: inherit; }
.rs-score.positive { color: #2e9e5b; } .rs-score.negative { color: #d0443c; }
.rs-plans td, .rs-plans th, .rs-record td, .rs-record th { padding: .15rem .4rem; text-align: right; white-space: nowrap; }
.rs-plans td:first-child, .rs-plans th:first-child, .rs-record td:first-child { text-align: left; }
.rs-long { color: #2e9e5b; font-weight: 600; } .rs-short { color: #d0443c; font-weight: 600; }
.rs-why { font-size: .8em; opacity: .8; white-space: normal !important; text-align: left !important; max-width: 40rem; }
.rs-news ul { padding: 0; margin: 0; }`;

const SKELETON = `
<section class="card wide" id="rs-plans-card">
  <h2>Trade plans</h2>
  <form id="rs-plan-form" class="row">
    <input id="rs-plan-symbol" placeholder="symbol (AAPL, EUR/USD)" required size="16">
    <button type="submit">Make plan</button>
    <button type="button" id="rs-evaluate" class="quiet">Evaluate plans</button>
  </form>
  <p id="rs-plan-error" class="error" role="alert"></p>
  <table class="rs-plans"><thead><tr><th>plan</th><th>made (UTC)</th><th>direction</th><th>entry</th><th>stop</th>
    <th>targets</th><th>size</th><th>R:R</th><th>conf.</th><th>outcome</th><th>R</th></tr></thead>
    <tbody id="rs-plans"></tbody></table>
</section>
<section class="card" id="rs-record-card">
  <h2>Track record</h2>
  <table class="rs-record"><thead><tr><th>symbol</th><th>plans</th><th>decided</th><th>hit rate</th><th>avg R</th></tr></thead>
    <tbody id="rs-record"></tbody></table>
</section>
<section class="card" id="rs-chart-card">
  <h2>Sentiment over time</h2>
  <div class="row"><select id="rs-chart-symbol"></select></div>
  <div id="rs-chart"></div>
  <p id="rs-chart-note" class="dim"></p>
</section>
<section class="card wide rs-news" id="rs-news-card">
  <h2>News <span class="count" id="rs-news-count">0</span></h2>
  <div class="row"><input id="rs-news-symbol" placeholder="filter by symbol" size="14"></div>
  <ul id="rs-news"></ul>
</section>`;

const when = (ns) => (ns ? new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 16) : "");
const fmt = (x) => (x === null || x === undefined ? "—" : Number(x).toPrecision(6).replace(/\.?0+$/, ""));

function node(tag, text, cls) {
  const n = document.createElement(tag);
  if (text !== undefined && text !== null) n.textContent = text;
  if (cls) n.className = cls;
  return n;
}

export function mountResearch(root, ctx) {
  if (!document.getElementById("rs-style")) {
    const style = node("style", STYLE);
    style.id = "rs-style";
    document.head.append(style);
  }
  const holder = document.createElement("template");
  holder.innerHTML = SKELETON.trim();
  root.append(holder.content);
  const $ = (id) => root.querySelector(`#${id}`);
  const stories = new Map();
  let chart = null;

  // ---- news stream -----------------------------------------------------------------------------
  function storyItem(s) {
    const li = node("li", null, s.label);
    li.dataset.story = s.story_id;
    const head = node("div");
    const score = node("span", `${s.score >= 0 ? "+" : ""}${s.score.toFixed(2)} `, `rs-score ${s.label}`);
    const link = node("a", s.headline);
    link.href = s.url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    head.append(score, link);
    const sources = s.sources.length > 1 ? `${s.sources.length} feeds: ${s.sources.join(", ")}` : s.sources.join(", ");
    const meta = node("div", `${when(s.ts_event)} · ${s.symbols.join(" ") || "market"} · ${sources} · ${s.model}${s.fallback ? ` (fallback: ${s.fallback.split(":")[0]})` : ""}`, "meta");
    li.title = s.rationale || "";
    li.append(head, meta);
    return li;
  }

  function renderNews() {
    const filter = $("rs-news-symbol").value.trim().toUpperCase();
    const list = $("rs-news");
    const shown = [...stories.values()]
      .filter((s) => !filter || s.symbols.includes(filter))
      .sort((a, b) => b.ts_event - a.ts_event)
      .slice(0, 200);
    list.replaceChildren(...shown.map(storyItem));
    $("rs-news-count").textContent = String(shown.length);
  }

  async function loadNews() {
    const page = await ctx.call("/api/v1/news?limit=300");
    for (const s of page.items) stories.set(s.story_id, s);
    renderNews();
    const symbols = [...new Set(page.items.flatMap((s) => s.symbols))].sort();
    const select = $("rs-chart-symbol");
    const current = select.value;
    select.replaceChildren(...symbols.map((s) => { const o = node("option", s); o.value = s; return o; }));
    if (symbols.includes(current)) select.value = current;
    if (symbols.length) await loadChart();
    else $("rs-chart-note").textContent = "No scored stories yet.";
  }

  // ---- sentiment over time ---------------------------------------------------------------------
  async function loadChart() {
    const symbol = $("rs-chart-symbol").value;
    if (!symbol) return;
    const series = await ctx.call(`/api/v1/sentiment?symbol=${encodeURIComponent(symbol)}&bucket=1h`);
    const xs = series.points.map((p) => p.ts / 1e9);
    const ys = series.points.map((p) => p.score);
    $("rs-chart-note").textContent = `${symbol}: ${series.points.reduce((n, p) => n + p.stories, 0)} stories, confidence-weighted mean per hour`;
    const box = $("rs-chart");
    const width = Math.max(280, box.clientWidth || 320);
    if (chart) chart.destroy();
    if (typeof uPlot === "undefined") return;
    chart = new uPlot({
      width, height: 180,
      scales: { y: { range: [-1, 1] } },
      series: [{}, { label: "sentiment", stroke: "#5b8def", width: 2, points: { show: true } }],
      axes: [{ stroke: "#aaa" }, { stroke: "#aaa" }],
    }, [xs, ys], box);
  }

  // ---- plans -------------------------------------------------------------------------------------
  async function loadPlans() {
    const page = await ctx.call("/api/v1/plans?limit=50");
    const rows = page.items.map((p) => {
      const tr = node("tr");
      const size = p.lots !== null && p.lots !== undefined ? `${p.lots} lots` : `${p.quantity} sh`;
      const outcome = p.outcome ? p.outcome.outcome.replace("_", " ") : "not evaluated";
      const r = p.outcome && ["target", "stop", "expired"].includes(p.outcome.outcome) ? p.outcome.r_multiple.toFixed(2) : "";
      const cells = [p.plan_id, when(p.ts_event), null, `${fmt(p.entry_low)}–${fmt(p.entry_high)}`, fmt(p.stop),
        `${fmt(p.target1)} / ${fmt(p.target2)}`, size, String(p.reward_risk), p.confidence.toFixed(2), outcome, r];
      cells.forEach((text, i) => {
        const td = node("td", text);
        if (i === 2) { td.textContent = p.direction; td.className = p.direction === "long" ? "rs-long" : "rs-short"; }
        tr.append(td);
      });
      tr.title = p.rationale;
      return tr;
    });
    $("rs-plans").replaceChildren(...rows);
    const record = Object.entries(page.track_record).map(([symbol, r]) => {
      const tr = node("tr");
      for (const text of [symbol, r.plans, r.decided, r.decided ? `${Math.round(r.hit_rate * 100)} %` : "—", r.decided ? r.avg_r.toFixed(2) : "—"]) {
        tr.append(node("td", String(text)));
      }
      return tr;
    });
    $("rs-record").replaceChildren(...record);
  }

  $("rs-plan-form").onsubmit = async (event) => {
    event.preventDefault();
    $("rs-plan-error").textContent = "";
    try {
      await ctx.call("/api/v1/plans", { method: "POST", body: { symbol: $("rs-plan-symbol").value.trim() } });
      await loadPlans();
    } catch (err) {
      $("rs-plan-error").textContent = err.message;
    }
  };
  $("rs-evaluate").onclick = async () => {
    $("rs-plan-error").textContent = "";
    try {
      await ctx.call("/api/v1/plans/evaluate", { method: "POST" });
      await loadPlans();
    } catch (err) {
      $("rs-plan-error").textContent = err.message;
    }
  };
  $("rs-news-symbol").oninput = renderNews;
  $("rs-chart-symbol").onchange = () => loadChart().catch(console.error);

  ctx.live.on("research.sentiment.>", (s) => { stories.set(s.story_id, s); renderNews(); });
  ctx.live.on("research.plan.>", () => loadPlans().catch(console.error));
  Promise.all([loadNews(), loadPlans()]).catch((err) => { $("rs-plan-error").textContent = err.message; });
}
