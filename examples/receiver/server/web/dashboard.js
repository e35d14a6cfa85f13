// The dashboard's script: draws the charts of the page from the JSON the
// server embedded in #view-data, and follows /live: when a delivery of the
// page's vendor is committed it fetches the page's <main> again
// (?fragment=1) and swaps it in, then redraws. No build step; uPlot is
// loaded before this file.
"use strict";
(function () {
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"];
  // window.vhCharts lists the drawn charts: name, points, and the count of
  // non-null values, for people and tests alike.
  window.vhCharts = [];
  window.vhRefreshes = 0;

  function fmtTime(ts) {
    const d = new Date(ts * 1000);
    return d.toLocaleString();
  }

  function width(el) {
    return Math.max(300, el.clientWidth || el.parentElement.clientWidth || 600);
  }

  function count(series) {
    let n = 0;
    for (const s of series) for (const v of s) if (v !== null && v !== undefined) n++;
    return n;
  }

  // draw makes one uPlot chart in el and records it.
  function draw(el, name, opts, data) {
    el.textContent = "";
    const values = count(data.slice(1));
    el.dataset.points = String(data[0].length);
    el.dataset.values = String(values);
    if (data[0].length === 0) {
      el.classList.add("nodata");
      el.textContent = "no data yet";
      window.vhCharts.push({ name, points: 0, values: 0 });
      return;
    }
    opts.width = width(el);
    opts.height = opts.height || 180;
    opts.hooks = { draw: [() => { el.dataset.drawn = "1"; }] };
    const u = new uPlot(opts, data, el);
    window.vhCharts.push({ name, points: data[0].length, values, chart: u });
  }

  function line(label, i) {
    return { label, stroke: palette[i % palette.length], width: 1.5, spanGaps: false };
  }

  function drawPetal(d) {
    document.querySelectorAll('[data-chart="band"]').forEach((el) => {
      const c = d.channels.indexOf(el.dataset.channel);
      const series = [{}].concat(d.bands.map((b, i) => line(b, i)));
      draw(el, "band " + el.dataset.channel, { title: el.dataset.channel, series, height: 160 },
        [d.band_t].concat(d.band[c]));
    });
    document.querySelectorAll('[data-chart="quality"]').forEach((el) => {
      const series = [{}].concat(d.channels.map((c, i) => Object.assign(line(c, i), { paths: uPlot.paths.stepped({ align: 1 }) })));
      draw(el, "quality", { series, scales: { y: { range: [-0.1, 1.1] } } }, [d.quality_t].concat(d.quality));
    });
    document.querySelectorAll('[data-chart="markers"]').forEach((el) => {
      const pts = (label, i) => ({ label, stroke: palette[i], fill: palette[i], paths: () => null, points: { show: true, size: 7 } });
      draw(el, "markers", { series: [{}, pts("blink", 0), pts("eye", 1)], height: 120 }, [d.marker_t, d.blink, d.eye]);
    });
  }

  const stageNames = ["no data", "deep", "light", "REM", "wake"];

  function drawAsleep(d) {
    document.querySelectorAll('[data-chart="hypnogram"]').forEach((el) => {
      const s = d[Number(el.dataset.index)];
      const x = s.levels.map((_, i) => (i * 30) / 3600);
      draw(el, "hypnogram " + s.session, {
        scales: { x: { time: false }, y: { range: [-0.3, 4.3] } },
        axes: [{ label: "hours", values: (u, v) => v.map((h) => h.toFixed(1)) },
          { values: (u, v) => v.map((l) => stageNames[l] || ""), splits: () => [0, 1, 2, 3, 4], size: 60 }],
        series: [{ label: "h", value: (u, v) => v == null ? "" : v.toFixed(2) },
          { label: "stage", stroke: "#4b3f9e", width: 2, fill: "rgba(75,63,158,0.08)",
            paths: uPlot.paths.stepped({ align: 1 }), value: (u, v) => stageNames[v] || "" }],
        height: 170,
      }, [x, s.levels]);
    });
  }

  function drawWMS(d) {
    document.querySelectorAll('[data-chart="snr"]').forEach((el) => {
      const s = d[Number(el.dataset.index)];
      draw(el, "snr " + s.session, { series: [{}, Object.assign(line("SNR", 2), { points: { show: true } })], height: 140 }, [s.t, s.snr]);
    });
  }

  const drawers = { petal: drawPetal, asleep: drawAsleep, wms: drawWMS };

  function render() {
    window.vhCharts = [];
    const main = document.getElementById("main");
    document.querySelectorAll("td.ts").forEach((td) => { td.textContent = fmtTime(Number(td.dataset.ts)); });
    const holder = document.getElementById("view-data");
    const drawer = drawers[main.dataset.view];
    if (!holder || !drawer || !holder.dataset.json) return;
    drawer(JSON.parse(holder.dataset.json));
  }

  // refresh fetches the page's <main> again; one request at a time, and one
  // more after it when deliveries arrived meanwhile.
  let busy = false, again = false;
  async function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const u = new URL(location.href);
      u.searchParams.set("fragment", "1");
      const r = await fetch(u, { credentials: "same-origin", headers: { Accept: "text/html" } });
      if (r.ok) {
        const html = await r.text();
        const tpl = document.createElement("template");
        tpl.innerHTML = html;
        const next = tpl.content.getElementById("main");
        if (next) {
          document.getElementById("main").replaceWith(next);
          render();
          window.vhRefreshes++;
          document.body.dataset.refreshes = String(window.vhRefreshes);
        }
      }
    } catch (e) {
      console.warn("refresh failed", e);
    } finally {
      busy = false;
      if (again) { again = false; setTimeout(refresh, 250); }
    }
  }

  // deleteSession asks, then sends DELETE /sessions/{vendor}/{session}
  // (?source= when the button names one) with the page's cookie, and shows
  // the view again without the session. The button's page of one event
  // goes to the event log instead, since that event is gone.
  async function deleteSession(btn) {
    const d = btn.dataset;
    const hasSource = btn.hasAttribute("data-source");
    const source = hasSource ? (d.source ? `source "${d.source}"` : "no source") : "every source";
    if (!confirm(`Delete ${d.vendor} session "${d.session}" (${source})?\n\nIts stored rows and uploaded files are removed for good.`)) return;
    let u = "/sessions/" + encodeURIComponent(d.vendor) + "/" + encodeURIComponent(d.session);
    if (hasSource) u += "?source=" + encodeURIComponent(d.source);
    btn.disabled = true;
    try {
      const r = await fetch(u, { method: "DELETE", credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!r.ok) {
        let msg = r.status + " " + r.statusText;
        try { const j = await r.json(); if (j && j.error) msg = j.error; } catch (e) { /* not JSON */ }
        alert("The session was not deleted: " + msg);
        return;
      }
      window.vhDeleted = (window.vhDeleted || 0) + 1;
      if (document.getElementById("main").dataset.view === "event") {
        location.href = "/view/events?vendor=" + encodeURIComponent(d.vendor);
        return;
      }
      await refresh();
    } catch (e) {
      alert("The session was not deleted: " + e);
    } finally {
      btn.disabled = false;
    }
  }

  document.addEventListener("click", (ev) => {
    const btn = ev.target.closest && ev.target.closest("button.delete-session");
    if (btn) { ev.preventDefault(); deleteSession(btn); }
  });

  function follow() {
    const state = document.getElementById("live");
    if (!window.EventSource) return;
    const es = new EventSource("/live");
    es.onopen = () => { state.textContent = "live"; state.className = "live on"; document.body.dataset.live = "open"; };
    es.onerror = () => { state.textContent = "live: reconnecting"; state.className = "live off"; document.body.dataset.live = "closed"; };
    es.addEventListener("delivery", (m) => {
      const vendor = document.getElementById("main").dataset.vendor;
      let e = {};
      try { e = JSON.parse(m.data); } catch (err) { return; }
      if (vendor === "-") return; // a single event's page
      if (vendor && vendor !== e.vendor) return;
      refresh();
    });
  }

  document.addEventListener("DOMContentLoaded", () => { render(); follow(); });
  let resized;
  window.addEventListener("resize", () => { clearTimeout(resized); resized = setTimeout(render, 200); });
})();
