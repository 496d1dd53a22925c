import type { ServiceName } from "../src/topology";

export interface BannerInput {
  readonly startedInMs: number;
  readonly serviceCount: number;
  readonly subscriptionCount: number;
  readonly functionsUrls: Readonly<Partial<Record<ServiceName, string>>>;
  readonly eventGridUrl: string;
  readonly cosmosEndpoint: string;
  readonly databaseName: string;
  readonly devUrl: string;
  readonly deadLetterBlobEndpoint?: string;
  /** E.g. "kept in .local-data (12 documents restored)" or "fresh: nothing kept". */
  readonly dataLine: string;
  readonly settingsNotes: readonly string[];
  /** The journal's live dashboard of every flow. */
  readonly dashboardUrl?: string;
  /** Where traces can be seen, or why not. */
  readonly tracesLine?: string;
}

/** What `npm start` prints once ready: where each service answers, and a first command that works as printed. */
export const renderBanner = (b: BannerInput): string => {
  const byUrl = new Map<string, ServiceName[]>();
  for (const [service, url] of Object.entries(b.functionsUrls) as [ServiceName, string][]) byUrl.set(url, [...(byUrl.get(url) ?? []), service]);
  const hosts =
    byUrl.size === 1
      ? `    all services     ${[...byUrl.keys()][0]}/api   (GET /admin/functions lists them)`
      : [...byUrl].map(([url, services]) => `    ${services.join(", ").padEnd(16)} ${url}/api`).join("\n");
  const inventoryUrl = b.functionsUrls.inventory;
  const usersUrl = b.functionsUrls.users;
  const tryLine = inventoryUrl
    ? `curl -X PUT ${inventoryUrl}/api/inventory/SKU-1 -H 'content-type: application/json' -d '{"available": 5}'`
    : usersUrl
      ? `curl -X POST ${usersUrl}/api/users -H 'content-type: application/json' -d '{"email":"ada@example.com","name":"Ada"}'`
      : `curl ${Object.values(b.functionsUrls)[0]}/admin/functions`;
  return `
Local stack ready in ${b.startedInMs} ms — ${b.serviceCount} services, ${b.subscriptionCount} Event Grid subscriptions.
  Functions hosts (service → URL)
${hosts}
${b.dashboardUrl ? `  Dashboard        ${b.dashboardUrl}   (every flow, live)\n` : ""}${b.tracesLine ? `  Traces           ${b.tracesLine}\n` : ""}  Event Grid       ${b.eventGridUrl}   (GET /deliveries; dead letters: npm run dead-letters -- list)
  Cosmos DB        ${b.cosmosEndpoint}  (database ${b.databaseName}; poison: npm run poison -- list)
  Simulators       ${b.devUrl}/dev      (payment gateway, bank, CRM, mailbox)
  Host admin       ${b.devUrl}/admin/hosts   (POST …/{service}/kill?downForMs=N | /restart; a crashed host restarts)
${b.deadLetterBlobEndpoint ? `  Azurite (blob)   ${b.deadLetterBlobEndpoint}  (container dead-letters)\n` : ""}  Data             ${b.dataLine}
${b.settingsNotes.length > 0 ? `  Settings         ${b.settingsNotes.join("\n                   ")}\n` : ""}
Try:  ${tryLine}
Press Ctrl-C to stop.
`;
};
