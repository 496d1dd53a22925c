import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { TokenCredential } from "@azure/identity";
import { ServiceName } from "../topology";
import { ReactionName } from "./eventParsing";
import { Reaction } from "./reaction";
import { ServiceRuntime } from "./runtime";

export type HttpHandler<P> = (
  request: HttpRequest,
  runtime: ServiceRuntime<P>,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

/** A timer's work; what it returns, if anything, is logged (say what it found, not that it ran). */
export type TimerHandler<P> = (runtime: ServiceRuntime<P>, log: { warn(line: string): void }) => Promise<string | undefined>;

/** Any reaction the manifest gives service `Svc`, each with the event type of its own manifest entry. */
export type ReactionOf<Svc extends ServiceName, P = unknown> = { [N in ReactionName<Svc>]: Reaction<Svc, N, unknown, P> }[ReactionName<Svc>];

/** A service's code: reactions and HTTP handlers named as in the manifest, and how to build its ports. */
export interface ServiceModule<Svc extends ServiceName = ServiceName, P = unknown> {
  readonly name: Svc;
  /** A reaction the manifest does not list for this service does not compile; registerServices refuses a missing one. */
  readonly reactions: readonly ReactionOf<Svc, P>[];
  readonly http: Readonly<Record<string, HttpHandler<P>>>;
  /** Timers named as in the manifest, besides the outbox relay (see `timersOf` in src/topology.ts). */
  readonly timers?: Readonly<Record<string, TimerHandler<P>>>;
  readonly createPorts: (env: NodeJS.ProcessEnv, credential: () => TokenCredential) => P;
}

export const noPorts = (): Record<string, never> => ({});

/** Every service's code, keyed by its manifest name. */
export type ServiceModules = { readonly [K in ServiceName]: ServiceModule<K> };
