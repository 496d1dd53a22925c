import { createHash } from "node:crypto";
import { eventCatalog, eventTypes } from "../../../events/catalog";
import { flowNames } from "../../../flows";
import { reactionSpecsOf, serviceNames } from "../../../topology";
import { dashboardScript } from "./clientScript";

/** The choreography as the manifest states it: who listens to what, who publishes what. */
export const choreographyMap = () => ({
  flows: [...flowNames],
  services: serviceNames.map((name) => ({
    name,
    reactions: reactionSpecsOf(name).map((r) => ({ name: r.name, on: r.on === "all" ? "all" : [...r.on] })),
    publishes: eventTypes.filter((t) => eventCatalog[t].publisher === name),
  })),
});

const styles = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1d2330; background: #f5f6f8; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1em; padding: .6em 1.2em; background: #1d2330; color: #fff; }
header h1 { font-size: 1.1em; margin: 0; }
.live { margin-left: auto; font-size: .85em; } .live.ok::before { content: "● "; color: #3fb950; } .live.error { color: #ff7b72; }
main { display: grid; grid-template-columns: 1fr; gap: 1em; padding: 1em 1.2em; }
section { background: #fff; border-radius: 6px; padding: .8em 1em; box-shadow: 0 1px 2px #0002; overflow: auto; }
#flows { max-height: 45vh; }
h2 { font-size: 1em; margin: .2em 0 .5em; } h3 { font-size: .95em; margin: 1em 0 .3em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3em .5em; border-bottom: 1px solid #e5e7eb; vertical-align: top; }
th { font-size: .8em; text-transform: uppercase; color: #6b7280; }
tr.flow-row { cursor: pointer; } tr.flow-row:hover { background: #f0f4ff; } tr.selected { background: #e0e9ff; }
.mono { font-family: ui-monospace, monospace; font-size: .85em; word-break: break-all; } .num { text-align: right; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; font-size: .8em; font-weight: 600; }
.badge.running { background: #ddf4ff; color: #0969da; } .badge.completed { background: #dafbe1; color: #1a7f37; }
.badge.failed { background: #ffebe9; color: #cf222e; } .badge.stalled { background: #fff1c2; color: #9a6700; }
.filters { display: flex; gap: .4em; flex-wrap: wrap; margin-bottom: .6em; align-items: center; }
.filter { border: 1px solid #d0d7de; background: #f6f8fa; border-radius: 4px; padding: .2em .6em; cursor: pointer; }
.filter.active { background: #1d2330; color: #fff; } .count { font-weight: 700; }
.timeline { display: grid; gap: 2px; font-size: .85em; }
.lane-head { font-weight: 700; padding: .3em; border-bottom: 2px solid #1d2330; }
.when { color: #6b7280; padding: .3em; white-space: nowrap; } .gap { border-left: 1px dashed #d0d7de; }
.step { background: #eef2ff; border-left: 3px solid #4f46e5; padding: .25em .4em; border-radius: 3px; }
.step .type { font-weight: 600; } .step .id { color: #6b7280; font-size: .75em; }
.hint, .meta { color: #6b7280; } .svc { font-weight: 700; }
#event-map-graph { overflow: auto; }
.node rect { fill: #eef2ff; stroke: #4f46e5; } .node text { font-weight: 700; fill: #1d2330; }
.edge { cursor: pointer; } .edge .hit { fill: none; stroke: transparent; stroke-width: 12; }
.edge .line { fill: none; stroke: #6b7280; } .edge.idle .line { stroke: #d0d7de; stroke-dasharray: 2 3; }
.edge.trouble .line { stroke: #cf222e; stroke-dasharray: 7 3; } .edge.selected .line { stroke: #0969da; }
.edge:hover .line, .edge:focus .line { stroke: #0969da; } .arrow { fill: #6b7280; } .arrow.trouble { fill: #cf222e; }
.labels { pointer-events: none; } #edge-table { margin-top: .6em; font-size: .85em; } #edge-table tr.trouble td { color: #cf222e; }
.edge-label { font-size: 10px; fill: #1d2330; paint-order: stroke; stroke: #fff; stroke-width: 3px; } .edge-label.trouble { fill: #cf222e; font-weight: 700; }
`;

const sha256 = (text: string): string => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** JSON inside a <script> element: `<` escaped so no value can close the element. */
const scriptJson = (value: unknown): string => JSON.stringify(value).replace(/</g, "\\u003c");

const manifestJson = scriptJson(choreographyMap());

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flows · choreography dashboard</title>
<style>${styles}</style>
</head>
<body>
<header><h1>Flows</h1><span>every business flow, derived from the manifest and the journal</span><span id="live" class="live">loading…</span></header>
<main>
<section id="flows">
  <div class="filters"><span id="filters" class="filters"></span>
    <label>flow <select id="flow-filter"><option value="">all</option></select></label></div>
  <table><thead><tr><th>correlation id</th><th>flow</th><th>status</th><th>started</th><th>ended</th></tr></thead>
  <tbody id="flows-body"></tbody></table>
  <p id="empty" class="hint">No flows yet: place an order, sign up a user or top up a wallet.</p>
</section>
<section id="flow"></section>
<section id="event-map"><h2>Event map</h2>
  <div class="filters"><span id="event-map-windows" class="filters"></span><span id="event-map-coverage" class="meta"></span></div>
  <p class="meta">Per edge (event type → reaction): events, p50/p95 from an event to the reaction's answer, dead letters, poison, failed deliveries and stalled flows; red dashed edges have trouble.</p>
  <div id="event-map-graph"></div>
  <div id="edge-flows"></div>
</section>
<section id="map"><h2>Choreography map (from the manifest)</h2>
  <table><thead><tr><th>service</th><th>reacts to</th><th>publishes</th></tr></thead><tbody id="map-body"></tbody></table>
</section>
</main>
<script type="application/json" id="manifest">${manifestJson}</script>
<script>${dashboardScript}</script>
</body>
</html>
`;

/**
 * Only this page's own script and style may run (by hash); it may fetch only from its own origin. The JSON island is
 * not executed (type application/json), so it needs no hash.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  `script-src ${sha256(dashboardScript)}`,
  `style-src ${sha256(styles)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export const dashboardPage = { html, contentSecurityPolicy };
