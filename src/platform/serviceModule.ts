import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { TokenCredential } from "@azure/identity";
import { CloudEventEnvelope } from "../events/envelope";
import { Reaction } from "./reactions/contract";
import { ServiceRuntime } from "./runtime";

export type HttpHandler<P> = (
  request: HttpRequest,
  runtime: ServiceRuntime<P>,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

/** A timer's work; what it returns, if anything, is logged (say what it found, not that it ran). */
export type TimerHandler<P> = (runtime: ServiceRuntime<P>, log: { warn(line: string): void }) => Promise<string | undefined>;

/**
 * A service's code as the platform registers it: reactions, HTTP handlers and timers named as in the manifest, and how
 * to build its ports. The app binds the names to its manifest (src/services/define.ts's ServiceModule).
 */
export interface ServiceCode<P = unknown> {
  readonly name: string;
  readonly reactions: readonly Reaction<CloudEventEnvelope, unknown, unknown, P>[];
  readonly http: Readonly<Record<string, HttpHandler<P>>>;
  /** Timers named as in the manifest, besides the outbox relay (see `timersOf` in src/topology.ts). */
  readonly timers?: Readonly<Record<string, TimerHandler<P>>>;
  readonly createPorts: (env: NodeJS.ProcessEnv, credential: () => TokenCredential) => P;
}

export const noPorts = (): Record<string, never> => ({});
