import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EventType, eventCatalog } from "../src/events/catalog";
import { UsageError, parseFlags } from "@azure-choreography/server-kit";
import { ScaffoldRefusal, checkRequest, eventNameOf } from "./scaffold/request";
import { sampleDataOf } from "./scaffold/sampleData";
import { addImport, addManifestReaction, addProperty } from "./scaffold/sourceEdits";
import { manifestReaction, manifestService, reactionFile, serviceIndexFile, specFile } from "./scaffold/templates";

const USAGE = `npm run new:reaction -- --service <service> --name <verb…When<Event>> --on <EventType>[,<EventType>…] [--publishes <NewEventType>,…]

Writes what a reaction needs and nothing else by hand: its manifest entry (src/topology.ts), the reaction (a pure decide
with TODOs, a load that reads what it needs), its Given/When/Then spec (passing as generated), the service's folder and
registration when the service is new, a schema stub and catalog entry for each new published type; then regenerates
infra and docs (npm run gen). A new service becomes its own Function App and Event Grid subscription.`;

const root = path.resolve(__dirname, "..", "..");
const file = (relative: string) => path.join(root, relative);
const edit = (relative: string, change: (text: string) => string): void => writeFileSync(file(relative), change(readFileSync(file(relative), "utf8")));
const create = (relative: string, text: string): void => {
  if (existsSync(file(relative))) throw new ScaffoldRefusal(`${relative} exists already: remove it or choose another name`);
  mkdirSync(path.dirname(file(relative)), { recursive: true });
  writeFileSync(file(relative), text);
};

/** `Shipping.CourierBooked.v1` → `courierBookedV1`, the name of its schema in src/events/<topic>.ts. */
const schemaNameOf = (type: string): string => {
  const name = eventNameOf(type);
  return `${name.charAt(0).toLowerCase()}${name.slice(1)}V${type.split(".v")[1] ?? "1"}`;
};

const main = (): void => {
  const { values } = parseFlags(process.argv.slice(2), {
    service: { type: "string" },
    name: { type: "string" },
    on: { type: "string" },
    publishes: { type: "string" },
    "skip-gen": { type: "boolean" },
    help: { type: "boolean" },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const request = checkRequest(values);
  const t = { service: request.service, name: request.name, on: request.on, publishes: request.publishes };
  const written: string[] = [];

  // New event types first: the manifest's `publishes` must name catalog types.
  for (const type of request.publishes) {
    const topic = eventCatalog[request.on[0] as EventType].topic;
    const schema = schemaNameOf(type);
    edit(`src/events/${topic}.ts`, (text) => `${text.trimEnd()}\n\n// TODO: what ${type} carries; a field added later must be optional (or a new .v2 type).\nexport const ${schema} = z.object({});\n`);
    edit("src/events/catalog.ts", (text) =>
      addProperty("src/events/catalog.ts", text, "eventCatalog", `"${type}": {\n    schema: ${topic}.${schema},\n    topic: "${topic}",\n    publisher: "${request.service}",\n    description: "TODO: what happened, in one sentence.",\n    sensitive: [],\n  }`),
    );
    written.push(`src/events/${topic}.ts (${schema})`, `src/events/catalog.ts (${type})`);
  }

  edit("src/topology.ts", (text) =>
    request.newService ? addProperty("src/topology.ts", text, "services", manifestService(t)) : addManifestReaction("src/topology.ts", text, request.service, manifestReaction(t)),
  );
  written.push("src/topology.ts");

  const dir = `src/services/${request.service}`;
  create(`${dir}/${request.name}.ts`, reactionFile(t));
  written.push(`${dir}/${request.name}.ts`);
  if (request.newService) {
    create(`${dir}/index.ts`, serviceIndexFile(request.service, [request.name]));
    edit("src/services/index.ts", (text) =>
      addProperty("src/services/index.ts", addImport("src/services/index.ts", text, `import { ${request.service}Service } from "./${request.service}";`), "serviceModules", `${request.service}: ${request.service}Service`),
    );
    // Its container indexes what the platform queries; a query of its own adds its path there.
    edit("src/containerIndexing.ts", (text) => addProperty("src/containerIndexing.ts", text, "CONTAINER_INDEXING", `${request.service}: { paths: PLATFORM_PATHS }`));
    written.push(`${dir}/index.ts`, "src/services/index.ts", "src/containerIndexing.ts");
  } else {
    edit(`${dir}/index.ts`, (text) => {
      const withImport = addImport(`${dir}/index.ts`, text, `import { ${request.name} } from "./${request.name}";`);
      return withImport.replace(/reactions: \[([^\]]*)\]/, (_all, list: string) => `reactions: [${list.trim() ? `${list.trim()}, ` : ""}${request.name}]`);
    });
    written.push(`${dir}/index.ts`);
  }
  const sample = Object.fromEntries(request.on.map((type) => [type, sampleDataOf(type)]));
  create(`test/unit/services/${request.service}/${request.name}.test.ts`, specFile(t, sample));
  written.push(`test/unit/services/${request.service}/${request.name}.test.ts`);

  console.log(`new:reaction: ${request.service}-${request.name} on ${request.on.join(", ")}\n  wrote ${written.join("\n  wrote ")}`);
  if (!values["skip-gen"]) {
    console.log("new:reaction: regenerating infra and docs (npm run gen) …");
    const gen = spawnSync("npm", ["run", "gen", "--silent"], { cwd: root, stdio: "inherit", shell: process.platform === "win32" });
    if (gen.status !== 0) throw new Error("npm run gen failed: the files above are written; fix what it says, then run npm run gen again");
  }
  console.log(`next: fill in the TODOs of ${dir}/${request.name}.ts and its spec, then npm test; npm start delivers ${request.on.join(", ")} to ${request.service}-${request.name}.`);
  for (const type of request.publishes) {
    console.log(`note: ${type} has no consumer yet: the choreography lint (npm test) says so until a reaction subscribes to it or a flow in src/flows.ts ends with it.`);
  }
};

try {
  main();
} catch (error) {
  const refusal = error instanceof ScaffoldRefusal || error instanceof UsageError;
  console.error(`new:reaction: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = refusal ? 2 : 1;
}
