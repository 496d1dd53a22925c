import { exitWithParent } from "@azure-choreography/server-kit";
import { topicNames } from "../../src/events/catalog";
import { startLocalStack } from "../../dev/stack";
import type { StackChildOptions, StackChildReady } from "./stackProcess";

/**
 * The local stack in a process of its own, for the chaos suite: it can be killed with SIGKILL as a whole (store,
 * broker, dev server and simulators with it; the hosts follow their parent) and started again on the same data.
 * Options come as JSON in CHAOS_STACK; one line `READY {json}` says where everything is; every other line is the stack's.
 */
const main = async (): Promise<void> => {
  const options = JSON.parse(process.env.CHAOS_STACK ?? "{}") as StackChildOptions;
  exitWithParent();
  const stack = await startLocalStack({
    appRoot: options.appRoot,
    ports: options.ports,
    hostPerService: true,
    retryScale: options.retryScale,
    persistence: { directory: options.dataDir },
    log: (line) => process.stdout.write(`${line}\n`),
  });
  const ready: StackChildReady = {
    functionsUrls: stack.functionsUrls,
    devUrl: stack.devUrl,
    eventGridUrl: stack.eventGrid.url,
    topicEndpoints: Object.fromEntries(topicNames.map((t) => [t, stack.eventGrid.topicEndpoint(t)])),
    cosmos: stack.cosmos,
    freeCreditsAmount: Number(stack.appSettings.FREE_CREDITS_AMOUNT ?? process.env.FREE_CREDITS_AMOUNT ?? 10),
    restoredDocuments: stack.restored?.restored ?? 0,
  };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
  const stop = () => void stack.stop().then(() => process.exit(0), () => process.exit(1));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
};

main().catch((error: unknown) => {
  // Exit once the line is out: a pipe's writes are asynchronous, and the parent names the failure with it.
  process.stdout.write(`stack failed to start: ${error instanceof Error ? error.message : String(error)}\n`, () => process.exit(1));
});
