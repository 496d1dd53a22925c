import type { RpcBindingInfo } from "./coreTypes";
import type { RegisteredFunction } from "./registry";

export const isHttpTrigger = (fn: RegisteredFunction): boolean => fn.triggerType.toLowerCase() === "httptrigger";
export const isTimerTrigger = (fn: RegisteredFunction): boolean => fn.triggerType.toLowerCase() === "timertrigger";
export const isEventGridTrigger = (fn: RegisteredFunction): boolean =>
  fn.triggerType.toLowerCase() === "eventgridtrigger";

/** A timer function's NCRONTAB schedule as registered (app settings unresolved); empty when it registered none. */
export const scheduleOf = (fn: RegisteredFunction): string => {
  const schedule = fn.trigger.schedule;
  return typeof schedule === "string" ? schedule : "";
};

/** The route an HTTP function answers on, without the prefix: its `route`, or its name when it has none. */
export const httpRouteOf = (fn: RegisteredFunction): string => {
  const route = fn.trigger.route;
  return typeof route === "string" && route.trim().length > 0 ? route.trim().replace(/^\/+/, "") : fn.name;
};

/** Upper-cased methods; the library always sets them (GET and POST by default). */
export const httpMethodsOf = (fn: RegisteredFunction): string[] => {
  const methods = fn.trigger.methods;
  return Array.isArray(methods) && methods.length > 0 ? methods.map((m) => String(m).toUpperCase()) : ["GET", "POST"];
};

/** `AzureWebJobs.<name>.Disabled` set to true or 1 disables a function, as on the real host. */
export const isDisabled = (fn: RegisteredFunction, env: NodeJS.ProcessEnv): boolean => {
  const value = env[`AzureWebJobs.${fn.name}.Disabled`] ?? env[`AzureWebJobs_${fn.name}_Disabled`];
  return value !== undefined && /^(true|1)$/i.test(value.trim());
};

export interface FunctionSummary {
  readonly name: string;
  readonly trigger: string;
  readonly route?: string;
  readonly methods?: readonly string[];
  readonly schedule?: string;
  /** Where to call it: the HTTP URL, the Event Grid webhook, or undefined for timers. */
  readonly invokeUrl?: string;
  readonly isDisabled: boolean;
  readonly config: { readonly bindings: readonly (RpcBindingInfo & { name: string })[] };
}

export const summarize = (
  fn: RegisteredFunction,
  options: { baseUrl: string; routePrefix: string; env: NodeJS.ProcessEnv },
): FunctionSummary => {
  const bindings = Object.entries(fn.metadata.bindings).map(([name, binding]) => ({ ...binding, name }));
  const base = { name: fn.name, trigger: fn.triggerType, isDisabled: isDisabled(fn, options.env), config: { bindings } };
  if (isHttpTrigger(fn)) {
    const route = httpRouteOf(fn);
    const prefix = options.routePrefix ? `/${options.routePrefix}` : "";
    return { ...base, route, methods: httpMethodsOf(fn), invokeUrl: `${options.baseUrl}${prefix}/${route}` };
  }
  if (isEventGridTrigger(fn)) {
    return { ...base, invokeUrl: `${options.baseUrl}/runtime/webhooks/EventGrid?functionName=${encodeURIComponent(fn.name)}` };
  }
  if (isTimerTrigger(fn)) return { ...base, schedule: scheduleOf(fn) };
  return base;
};

export const describeFunction = (summary: FunctionSummary): string => {
  const disabled = summary.isDisabled ? " (disabled)" : "";
  if (summary.methods) return `  ${summary.name}: [${summary.methods.join(",")}] ${summary.invokeUrl ?? ""}${disabled}`;
  if (summary.schedule !== undefined) return `  ${summary.name}: ${summary.trigger} '${summary.schedule}'${disabled}`;
  return `  ${summary.name}: ${summary.trigger}${summary.invokeUrl ? ` ${summary.invokeUrl}` : ""}${disabled}`;
};
