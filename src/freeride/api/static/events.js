// The Events page: the journal with the same filters as `freeride events`, live over the WebSocket,
// and a click on a correlation id shows its chain hop by hop (what `freeride trace` prints).
// mountEvents(root, ctx) needs ctx.call(path, options) and ctx.live.on(pattern, handler).

const LEVELS = ["debug", "info", "warning", "error", "critical"];
const SINCE = [["15m", 900], ["1h", 3600], ["6h", 21600], ["24h", 86400], ["7d", 604800], ["all", 0]];

const STYLE = `
.ev-filters { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; }
.ev-table td { font-size: 12px; vertical-align: top; }
.ev-table td.msg { white-space: normal; overflow-wrap: anywhere; min-width: 18rem; }
.ev-level { font-weight: 600; } .ev-level.warning { color: #d29922; } .ev-level.error, .ev-level.critical { color: var(--down); }
.ev-level.debug { color: var(--dim); }
.ev-cid { cursor: pointer; color: var(--accent); } .ev-new { animation: flash .8s; }
.ev-chain li { font-family: ui-monospace, monospace; font-size: 12px; }
.ev-chain .took { display: inline-block; min-width: 6rem; text-align: right; color: var(--dim); margin-right: .6rem; }
#ev-card { max-height: 75vh; }`;

const SKELETON = `
<section class="card wide" id="ev-card">
  <h2>Events <span id="ev-count" class="pill"></span> <span id="ev-live" class="pill">live</span></h2>
  <form id="ev-form" class="ev-filters">
    <select id="ev-since" title="since">${SINCE.map(([l, s]) => `<option value="${s}"${l === "24h" ? " selected" : ""}>${l}</option>`).join("")}</select>
    <select id="ev-level" title="level or worse"><option value="">any level</option>${LEVELS.map((l) => `<option>${l}</option>`).join("")}</select>
    <input id="ev-component" placeholder="component" size="10">
    <input id="ev-kind" placeholder="kind" size="14">
    <input id="ev-symbol" placeholder="symbol" size="8">
    <input id="ev-cid" placeholder="correlation id" size="16">
    <button type="submit">Apply</button>
    <button type="button" id="ev-clear" class="quiet">Clear</button>
  </form>
  <p id="ev-error" class="error" role="alert"></p>
  <table class="ev-table"><thead><tr><th>time (UTC)</th><th>level</th><th>component</th><th>kind</th><th>symbol</th><th>chain</th><th>message</th></tr></thead>
    <tbody id="ev-rows"></tbody></table>
  <button type="button" id="ev-more">Older</button>
</section>
<section class="card wide" id="ev-chain-card" hidden>
  <h2>Chain <span id="ev-chain-id" class="mono"></span></h2>
  <ul id="ev-chain" class="list ev-chain"></ul>
</section>`;

const when = (ns) => new Date(ns / 1e6).toISOString().replace("T", " ").slice(0, 23);
const took = (ns) => (ns < 1e6 ? `${(ns / 1e3).toFixed(0)} µs` : ns < 1e9 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e9).toFixed(2)} s`);

export function mountEvents(root, ctx) {
  if (!document.getElementById("ev-style")) {
    const style = document.createElement("style");
    style.id = "ev-style";
    style.textContent = STYLE;
    document.head.append(style);
  }
  root.innerHTML = SKELETON;
  const $ = (id) => root.querySelector(`#${id}`);
  let offset = 0;
  let total = 0;

  const filters = () => ({
    since: Number($("ev-since").value),
    min_level: $("ev-level").value,
    component: $("ev-component").value.trim(),
    kind: $("ev-kind").value.trim(),
    symbol: $("ev-symbol").value.trim().toUpperCase(),
    correlation_id: $("ev-cid").value.trim(),
  });

  const query = (f, limit, skip) => {
    const q = new URLSearchParams({ limit: String(limit), offset: String(skip) });
    if (f.since) q.set("start", new Date(Date.now() - f.since * 1000).toISOString());
    for (const key of ["min_level", "component", "kind", "symbol", "correlation_id"]) if (f[key]) q.set(key, f[key]);
    return `/api/v1/events?${q}`;
  };

  const matches = (e, f) => {
    if (f.since && e.ts_event < (Date.now() - f.since * 1000) * 1e6) return false;
    if (f.min_level && LEVELS.indexOf(e.level) < LEVELS.indexOf(f.min_level)) return false;
    if (f.component && e.source !== f.component) return false;
    if (f.kind && e.kind !== f.kind) return false;
    if (f.symbol && e.symbol !== f.symbol) return false;
    if (f.correlation_id && e.correlation_id !== f.correlation_id) return false;
    return true;
  };

  const row = (e, fresh) => {
    const tr = document.createElement("tr");
    if (fresh) tr.className = "ev-new";
    const cells = [when(e.ts_event), e.level, e.source, e.kind, e.symbol || "", e.correlation_id || "", e.message];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 1) td.className = `ev-level ${e.level}`;
      if (i === 5 && text) { td.className = "ev-cid"; td.title = "show this chain"; td.onclick = () => chain(text, 0, -1); }
      if (i === 6) td.className = "msg";
      tr.append(td);
    });
    return tr;
  };

  const count = () => { $("ev-count").textContent = `${total.toLocaleString()} matching`; };

  async function load(more = false) {
    $("ev-error").textContent = "";
    try {
      const page = await ctx.call(query(filters(), 100, more ? offset : 0));
      if (!more) $("ev-rows").replaceChildren();
      for (const e of page.items) $("ev-rows").append(row(e, false));
      offset = (more ? offset : 0) + page.items.length;
      total = page.total;
      count();
      $("ev-more").hidden = offset >= total;
    } catch (err) {
      $("ev-error").textContent = err.message;
    }
  }

  // A chain clicked while the run is live may still be reaching the journal (the recorder writes
  // in batches, the page shows entries as they are published): look again each second until the
  // chain stops growing.
  let chainTimer = null;
  async function chain(cid, tries = 0, before = -1) {
    clearTimeout(chainTimer);
    const page = await ctx.call(`/api/v1/events?correlation_id=${encodeURIComponent(cid)}&limit=1000`);
    const hops = page.items.slice().sort((a, b) => a.id - b.id);
    $("ev-chain-card").hidden = false;
    $("ev-chain-id").textContent = `${cid} · ${hops.length} hops`;
    let previous = hops.length ? hops[0].ts_init : 0;
    $("ev-chain").replaceChildren(...hops.map((e, i) => {
      const li = document.createElement("li");
      const span = document.createElement("span");
      span.className = "took";
      span.textContent = i === 0 ? "start" : `+${took(e.ts_init - previous)}`;
      previous = e.ts_init;
      li.append(span, `${e.source}/${e.kind}  ${e.symbol || ""}  ${e.message}`);
      return li;
    }));
    if (tries === 0) $("ev-chain-card").scrollIntoView({ behavior: "smooth" });
    if (tries < 10 && hops.length !== before) chainTimer = setTimeout(() => chain(cid, tries + 1, hops.length), 1000);
  }

  $("ev-form").onsubmit = (event) => { event.preventDefault(); load(); };
  $("ev-clear").onclick = () => { for (const id of ["ev-component", "ev-kind", "ev-symbol", "ev-cid", "ev-level"]) $(id).value = ""; load(); };
  $("ev-more").onclick = () => load(true);
  // every system event as it is published; "system.*.>" so the Live page's own subscription stays its own
  ctx.live.on("system.*.>", (e) => {
    if (!matches(e, filters())) return;
    $("ev-rows").prepend(row(e, true));
    while ($("ev-rows").children.length > 500) $("ev-rows").lastChild.remove();
    total += 1;
    offset += 1;
    count();
  });
  load();
}
