import { eventMapScript } from "./eventMapScript";

/**
 * The dashboard's browser code, shipped inline (no CDN, works offline). Every piece of event data reaches the page
 * through `textContent` or `dataset`, never through HTML parsing, so a hostile event type or id cannot run script;
 * the page's Content-Security-Policy allows only this exact script (by hash) as a second line of defence.
 * Written as plain ES2017 in a string because the server's TypeScript has no DOM types.
 */
export const dashboardScript = String.raw`
"use strict";
(function () {
  var POLL_MS = 2000;
  var manifest = JSON.parse(document.getElementById("manifest").textContent);
  var state = { status: "", flow: "", flows: [], open: null, openData: null };
  var statusOrder = { stalled: 0, running: 1, failed: 2, completed: 3 };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (k.indexOf("data-") === 0) node.setAttribute(k, attrs[k]);
      else if (k === "onclick") node.addEventListener("click", attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function time(iso) { var d = new Date(iso); return isNaN(d) ? String(iso) : d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0"); }
  function ago(iso) {
    var s = Math.max(0, (Date.now() - new Date(iso).getTime()) / 1000);
    return s < 60 ? Math.round(s) + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
  }
  function duration(ms) { return ms < 1000 ? "+" + Math.round(ms) + " ms" : "+" + (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + " s"; }
  function badge(status) { return el("span", { class: "badge " + String(status), text: String(status), "data-testid": "status" }); }
  function serviceOf(source) { var m = /^\/services\/([A-Za-z0-9-]+)$/.exec(String(source)); return m ? m[1] : "client"; }

  // In Azure the journal app is behind App Service authentication: a browser without a session gets 401 from the API,
  // signs in at the platform's login endpoint and comes back here; the session cookie then goes with every fetch
  // (same origin), and the API still requires the Flows.Read role. At most once a minute, so a sign-in that does not
  // help (no role, a misconfigured app registration) shows the error instead of looping.
  function signIn() {
    var last = Number(sessionStorage.getItem("dashboard-sign-in-at") || 0);
    if (Date.now() - last < 60000) return false;
    sessionStorage.setItem("dashboard-sign-in-at", String(Date.now()));
    location.assign("/.auth/login/aad?post_login_redirect_uri=" + encodeURIComponent(location.pathname + location.search));
    return true;
  }

  async function getJson(url) {
    var response = await fetch(url, { headers: { accept: "application/json" }, credentials: "same-origin" });
    if (response.status === 401 && signIn()) throw new Error("signing in");
    if (!response.ok) throw new Error(url + " answered " + response.status);
    return response.json();
  }

  function renderCounts() {
    var counts = { "": state.flows.length, running: 0, stalled: 0, completed: 0, failed: 0 };
    state.flows.forEach(function (f) { counts[f.status] = (counts[f.status] || 0) + 1; });
    var bar = clear(document.getElementById("filters"));
    ["", "stalled", "running", "completed", "failed"].forEach(function (s) {
      bar.appendChild(el("button", {
        class: "filter" + (state.status === s ? " active" : "") + (s ? " " + s : ""),
        "data-status": s || "all",
        onclick: function () { state.status = s; render(); },
      }, [(s || "all") + " ", el("span", { class: "count", text: String(counts[s] || 0) })]));
    });
  }

  function renderTable() {
    var body = clear(document.getElementById("flows-body"));
    var shown = state.flows
      .filter(function (f) { return (!state.status || f.status === state.status) && (!state.flow || f.flow === state.flow); })
      .sort(function (a, b) { return (statusOrder[a.status] - statusOrder[b.status]) || ((a.endedAt || a.startedAt) < (b.endedAt || b.startedAt) ? 1 : -1); });
    shown.forEach(function (f) {
      var row = el("tr", {
        class: "flow-row" + (state.open === f.correlationId ? " selected" : ""),
        "data-correlation-id": f.correlationId,
        onclick: function () { openFlow(f.correlationId); },
      }, [
        el("td", { class: "mono", text: f.correlationId }),
        el("td", { text: f.flow || "?" }),
        el("td", {}, [badge(f.status)]),
        el("td", { text: time(f.startedAt), title: f.startedAt }),
        // What it waits for is in the flow's view: the listing reads summaries only, not the flows' events.
        el("td", { text: f.endedAt ? time(f.endedAt) + " · " + ago(f.endedAt) : "", title: f.endedAt || "" }),
      ]);
      body.appendChild(row);
    });
    document.getElementById("empty").hidden = shown.length > 0;
  }

  function renderFlow() {
    var panel = clear(document.getElementById("flow"));
    var f = state.openData;
    if (!f) { panel.appendChild(el("p", { class: "hint", text: "Pick a flow to see its timeline." })); return; }
    panel.appendChild(el("h2", {}, ["Flow ", el("span", { class: "mono", id: "flow-id", text: f.correlationId }), " ", el("span", { id: "flow-status" }, [badge(f.status)])]));
    panel.appendChild(el("p", { class: "meta", text: (f.flow || "unknown flow") + " · started " + time(f.startedAt) + " · deadline " + time(f.deadlineAt) + " · " + f.events.length + " events" }));
    panel.appendChild(el("p", { class: "meta", id: "flow-waiting" }, [
      el("strong", { text: "Waiting for: " }),
      f.waitingFor.length ? f.waitingFor.join(", ") : "nothing",
    ]));

    var lanes = [];
    f.events.forEach(function (e) { var s = serviceOf(e.source); if (lanes.indexOf(s) < 0) lanes.push(s); });
    var grid = el("div", { class: "timeline", id: "timeline" });
    // Through the CSSOM: the page's CSP blocks style attributes, not style properties set by its own script.
    grid.style.gridTemplateColumns = "7em repeat(" + lanes.length + ", minmax(9em, 1fr))";
    grid.appendChild(el("div", { class: "lane-head", text: "time" }));
    lanes.forEach(function (l) { grid.appendChild(el("div", { class: "lane-head", text: l })); });
    var start = f.events.length ? new Date(f.events[0].time).getTime() : 0;
    var previous = start;
    f.events.forEach(function (e, i) {
      var t = new Date(e.time).getTime();
      grid.appendChild(el("div", { class: "when", title: e.time, text: i === 0 ? time(e.time) : duration(t - previous) }));
      previous = t;
      var lane = lanes.indexOf(serviceOf(e.source));
      for (var j = 0; j < lanes.length; j++) {
        grid.appendChild(j === lane
          ? el("div", { class: "step", "data-event-type": e.type, title: JSON.stringify(e.data) }, [el("div", { class: "type", text: e.type }), el("div", { class: "id mono", text: e.id })])
          : el("div", { class: "gap" }));
      }
    });
    panel.appendChild(grid);

    panel.appendChild(el("h3", { text: "Dead letters" }));
    panel.appendChild(incidents(f.deadLetters, function (d) { return d.subscription + " · " + d.eventType + " · " + d.deadLetterReason + " after " + d.deliveryAttempts + " attempt(s), last " + d.lastDeliveryOutcome; }, "dead-letters"));
    panel.appendChild(el("h3", { text: "Poison records" }));
    panel.appendChild(incidents(f.poison, function (p) { return p.container + "/" + p.reaction + " · " + (p.eventType || "?") + " · " + p.reason; }, "poison"));
    panel.appendChild(el("p", { class: "meta" }, [el("a", { href: "flows/" + encodeURIComponent(f.correlationId) + "/diagram", target: "_blank", text: "Mermaid diagram" }), " · ", el("a", { href: "flows/" + encodeURIComponent(f.correlationId), target: "_blank", text: "JSON" })]));
  }

  function incidents(list, describe, id) {
    if (list === null || list === undefined) return el("p", { class: "hint", id: id, text: "not available here" });
    if (list.length === 0) return el("p", { class: "hint", id: id, text: "none" });
    return el("ul", { id: id }, list.map(function (x) { return el("li", { text: describe(x) }); }));
  }

  function renderMap() {
    var body = clear(document.getElementById("map-body"));
    manifest.services.forEach(function (s) {
      body.appendChild(el("tr", {}, [
        el("td", { class: "svc", text: s.name }),
        el("td", {}, s.reactions.map(function (r) { return el("div", { text: r.name + " ← " + (r.on === "all" ? "every event" : r.on.join(", ")) }); })),
        el("td", { text: s.publishes.join(", ") }),
      ]));
    });
  }

  function render() { renderCounts(); renderTable(); renderFlow(); }

  async function openFlow(id) {
    state.open = id;
    try { state.openData = await getJson("flows/" + encodeURIComponent(id)); } catch (e) { state.openData = null; }
    render();
  }

  async function refresh() {
    try {
      var query = "flows?limit=500" + (state.flow ? "&flow=" + encodeURIComponent(state.flow) : "");
      state.flows = (await getJson(query)).flows;
      if (state.open) state.openData = await getJson("flows/" + encodeURIComponent(state.open));
      document.getElementById("live").textContent = "live · updated " + time(new Date().toISOString());
      document.getElementById("live").className = "live ok";
      render();
    } catch (e) {
      document.getElementById("live").textContent = "not updating: " + e.message;
      document.getElementById("live").className = "live error";
    }
  }
  function loop() { refresh().then(function () { setTimeout(loop, POLL_MS); }); }

  document.getElementById("flow-filter").addEventListener("change", function (ev) { state.flow = ev.target.value; refresh(); });
  manifest.flows.forEach(function (f) { document.getElementById("flow-filter").appendChild(el("option", { value: f, text: f })); });
  // The live event map (eventMapScript.ts).
${eventMapScript}
  renderMap();
  render();
  loop();
})();
`;
