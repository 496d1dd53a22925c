import type {
  CoreApi,
  DisposableLike,
  FunctionCallback,
  FunctionMetadata,
  HookCallback,
  ProgrammingModel,
  RpcBindingInfo,
} from "./coreTypes";
import { FunctionsHostError } from "./errors";
import { type HostLog, toHostLevel } from "./logger";

export interface RegisteredFunction {
  readonly name: string;
  readonly metadata: FunctionMetadata;
  readonly callback: FunctionCallback;
  readonly triggerBindingName: string;
  /** e.g. `httpTrigger`, `eventGridTrigger`, `timerTrigger`, as the library registered it. */
  readonly triggerType: string;
  readonly trigger: RpcBindingInfo;
  readonly scriptFile: string | undefined;
}

export type HookName = "appStart" | "appTerminate" | "preInvocation" | "postInvocation" | "log";
const hookNames: readonly string[] = ["appStart", "appTerminate", "preInvocation", "postInvocation", "log"];

class Disposable implements DisposableLike {
  #callOnDispose: (() => unknown) | undefined;
  constructor(callOnDispose: () => unknown) {
    this.#callOnDispose = callOnDispose;
  }
  dispose(): unknown {
    const call = this.#callOnDispose;
    this.#callOnDispose = undefined;
    return call?.();
  }
}

const isTriggerType = (type: unknown): type is string => typeof type === "string" && /trigger$/i.test(type);

/** What the app registered through `@azure/functions-core`: functions, hooks and the programming model. */
export class FunctionRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly appHookData: Record<string, unknown> = {};
  readonly appLevelOnlyHookData: Record<string, unknown> = {};
  programmingModel: ProgrammingModel | undefined;
  currentEntryPoint: string | undefined;
  #hooks = new Map<HookName, HookCallback[]>();
  #locked = false;

  constructor(
    private readonly log: HostLog,
    private readonly hostVersion: string,
  ) {}

  /** Like the worker after indexing: from now on registering or disposing a function is an error. */
  lock(): void {
    this.#locked = true;
  }

  hooks(name: HookName): readonly HookCallback[] {
    return this.#hooks.get(name) ?? [];
  }

  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): DisposableLike {
    if (this.#locked) {
      throw new FunctionsHostError("HOST.REGISTRATION_LOCKED", "A function can only be registered during app startup.");
    }
    const name = metadata.functionId ?? metadata.name;
    if (this.functions.has(name)) {
      throw new FunctionsHostError("HOST.DUPLICATE_FUNCTION", `A function with id "${name}" has already been registered.`);
    }
    const triggerEntry = Object.entries(metadata.bindings).find(([, binding]) => isTriggerType(binding.type));
    if (!triggerEntry) {
      throw new FunctionsHostError("HOST.ENTRY_POINT_FAILED", `Function "${name}" has no trigger binding.`);
    }
    const [triggerBindingName, trigger] = triggerEntry;
    this.functions.set(name, {
      name,
      metadata,
      callback,
      triggerBindingName,
      triggerType: String(trigger.type),
      trigger,
      scriptFile: this.currentEntryPoint,
    });
    return new Disposable(() => {
      if (this.#locked) {
        throw new FunctionsHostError("HOST.REGISTRATION_LOCKED", "A function can only be disposed during app startup.");
      }
      this.functions.delete(name);
    });
  }

  registerHook(hookName: string, callback: HookCallback): DisposableLike {
    if (!hookNames.includes(hookName)) {
      // The library maps a RangeError on "log" to "host too old"; any other name is a programming error.
      throw new RangeError(`Unrecognized hook "${hookName}"`);
    }
    const list = this.#hooks.get(hookName as HookName) ?? [];
    list.push(callback);
    this.#hooks.set(hookName as HookName, list);
    return new Disposable(() => {
      const index = list.indexOf(callback);
      if (index >= 0) list.splice(index, 1);
    });
  }

  /** The object `require("@azure/functions-core")` returns inside this host. */
  createCoreApi(): CoreApi {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getter below runs with the returned object as `this`
    const registry = this;
    return {
      version: "local-functions-host",
      get hostVersion() {
        return registry.hostVersion;
      },
      registerFunction: (metadata, callback) => registry.registerFunction(metadata, callback),
      registerHook: (hookName, callback) => registry.registerHook(hookName, callback),
      setProgrammingModel: (model) => {
        registry.log("debug", `Setting Node.js programming model to "${model.name}" version "${model.version}"`);
        registry.programmingModel = model;
      },
      getProgrammingModel: () => registry.programmingModel,
      log: (level, category, message) => registry.log(toHostLevel(level), `[${category}] ${message}`),
      Disposable,
    };
  }
}
