import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { TokenCredential } from "@azure/identity";
import { ServiceName } from "../topology";
import { Reaction } from "./reaction";
import { ServiceRuntime } from "./runtime";

export type HttpHandler<P> = (
  request: HttpRequest,
  runtime: ServiceRuntime<P>,
  context: InvocationContext,
) => Promise<HttpResponseInit>;

/** A timer's work; what it returns, if anything, is logged (say what it found, not that it ran). */
export type TimerHandler<P> = (runtime: ServiceRuntime<P>, log: { warn(line: string): void }) => Promise<string | undefined>;

/** A service's code: reactions and HTTP handlers named as in the manifest, and how to build its ports. */
export interface ServiceModule<P = unknown> {
  readonly name: ServiceName;
  // Reactions differ in event and state types; the manifest test checks each one's accepted types.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly reactions: readonly Reaction<any, any, P>[];
  readonly http: Readonly<Record<string, HttpHandler<P>>>;
  /** Timers named as in the manifest, besides the outbox relay every service has. */
  readonly timers?: Readonly<Record<string, TimerHandler<P>>>;
  createPorts(env: NodeJS.ProcessEnv, credential: () => TokenCredential): P;
}

export const noPorts = (): Record<string, never> => ({});
