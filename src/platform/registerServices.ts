import type { app as functionsApp, HttpRequest, InvocationContext } from "@azure/functions";
import { DefaultAzureCredential, type TokenCredential } from "@azure/identity";
import { ConfigError, parseConfig } from "./config";
import { problemFromError } from "./http";
import { isEventType } from "../events/catalog";
import { EnvelopeFields, reactionSpan, recordHop, recordOutcomeOnSpan } from "./reactionTelemetry";
import { recordFunctionService } from "./serviceTelemetry";
import { SpanKind, inSpan } from "./tracing";
import { Manifest, functionNameOf, outboxRelay } from "./manifest";
import { relayPendingOutbox } from "./publishing/outbox";
import { runReaction } from "./reactions/runner";
import { RuntimeProvider } from "./runtime";
import { ServiceCode } from "./serviceModule";

/** Each selected service's code, keyed by its manifest name. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the ports type differs per service; each module is checked against its own where it is declared
export type ServiceCodes = Readonly<Record<string, ServiceCode<any>>>;

type App = Pick<typeof functionsApp, "http" | "eventGrid" | "timer">;

/** Outbox entries younger than this are probably still being published by the function that wrote them. */
const RELAY_GRACE_IN_MS = 10_000;

/** The envelope fields worth logging, read defensively: the event may be poison. */
const fieldsOf = (raw: unknown): EnvelopeFields => {
  const e = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === "string" ? v.slice(0, 200) : undefined);
  return {
    id: text(e.id),
    type: text(e.type),
    source: text(e.source),
    subject: text(e.subject),
    time: text(e.time),
    correlationid: text(e.correlationid),
    traceparent: text(e.traceparent),
  };
};

const flowTag = (raw: unknown): string => {
  const e = fieldsOf(raw);
  return `[flow ${e.correlationid ?? "?"}] ${e.type ?? "?"} ${e.id ?? "?"}:`;
};

/**
 * Registers the functions of the selected services exactly as `manifest` lists them, and fails at startup when a
 * service's code and the manifest disagree (a reaction without code, code without a manifest entry). A reaction's
 * event types are the manifest's own: its parser was built from its entry when it was defined.
 */
export const registerServices = (
  app: App,
  manifest: Manifest,
  selected: readonly string[],
  modules: ServiceCodes,
  runtimeOf: RuntimeProvider,
): string[] => {
  const registered: string[] = [];
  for (const service of selected) {
    const spec = manifest.services[service];
    const module = modules[service];
    if (!spec || !module) throw new Error(`${service} is not a service of the manifest, or has no code`);
    const runtime = () => runtimeOf(service, module.createPorts);

    const codeNames = module.reactions.map((r) => r.name).sort();
    const specNames = spec.reactions.map((r) => r.name).sort();
    if (codeNames.join() !== specNames.join()) {
      throw new Error(`${service}: reactions in code [${codeNames}] differ from the manifest [${specNames}]`);
    }
    for (const reaction of module.reactions) {
      const functionName = functionNameOf(service, reaction.name);
      // A poison event's type may be anything: span names and metric attributes keep to the types Event Grid routes.
      const on = spec.reactions.find((r) => r.name === reaction.name)!.on;
      const routes = (type: string): boolean => (on === "all" ? isEventType(type) : (on as readonly string[]).includes(type));
      const routedType = (type: string | undefined) => (type !== undefined && routes(type) ? type : "(unrouted type)");
      app.eventGrid(functionName, {
        handler: async (event: unknown, context: InvocationContext) => {
          const rt = runtime();
          // Every line names the flow, so one business flow can be followed across apps in Application Insights:
          // traces | where message has "<correlation id>"
          const tag = flowTag(event);
          const fields = fieldsOf(event);
          const e = { ...fields, type: routedType(fields.type) };
          await inSpan(reactionSpan(service, functionName, e, context.invocationId), async (span) => {
            const result = await runReaction(reaction, event, { ...rt, log: (m) => context.log(`${tag} ${m}`) });
            context.log(`${tag} ${result.outcome}${result.outcome === "handled" ? `, published ${result.published.map((x) => x.type).join(", ") || "nothing"}` : ""}`);
            recordOutcomeOnSpan(span, result);
            recordHop(service, { eventType: e.type, reaction: functionName, outcome: result.outcome, causedAt: e.time, effectAt: rt.clock() });
          });
        },
      });
      recordFunctionService(functionName, service);
      registered.push(functionName);
    }

    for (const route of spec.http) {
      const handler = module.http[route.name];
      if (!handler) throw new Error(`${service}: no HTTP handler for manifest route ${route.name}`);
      const functionName = functionNameOf(service, route.name);
      app.http(functionName, {
        methods: [...route.methods],
        route: route.route,
        authLevel: "anonymous",
        handler: (request: HttpRequest, context: InvocationContext) =>
          // The caller's traceparent, else the Functions host's own request activity, parents the flow's first span.
          inSpan(
            {
              name: functionName,
              kind: SpanKind.SERVER,
              parent: request.headers.get("traceparent") ?? context.traceContext?.traceParent,
              attributes: { "http.request.method": request.method, "url.path": new URL(request.url).pathname, "http.route": route.route },
              service,
            },
            async () => {
              try {
                return await handler(request, runtime(), context);
              } catch (error) {
                const response = problemFromError(error);
                if (response.status === 500) context.error(`${functionName} failed`, error);
                else if (response.status === 503) context.warn(`${functionName} answered 503 (retry shortly)`, error);
                return response;
              }
            },
          ),
      });
      recordFunctionService(functionName, service);
      registered.push(functionName);
    }
    const extraHandlers = Object.keys(module.http).filter((name) => !spec.http.some((r) => r.name === name));
    if (extraHandlers.length > 0) throw new Error(`${service}: HTTP handlers not in the manifest: ${extraHandlers.join(", ")}`);

    const timers = manifest.timersOf(service);
    for (const timer of timers) {
      const own = module.timers?.[timer.name];
      // A manifest timer without code would never run: refuse it at startup rather than register something else.
      if (timer.name !== outboxRelay.name && !own) throw new Error(`${service}: timer ${timer.name} has no implementation`);
      const functionName = functionNameOf(service, timer.name);
      app.timer(functionName, {
        schedule: timer.schedule,
        handler: async (_timer: unknown, context: InvocationContext) => {
          const rt = runtime();
          if (own) {
            const summary = await own(rt, { warn: (line) => context.warn(line) });
            if (summary) context.log(`${functionName}: ${summary}`);
            return;
          }
          const count = await relayPendingOutbox(rt.store, rt.publisher, { now: rt.clock(), olderThanInMs: RELAY_GRACE_IN_MS });
          if (count > 0) context.log(`re-published ${count} pending outbox event(s)`);
        },
      });
      registered.push(functionName);
    }
    const extraTimers = Object.keys(module.timers ?? {}).filter((name) => !timers.some((t) => t.name === name));
    if (extraTimers.length > 0) throw new Error(`${service}: timers not in the manifest: ${extraTimers.join(", ")}`);
  }
  return registered;
};

/**
 * Checks every setting the selected services will read, at start-up rather than at their first event or request:
 * a bad one fails the host's start with one line naming each bad setting, so the host never reports ready with a
 * service that would fail every call. Builds nothing that talks to the network.
 */
export const validateAppSettings = (
  env: NodeJS.ProcessEnv,
  selected: readonly string[],
  modules: ServiceCodes,
): void => {
  const problems: string[] = [];
  const check = (label: string, run: () => unknown): void => {
    try {
      run();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(`${label}: ${error.message}`);
    }
  };
  check("platform", () => parseConfig(env));
  let credential: TokenCredential | undefined;
  for (const service of selected) check(service, () => modules[service]?.createPorts(env, () => (credential ??= new DefaultAzureCredential())));
  if (problems.length > 0) throw new ConfigError(problems.join(" | ").replace(/\s*\n\s*/g, " "));
};
