import type { ChaosResult } from "./runChaos";

const FIRST_OFFENDERS = 4;

/** The chaos run as a person reads it: settings, figures, outcomes, then one row per invariant. */
export const formatChaosReport = (result: ChaosResult): string => {
  const { options: o, figures: f } = result;
  const seconds = (ms: number | null) => (ms === null ? "—" : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    "",
    `Chaos run — seed ${o.seed}, plan ${f.planDigest}`,
    `  retry scale ${o.retryScale}: Event Grid's first retry after ${f.firstRetryMs} ms (10 s in Azure), outages of ${o.outageMs} ms`,
    `  ${f.flowsPlanned} flows planned, ${f.flowsAccepted} accepted; ${f.kills.length} kill(s): ${f.kills.map((k) => `${k.service}${k.when === "nextCall" ? " (mid-call)" : ""}@${seconds(k.atMs)}→${seconds(k.backUpAtMs)}`).join(", ") || "none"}`,
    `  underneath: ${f.pairOutages.map((p) => `${p.services.join("+")} down together ${seconds(p.downForMs)}@${seconds(p.atMs)}`).join(", ") || "no two-service outage"}; ` +
      `${f.storeBrownouts.map((b) => `store brownout ${seconds(b.forMs)}@${seconds(b.atMs)} (${b.unavailable}× 503, ${b.throttled}× 429)`).join(", ") || "no store brownout"}; ` +
      `${f.publishOutages.map((p) => `${p.topic} publish down ${seconds(p.downForMs)}@${seconds(p.atMs)}`).join(", ") || "no publish outage"}`,
    `  whole-stack kill -9: ${f.stackKills.map((k) => `@${seconds(k.atMs)}, down ${seconds(k.downMs)}, restarted in ${seconds(k.restartedInMs)} with ${k.restoredDocuments} documents`).join("; ") || "none"}; outbox relays run by the suite: ${f.relayRuns}`,
    `  ${f.duplicatedEvents} events published again, ${f.crmOutages} CRM outage(s), ${f.deliveries} delivery attempts (last 10 000 kept), ${f.deadLetters} dead letter(s)`,
    `  ${f.flowsPerSecondUnderChaos} flows/s under chaos (window ${seconds(f.chaosWindowMs)}), quiescent ${seconds(f.timeToQuiescenceMs)} after it; ${f.flowsSettledPerSecond} flows/s settled; ${seconds(f.totalMs)} in all`,
    `  failed delivery attempts: ${Object.entries(f.failedDeliveries).slice(0, 8).map(([k, n]) => `${k} ×${n}`).join("; ") || "none"}`,
    `  last failed delivery attempt ${f.lastFailedDeliveryAfterChaosMs === null ? "within the chaos window" : `${seconds(f.lastFailedDeliveryAfterChaosMs)} after it`}`,
    "",
    "Outcomes",
    ...Object.entries(result.outcomes).map(([what, counts]) => `  ${what.padEnd(28)} ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(", ")}`),
    "",
    `${"Invariant".padEnd(62)} ${"checked".padStart(7)} ${"breaches".padStart(8)}  first offenders`,
  ];
  for (const inv of result.invariants) {
    const offenders = inv.breaches.slice(0, FIRST_OFFENDERS).map((b) => `${b.id} (${b.detail})`).join("; ");
    lines.push(`${(inv.breaches.length === 0 ? "ok   " : "FAIL ") + inv.name.padEnd(57)} ${String(inv.checked).padStart(7)} ${String(inv.breaches.length).padStart(8)}  ${offenders}`);
    lines.push(`     ${inv.summary}`);
  }
  lines.push("", result.breaches === 0 ? "PASS: no invariant breached." : `FAIL: ${result.breaches} breach(es).`);
  return lines.join("\n");
};
