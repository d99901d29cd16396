// The wallboard: queues, agents by state per provider, the day's chart, alerts. Live over the
// wallboard WebSocket (a new state at most twice a second); reconnects after a drop.
"use strict";

(() => {
  const { data, liveSocket, api, format, duration, number, percent, el } = Verbund;
  const page = data("wallboard-data");
  const T = page.texts;
  const STATES = ["ready", "reserved", "busy", "wrap_up", "not_ready", "logged_out"];
  const SVG = "http://www.w3.org/2000/svg";
  let state = page.state;
  let pledged = page.pledged;

  const $ = (id) => document.getElementById(id);

  // "YYYY-MM-DDTHH:MM" of the server's local time, for the interval that `at` falls in.
  function intervalKey(at) {
    const local = new Date((at + page.utc_offset) * 1000);
    local.setUTCMinutes(local.getUTCMinutes() - (local.getUTCMinutes() % 15), 0, 0);
    return local.toISOString().slice(0, 16);
  }

  function loggedIn(row) {
    return STATES.filter((s) => s !== "logged_out").reduce((sum, s) => sum + (row[s] || 0), 0);
  }

  function renderQueues() {
    const body = $("queues").tBodies[0];
    body.replaceChildren();
    for (const q of state.queues) {
      const [topic, language, channel] = q.queue.split(":");
      body.append(
        el(
          "tr",
          { "data-queue": q.queue },
          el("th", { scope: "row" }, `${topic} · ${language} · ${channel}`),
          el("td", { class: "n", "data-field": "waiting" }, number(q.waiting)),
          el("td", { class: "n", "data-field": "longest_wait" }, duration(q.longest_wait)),
          el("td", { class: "n", "data-field": "ewt" }, duration(q.ewt)),
          el("td", { class: "n", "data-field": "service_level" }, percent(q.service_level)),
          el("td", { class: "n", "data-field": "abandoned" }, `${number(q.abandoned)} (${percent(q.p_abandon)})`),
          el("td", { class: "n", "data-field": "answered" }, number(q.answered)),
          el("td", { class: "n", "data-field": "offered" }, `${number(q.offered)} / ${number(q.callers)}`),
        ),
      );
    }
    const t = state.totals;
    const waiting = state.queues.reduce((sum, q) => sum + q.waiting, 0);
    const longest = state.queues.reduce((max, q) => Math.max(max, q.longest_wait), 0);
    $("queues").tFoot.replaceChildren(
      el(
        "tr",
        { id: "totals" },
        el("th", { scope: "row" }, "Σ"),
        el("td", { class: "n", "data-field": "waiting" }, number(waiting)),
        el("td", { class: "n" }, duration(longest)),
        el("td", { class: "n" }, ""),
        el("td", { class: "n", "data-field": "service_level" }, percent(t.service_level)),
        el("td", { class: "n", "data-field": "abandoned" }, `${number(t.abandoned)} (${percent(t.p_abandon)})`),
        el("td", { class: "n", "data-field": "answered" }, number(t.answered)),
        el("td", { class: "n", "data-field": "offered" }, `${number(t.offered)} / ${number(t.callers)}`),
      ),
    );
  }

  function renderAgents() {
    const body = $("agents").tBodies[0];
    body.replaceChildren();
    const now = pledged[intervalKey(state.at)] || {};
    const rows = Object.entries(state.agents.by_provider);
    for (const provider of Object.keys(now)) {
      if (!state.agents.by_provider[provider]) rows.push([provider, {}]);
    }
    for (const [provider, row] of rows) {
      body.append(
        el(
          "tr",
          { "data-provider": provider },
          el("th", { scope: "row" }, provider),
          ...STATES.map((s) => el("td", { class: "n", "data-field": s }, number(row[s] || 0))),
          el("td", { class: "n", "data-field": "logged_in" }, number(loggedIn(row))),
          el("td", { class: "n", "data-field": "pledged" }, number(now[provider])),
        ),
      );
    }
    const all = state.agents.alliance;
    body.append(
      el(
        "tr",
        { class: "alliance", "data-provider": "" },
        el("th", { scope: "row" }, "Σ"),
        ...STATES.map((s) => el("td", { class: "n", "data-field": s }, number(all[s] || 0))),
        el("td", { class: "n", "data-field": "logged_in" }, number(loggedIn(all))),
        el("td", { class: "n" }, ""),
      ),
    );
  }

  function renderAlerts() {
    const alerts = [];
    const sl = state.totals.service_level;
    if (sl !== null && sl !== undefined && sl < page.goal) {
      alerts.push(format(T.alert_sl, { sl: percent(sl), goal: percent(page.goal) }));
    }
    const now = pledged[intervalKey(state.at)] || {};
    for (const [provider, agents] of Object.entries(now)) {
      const row = state.agents.by_provider[provider] || {};
      const logged = loggedIn(row);
      if (logged < agents) {
        alerts.push(format(T.alert_pledge, { provider, logged_in: number(logged), pledged: number(agents) }));
      }
    }
    const box = $("alerts");
    box.replaceChildren();
    if (!alerts.length) {
      box.append(el("p", { class: "no-alerts" }, T.no_alerts));
      return;
    }
    for (const text of alerts) box.append(el("p", { class: "alert", role: "alert" }, text));
  }

  function svg(tag, attributes, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  function renderChart() {
    const byKey = {};
    for (const row of state.intervals) byKey[row.start.slice(0, 16)] = row;
    const keys = [...new Set([...Object.keys(byKey), ...Object.keys(page.plan)])].sort();
    const box = $("chart");
    box.replaceChildren();
    if (!keys.length) {
      box.append(el("p", { class: "empty" }, T.no_data));
      return;
    }
    const W = 960, H = 300, left = 44, right = 44, top = 12, bottom = 40;
    const plotW = W - left - right, plotH = H - top - bottom;
    const step = plotW / keys.length;
    let peak = 1;
    for (const k of keys) {
      const r = byKey[k];
      peak = Math.max(peak, r ? r.offered : 0, page.plan[k] || 0);
    }
    const tickStep = Math.max(1, Math.ceil(peak / 4));
    peak = tickStep * 4 * 1.05;
    const y = (v) => top + plotH - (v / peak) * plotH;
    const ySL = (v) => top + plotH - v * plotH;
    const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", width: "100%" });
    for (let i = 0; i <= 4; i++) {
      const value = tickStep * i;
      chart.append(svg("line", { x1: left, x2: W - right, y1: y(value), y2: y(value), class: "gridline" }));
      chart.append(svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", class: "tick" }, number(value)));
      chart.append(svg("text", { x: W - right + 6, y: ySL(i / 4) + 4, class: "tick sl" }, percent(i / 4)));
    }
    const lines = { answered: [], abandoned: [], service_level: [], plan: [] };
    keys.forEach((k, i) => {
      const x = left + i * step;
      const cx = x + step / 2;
      const wide = Math.min(step * 0.8, 36), narrow = wide / 2;
      const r = byKey[k];
      if (r) {
        const bar = svg("rect", {
          x: cx - wide / 2, y: y(r.offered), width: wide, height: Math.max(0, y(0) - y(r.offered)),
          class: "bar offered", "data-interval": k.slice(11), "data-offered": r.offered,
        }, svg("title", {}, `${k.slice(11)} ${T.offered}: ${number(r.offered)}`));
        chart.append(bar);
        chart.append(svg("rect", {
          x: cx - narrow / 2, y: y(r.callers), width: narrow, height: Math.max(0, y(0) - y(r.callers)),
          class: "bar callers", "data-interval": k.slice(11), "data-callers": r.callers,
        }, svg("title", {}, `${k.slice(11)} ${T.callers}: ${number(r.callers)}`)));
        lines.answered.push([cx, y(r.answered)]);
        lines.abandoned.push([cx, y(r.abandoned)]);
        if (r.service_level !== null) lines.service_level.push([cx, ySL(r.service_level)]);
      }
      if (page.plan[k] !== undefined) lines.plan.push([cx, y(page.plan[k])]);
      if (keys.length <= 24 || i % 4 === 0) {
        chart.append(svg("text", { x: cx, y: H - bottom + 16, "text-anchor": "middle", class: "tick" }, k.slice(11)));
      }
    });
    for (const [name, points] of Object.entries(lines)) {
      if (!points.length) continue;
      chart.append(svg("polyline", { points: points.map((p) => p.join(",")).join(" "), class: `line ${name}`, "data-series": name }));
      for (const [px, py] of points) chart.append(svg("circle", { cx: px, cy: py, r: 2.5, class: `dot ${name}` }));
    }
    const legend = [["offered", T.offered], ["callers", T.callers], ["answered", T.answered], ["abandoned", T.abandoned], ["service_level", T.service_level], ["plan", T.plan]];
    let lx = left;
    for (const [name, label] of legend) {
      chart.append(svg("rect", { x: lx, y: H - 14, width: 10, height: 10, class: `key ${name}` }));
      chart.append(svg("text", { x: lx + 14, y: H - 5, class: "legend" }, label));
      lx += 30 + label.length * 7;
    }
    box.append(chart);
  }

  function render() {
    renderAlerts();
    renderQueues();
    renderAgents();
    renderChart();
  }

  async function refreshPledges() {
    try {
      const rows = await api("GET", `/api/v1/hotlines/${encodeURIComponent(page.hotline)}/pledges`);
      const fresh = {};
      for (const p of rows) {
        const key = p.interval_start.slice(0, 16);
        (fresh[key] = fresh[key] || {})[p.provider] = p.agents;
      }
      pledged = fresh;
      render();
    } catch (error) {
      // keep the pledges we have; the next try is in a minute
    }
  }

  liveSocket(
    `/api/v1/hotlines/${encodeURIComponent(page.hotline)}/wallboard/ws`,
    (message) => {
      if (message.type === "state") {
        state = message;
        render();
      }
    },
    (up) => {
      const node = $("connection");
      node.textContent = up ? T.connected : T.reconnecting;
      node.classList.toggle("down", !up);
    },
  );
  render();
  setInterval(refreshPledges, 60000);
})();
