/**
 * Bench only, never part of the app: loaded into a Functions host with `NODE_OPTIONS=--require <this file>` so that
 * host publishes through EventGridPublisherClient instead of the thin publisher, for the flow-level A/B in
 * `npm run bench`. It swaps the factory's default before the app first calls it; the line it prints lets the bench
 * check the swap took effect.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const publisher = require("../../src/platform/publisher") as { createTopicClients: typeof import("../../src/platform/publisher").createTopicClients };
const original = publisher.createTopicClients;
publisher.createTopicClients = (config, credential) => {
  process.stdout.write("bench: this host publishes through EventGridPublisherClient\n");
  return original(config, credential, "sdk");
};
