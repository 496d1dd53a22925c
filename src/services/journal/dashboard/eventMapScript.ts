/**
 * The live event map's browser code: the manifest's services as nodes and its edges (event type → reaction) as SVG
 * paths, with what `GET event-map` says of each over the chosen window. Spliced into the dashboard's script (it uses
 * that script's `el`, `clear`, `getJson` and `openFlow`), so the page's Content-Security-Policy hash covers it. Names
 * and correlation ids reach the page through `textContent` and `setAttribute` only, never through HTML parsing.
 */
export const eventMapScript = String.raw`
  var MAP_POLL_MS = 5000;
  var SVG_NS = "http://www.w3.org/2000/svg";
  var mapState = { window: "1h", data: null, selected: null };
  var COLUMN_WIDTH = 470, ROW_HEIGHT = 64, NODE_WIDTH = 150, NODE_HEIGHT = 40, MARGIN = 24, LABEL_HEIGHT = 12;

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "onclick") node.addEventListener("click", attrs[k]);
      else node.setAttribute(k, String(attrs[k]));
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function ms(value) { return value === null || value === undefined ? "–" : value < 1000 ? value + " ms" : (value / 1000).toFixed(value < 10000 ? 2 : 1) + " s"; }
  function known(value) { return value === null || value === undefined ? "?" : String(value); }
  function edgeSummary(e) {
    return e.count + " event(s) · p50 " + ms(e.p50Ms) + " · p95 " + ms(e.p95Ms) + " · dead letters " + known(e.deadLetters) +
      " · poison " + known(e.poison) + " · failed deliveries " + known(e.failedDeliveries) + " · stalled " + e.stalled;
  }
  function shortType(type) { var parts = String(type).split("."); return parts.length >= 3 ? parts[1] : String(type); }

  function nodeBox(n) { return { x: MARGIN + n.column * COLUMN_WIDTH, y: MARGIN + n.row * ROW_HEIGHT }; }

  function renderEventMap() {
    var data = mapState.data;
    var holder = clear(document.getElementById("event-map-graph"));
    if (!data) { holder.appendChild(el("p", { class: "hint", text: "loading…" })); return; }
    document.getElementById("event-map-coverage").textContent = "since " + time(data.from) +
      (data.coverageFrom > data.from ? " (this instance has counted since " + time(data.coverageFrom) + ")" : "") + " · updated " + time(data.refreshedAt);
    var columns = 0, rows = 0, boxes = {};
    data.nodes.forEach(function (n) { columns = Math.max(columns, n.column + 1); rows = Math.max(rows, n.row + 1); boxes[n.service] = nodeBox(n); });
    // A flow's first service sits level with the services it reaches next, kept a row apart from its neighbours.
    var starters = data.nodes.filter(function (n) { return n.column === 0; }).map(function (n) {
      var next = data.edges.filter(function (e) { return e.from === n.service && boxes[e.to] && boxes[e.to].x > boxes[n.service].x; }).map(function (e) { return boxes[e.to].y; });
      return { service: n.service, y: next.length ? next.reduce(function (a, b) { return a + b; }, 0) / next.length : boxes[n.service].y };
    }).sort(function (a, b) { return a.y - b.y; });
    var floor = MARGIN;
    starters.forEach(function (s) { boxes[s.service].y = Math.max(s.y, floor); floor = boxes[s.service].y + ROW_HEIGHT; });
    var width = MARGIN * 2 + (columns - 1) * COLUMN_WIDTH + NODE_WIDTH + 140, height = MARGIN * 2 + rows * ROW_HEIGHT;
    var root = svg("svg", { "data-testid": "choreography-map", viewBox: "0 0 " + width + " " + height, width: width, height: height, role: "img", "aria-label": "event map" });
    root.appendChild(svg("defs", {}, [
      svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, [svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow" })]),
      svg("marker", { id: "arrow-trouble", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, [svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrow trouble" })]),
    ]));
    // Each edge leaves and enters a node side at its own point: forward edges leave on the right and enter on the left,
    // edges back to an earlier column the other way round, edges within a column loop on the right.
    var ends = {};
    function end(service, side, edge, other) { var k = service + "|" + side; (ends[k] = ends[k] || []).push({ edge: edge, other: other }); }
    data.edges.forEach(function (e) {
      var a = boxes[e.from], b = boxes[e.to];
      if (!a || !b) return;
      if (b.x > a.x) { end(e.from, "right", e.edge, b.y); end(e.to, "left", e.edge, a.y); }
      else if (b.x < a.x) { end(e.from, "left", e.edge, b.y); end(e.to, "right", e.edge, a.y); }
      else { end(e.from, "right", e.edge, b.y); end(e.to, "right", e.edge + "|in", a.y); }
    });
    var at = {};
    Object.keys(ends).forEach(function (k) {
      var list = ends[k].sort(function (p, q) { return p.other - q.other; }), box = boxes[k.split("|")[0]];
      list.forEach(function (p, i) { at[k + "|" + p.edge] = box.y + 5 + (NODE_HEIGHT - 10) * (list.length === 1 ? 0.5 : i / (list.length - 1)); });
    });
    var edgeLayer = svg("g", { class: "edges" }), labelLayer = svg("g", { class: "labels" }), placed = [];
    function placeLabel(x, y, text) {
      var w = text.length * 5.6, box = { x: x - w / 2, y: y - LABEL_HEIGHT, w: w, h: LABEL_HEIGHT };
      function hits(o) { return box.x < o.x + o.w && o.x < box.x + box.w && box.y < o.y + o.h && o.y < box.y + box.h; }
      for (var step = 0; step < 40 && placed.some(hits); step++) box.y += (step % 2 ? -1 : 1) * (step + 1) * (LABEL_HEIGHT + 1) / 1;
      placed.push(box);
      return box.y + LABEL_HEIGHT - 2;
    }
    data.edges.forEach(function (e) {
      var a = boxes[e.from], b = boxes[e.to];
      if (!a || !b) return;
      var sameColumn = a.x === b.x, forward = b.x > a.x;
      var x1 = forward || sameColumn ? a.x + NODE_WIDTH : a.x, y1 = at[e.from + "|" + (forward || sameColumn ? "right" : "left") + "|" + e.edge];
      var x2 = forward ? b.x : b.x + NODE_WIDTH, y2 = at[e.to + "|" + (forward ? "left" : "right") + "|" + e.edge + (sameColumn ? "|in" : "")];
      var c1x = sameColumn ? x1 + 110 : (x1 + x2) / 2, c2x = sameColumn ? x2 + 110 : (x1 + x2) / 2;
      // Edges back to an earlier column bow downwards, so they do not run over the forward ones.
      var c1y = y1 + (forward || sameColumn ? 0 : 30), c2y = y2 + (forward || sameColumn ? 0 : 30);
      var d = "M " + x1 + " " + y1 + " C " + c1x + " " + c1y + ", " + c2x + " " + c2y + ", " + x2 + " " + y2;
      var classes = "edge" + (e.trouble ? " trouble" : "") + (e.count === 0 ? " idle" : "") + (mapState.selected === e.edge ? " selected" : "");
      var attrs = { class: classes, "data-edge": e.edge, "data-count": e.count, "data-failures": e.failures === null ? "unknown" : e.failures,
        "data-dead-letters": known(e.deadLetters), "data-poison": known(e.poison), "data-failed-deliveries": known(e.failedDeliveries), "data-stalled": e.stalled,
        tabindex: 0, onclick: function () { selectEdge(e.edge); } };
      if (e.p95Ms !== null) { attrs["data-p95-ms"] = e.p95Ms; attrs["data-p50-ms"] = e.p50Ms; }
      var strokeWidth = e.count === 0 ? 1 : Math.min(6, 1.5 + Math.log10(1 + e.count) * 1.5);
      edgeLayer.appendChild(svg("g", attrs, [
        svg("title", { text: e.edge + "\n" + edgeSummary(e) }),
        svg("path", { d: d, class: "hit" }),
        svg("path", { d: d, class: "line", "stroke-width": strokeWidth, "marker-end": e.trouble ? "url(#arrow-trouble)" : "url(#arrow)" }),
      ]));
      if (e.count > 0 || e.trouble) {
        // Near the curve's midpoint (t = 1/2 of the cubic), moved off any label placed before.
        var mx = (x1 + 3 * c1x + 3 * c2x + x2) / 8, my = (y1 + 3 * c1y + 3 * c2y + y2) / 8;
        var label = shortType(e.type) + " → " + e.functionName.split("-")[0] + " " + e.count + (e.p95Ms !== null ? " · p95 " + ms(e.p95Ms) : "") + (e.trouble ? " ⚠" : "");
        labelLayer.appendChild(svg("text", { x: mx, y: placeLabel(mx, my, label), class: "edge-label" + (e.trouble ? " trouble" : ""), "text-anchor": "middle", text: label }));
      }
    });
    root.appendChild(edgeLayer);
    data.nodes.forEach(function (n) {
      var box = boxes[n.service];
      root.appendChild(svg("g", { class: "node", "data-service": n.service }, [
        svg("rect", { x: box.x, y: box.y, width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6 }),
        svg("text", { x: box.x + NODE_WIDTH / 2, y: box.y + NODE_HEIGHT / 2 + 5, "text-anchor": "middle", text: n.service }),
        svg("title", { text: n.service }),
      ]));
    });
    root.appendChild(labelLayer);
    holder.appendChild(root);
    holder.appendChild(edgeTable(data.edges));
    renderEdgeFlows();
  }

  function selectEdge(edge) { mapState.selected = edge; renderEventMap(); }

  /** The same numbers as a table, busiest first: what the graph cannot label legibly. */
  function edgeTable(edges) {
    var shown = edges.filter(function (e) { return e.count > 0 || e.trouble; }).sort(function (a, b) { return (b.trouble - a.trouble) || (b.count - a.count); });
    return el("table", { id: "edge-table" }, [
      el("thead", {}, [el("tr", {}, ["edge (event type → reaction)", "events", "p50", "p95", "dead letters", "poison", "failed deliveries", "stalled"].map(function (h) { return el("th", { text: h }); }))]),
      el("tbody", {}, shown.map(function (e) {
        return el("tr", { class: "flow-row" + (e.trouble ? " trouble" : "") + (mapState.selected === e.edge ? " selected" : ""), "data-edge-row": e.edge, onclick: function () { selectEdge(e.edge); } }, [
          el("td", { class: "mono", text: e.edge }), el("td", { class: "num", text: String(e.count) }), el("td", { class: "num", text: ms(e.p50Ms) }), el("td", { class: "num", text: ms(e.p95Ms) }),
          el("td", { class: "num", text: known(e.deadLetters) }), el("td", { class: "num", text: known(e.poison) }), el("td", { class: "num", text: known(e.failedDeliveries) }), el("td", { class: "num", text: String(e.stalled) }),
        ]);
      })),
    ]);
  }

  function renderEdgeFlows() {
    var panel = clear(document.getElementById("edge-flows"));
    var e = mapState.data && mapState.data.edges.filter(function (x) { return x.edge === mapState.selected; })[0];
    if (!e) { panel.appendChild(el("p", { class: "hint", text: "Click an edge to list the flows that took it." })); return; }
    panel.appendChild(el("h3", {}, [el("span", { class: "mono", id: "edge-name", text: e.edge })]));
    panel.appendChild(el("p", { class: "meta", id: "edge-stats", text: edgeSummary(e) }));
    if (e.flows.length === 0) { panel.appendChild(el("p", { class: "hint", text: "No flow took it in this window." })); return; }
    panel.appendChild(el("ul", { id: "edge-flow-list" }, e.flows.map(function (id) {
      return el("li", {}, [el("a", { href: "#flow", class: "mono", "data-correlation-id": id, text: id, onclick: function () { openFlow(id); } })]);
    })));
  }

  async function refreshEventMap() {
    try {
      mapState.data = await getJson("event-map?window=" + encodeURIComponent(mapState.window));
      renderEventMap();
    } catch (e) {
      clear(document.getElementById("event-map-graph")).appendChild(el("p", { class: "hint", text: "map not available: " + e.message }));
    }
  }
  function mapLoop() { refreshEventMap().then(function () { setTimeout(mapLoop, MAP_POLL_MS); }); }

  ["5m", "1h", "24h"].forEach(function (w) {
    document.getElementById("event-map-windows").appendChild(el("button", {
      class: "filter" + (w === mapState.window ? " active" : ""),
      "data-window": w,
      onclick: function (ev) {
        mapState.window = w;
        Array.prototype.forEach.call(document.querySelectorAll("#event-map-windows button"), function (b) { b.className = "filter" + (b === ev.currentTarget ? " active" : ""); });
        refreshEventMap();
      },
    }, [w === "5m" ? "5 min" : w === "1h" ? "1 h" : "24 h"]));
  });
  mapLoop();
`;
