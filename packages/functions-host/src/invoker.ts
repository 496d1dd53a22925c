import { randomFillSync, randomUUID } from "node:crypto";
import type {
  CoreInvocationContext,
  FunctionCallback,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
  RpcTraceContext,
  RpcTypedData,
} from "./coreTypes";
import { FunctionsHostError } from "./errors";
import { type HostLog, toHostLevel } from "./logger";
import type { FunctionRegistry, HookName, RegisteredFunction } from "./registry";

export interface InvocationRequest {
  readonly fn: RegisteredFunction;
  /** The trigger binding's value, as the host would put it on the wire. */
  readonly data: RpcTypedData;
  readonly triggerMetadata?: Record<string, RpcTypedData>;
  /** W3C traceparent of the caller, when there is one (HTTP); the invocation continues its trace. */
  readonly parentTraceParent?: string;
  /** Shown in the `Executing` line, worded like the real host's reasons. */
  readonly reason: string;
  /** The business flow (an event's `correlationid`), so every line about this invocation names it. */
  readonly flow?: string;
}

export type InvocationOutcome =
  | { readonly succeeded: true; readonly invocationId: string; readonly response: RpcInvocationResponse }
  | { readonly succeeded: false; readonly invocationId: string; readonly error: unknown };

// randomBytes asks the OS on every call (a visible share of the host's CPU at two ids per invocation): trace and span
// ids are cut from random bytes fetched 4 KB at a time instead.
const randomPool = Buffer.alloc(4096);
let randomUsed = randomPool.length;
const hex = (bytes: number): string => {
  if (randomUsed + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomUsed = 0;
  }
  randomUsed += bytes;
  return randomPool.toString("hex", randomUsed - bytes, randomUsed);
};

// Its own pattern, not events/traceparent: the host, like `func`, loads nothing from the app it runs (test/package).
export const childTraceParent = (parent: string | undefined): string => {
  const traceId = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(parent ?? "")?.[1] ?? hex(16);
  return `00-${traceId}-${hex(8)}-01`;
};

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.message}\nStack: ${error.stack ?? ""}` : String(error);

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 300);

const withTimeout = async <T>(work: Promise<T>, timeoutMs: number | undefined, onTimeout: () => Error): Promise<T> => {
  if (timeoutMs === undefined) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Runs one invocation the way the Node worker's InvocationHandler does: through the app's programming model
 * (`getInvocationModel` → `getArguments` → preInvocation hooks → `invokeFunction` → postInvocation hooks →
 * `getResponse`), so bindings are converted by the library itself, not by this host.
 */
export class Invoker {
  constructor(
    private readonly registry: FunctionRegistry,
    private readonly log: HostLog,
    private readonly functionTimeoutMs: number | undefined,
  ) {}

  async invoke(request: InvocationRequest): Promise<InvocationOutcome> {
    const { fn } = request;
    const invocationId = randomUUID();
    const started = performance.now();
    // Executing/Executed chatter is debug (shown with FUNCTIONS_HOST_VERBOSE=1 / `npm start -- --verbose`); a failure is
    // one line naming the flow and the reason, its stack trace debug too: a routine retry should not fill the screen.
    const tag = request.flow ? `[flow ${request.flow}] ` : "";
    this.log("debug", `${tag}Executing '${fn.name}' (Reason='${request.reason}', Id=${invocationId})`);
    try {
      const response = await this.#run(request, invocationId);
      const duration = Math.round(performance.now() - started);
      this.log("debug", `${tag}Executed '${fn.name}' (Succeeded, Id=${invocationId}, Duration=${duration}ms)`);
      return { succeeded: true, invocationId, response };
    } catch (error) {
      const duration = Math.round(performance.now() - started);
      this.log("error", `${tag}Executed '${fn.name}' (Failed, Id=${invocationId}, Duration=${duration}ms): ${firstLine(error)}`);
      this.log("debug", `Exception while executing function: ${fn.name}. Result: Failure\nException: ${describeError(error)}`);
      return { succeeded: false, invocationId, error };
    }
  }

  async #run(request: InvocationRequest, invocationId: string): Promise<RpcInvocationResponse> {
    const { fn } = request;
    const model = this.registry.programmingModel;
    if (!model) {
      throw new FunctionsHostError("HOST.NO_PROGRAMMING_MODEL", "The app did not set a programming model.");
    }
    const log = this.log;
    const registry = this.registry;
    // What the app's log hooks see as the invocation: the programming model's context, once it has made one.
    const invocation: { context?: unknown } = {};
    const traceParent = childTraceParent(request.parentTraceParent);
    const traceContext: RpcTraceContext = { traceParent, traceState: "", attributes: {} };
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.name,
        inputData: [{ name: fn.triggerBindingName, data: request.data }],
        triggerMetadata: request.triggerMetadata ?? {},
        traceContext,
      },
      metadata: fn.metadata,
      state: undefined,
      log(level: RpcLogLevel, category: RpcLogCategory, message: string) {
        // As the Node worker does: each log line runs the app's log hooks first, synchronously (they may not be async),
        // and they may change its level or text; an app forwards its lines to OpenTelemetry this way.
        const line = { level, category, message, invocationContext: invocation.context, hookData: {}, appHookData: registry.appHookData };
        for (const hook of registry.hooks("log")) void hook(line);
        if (line.category === "user") log(toHostLevel(line.level), `${fn.name}: ${line.message}`);
        else log(toHostLevel(line.level), `[${fn.name}] ${line.message}`);
      },
    };

    const invocationModel = await model.getInvocationModel(coreCtx);
    const hookData: Record<string, unknown> = {};
    const { context, inputs } = await invocationModel.getArguments();
    invocation.context = context;
    const readOnly = (name: string) => () => {
      throw new TypeError(`Cannot assign to read only property '${name}'`);
    };
    const preContext = {
      get hookData() {
        return hookData;
      },
      set hookData(_value: unknown) {
        readOnly("hookData")();
      },
      get appHookData() {
        return registry.appHookData;
      },
      set appHookData(_value: unknown) {
        readOnly("appHookData")();
      },
      get invocationContext() {
        return context;
      },
      set invocationContext(_value: unknown) {
        readOnly("invocationContext")();
      },
      functionCallback: fn.callback,
      inputs,
    };
    coreCtx.state = "preInvocationHooks";
    try {
      await this.#runHooks("preInvocation", preContext);
    } finally {
      coreCtx.state = undefined;
    }

    const postContext = {
      get hookData() {
        return hookData;
      },
      get appHookData() {
        return registry.appHookData;
      },
      get invocationContext() {
        return context;
      },
      inputs: preContext.inputs,
      result: null as unknown,
      error: null as unknown,
    };
    const callback: FunctionCallback = preContext.functionCallback;
    coreCtx.state = "invocation";
    try {
      postContext.result = await withTimeout(
        invocationModel.invokeFunction(context, preContext.inputs, callback),
        this.functionTimeoutMs,
        () =>
          new FunctionsHostError(
            "HOST.FUNCTION_TIMEOUT",
            `Timeout value of ${this.functionTimeoutMs}ms exceeded by function '${fn.name}' (Id: '${invocationId}').`,
          ),
      );
    } catch (error) {
      postContext.error = error;
    } finally {
      coreCtx.state = undefined;
    }

    coreCtx.state = "postInvocationHooks";
    try {
      await this.#runHooks("postInvocation", postContext);
    } finally {
      coreCtx.state = undefined;
    }
    // The worker rethrows whatever is left in `error` after the hooks, which may have cleared or replaced it.
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- as is, Error or not, like the worker
    if (postContext.error !== null && postContext.error !== undefined) throw postContext.error;
    return invocationModel.getResponse(context, postContext.result);
  }

  async #runHooks(name: HookName, context: Record<string, unknown>): Promise<void> {
    for (const hook of [...this.registry.hooks(name)]) await hook(context);
  }
}
