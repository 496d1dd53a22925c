/**
 * Events nested deeper than this are parked as poison before anything recursive touches them. Every event this system
 * defines is under 6 levels; Cosmos DB refuses documents nested deeper than 128; and the Functions Node library converts
 * trigger data recursively (its `toCamelCaseValue` overflows the stack at a few thousand levels, before any app code
 * runs), so a hostile event would otherwise fail every delivery until it is dead-lettered instead of being parked.
 */
export const MAX_EVENT_NESTING_DEPTH = 32;

/** Set on an event the guard cut down: the reason, for the runner to park it with. */
export const NESTING_REJECTION = "choreographyrejected";

/** True when a parsed JSON value nests deeper than `limit`. Iterative: never recurses, whatever the depth. */
export const nestsDeeperThan = (value: unknown, limit: number): boolean => {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current !== "object" || current === null) continue;
    if (depth + 1 > limit) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
};

/** The envelope's top-level text fields only: what can be kept of an event too deep to keep whole. */
export const shallowEnvelope = (value: unknown): Record<string, string> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter((entry): entry is [string, string] => typeof entry[1] === "string")
      .map(([k, v]) => [k, v.slice(0, 500)]),
  );
};

interface RpcTypedDataLike {
  json?: string | null;
}
interface CoreContextLike {
  request: {
    inputData?: { name?: string | null; data?: RpcTypedDataLike | null }[] | null;
    triggerMetadata?: Record<string, RpcTypedDataLike | null> | null;
  };
}
interface ProgrammingModelLike {
  getInvocationModel(coreCtx: CoreContextLike): unknown;
}
interface CoreApiLike {
  setProgrammingModel(model: ProgrammingModelLike): void;
}

const tooDeep = (json: string | null | undefined): { parsed: unknown } | undefined => {
  if (typeof json !== "string" || json.length < MAX_EVENT_NESTING_DEPTH * 2) return undefined;
  let parsed: unknown;
  try {
    // V8's JSON.parse is iterative: safe at any depth, unlike the library's conversion after it.
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  return nestsDeeperThan(parsed, MAX_EVENT_NESTING_DEPTH) ? { parsed } : undefined;
};

/**
 * Cuts an invocation's too-deep trigger data down before the Functions library converts it: the event keeps its
 * top-level text fields (id, type, correlationid, …) and a rejection reason, and loses the rest; trigger metadata that
 * is too deep is dropped (this app reads none of it). The handler then parks the event as poison and succeeds.
 */
const sanitize = (coreCtx: CoreContextLike): void => {
  for (const input of coreCtx.request.inputData ?? []) {
    const found = tooDeep(input.data?.json);
    if (found && input.data) {
      input.data.json = JSON.stringify({
        ...shallowEnvelope(found.parsed),
        [NESTING_REJECTION]: `Event nested deeper than ${MAX_EVENT_NESTING_DEPTH} levels; its data was dropped unread`,
      });
    }
  }
  const metadata = coreCtx.request.triggerMetadata;
  if (metadata) for (const [key, value] of Object.entries(metadata)) if (tooDeep(value?.json)) delete metadata[key];
};

/**
 * Installs the guard on the Functions worker's core API (`@azure/functions-core`, present only inside a Functions
 * host — Azure's Node worker, `func start`, or this project's local host): every invocation model the library creates
 * sanitizes its request first. Returns false outside a host (tests, scripts), where there is nothing to guard.
 */
export const guardInvocationsAgainstDeepNesting = (load: (id: string) => unknown = require): boolean => {
  let core: CoreApiLike;
  try {
    core = load("@azure/functions-core") as CoreApiLike;
  } catch {
    return false;
  }
  const setProgrammingModel = core.setProgrammingModel.bind(core);
  core.setProgrammingModel = (model) => {
    // Everything else (name, version, capabilities) is the library's own, through the prototype.
    const guarded = Object.create(model) as ProgrammingModelLike;
    guarded.getInvocationModel = (coreCtx) => {
      sanitize(coreCtx);
      return model.getInvocationModel(coreCtx);
    };
    setProgrammingModel(guarded);
  };
  return true;
};
