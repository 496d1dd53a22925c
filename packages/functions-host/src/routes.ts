import { FunctionsHostError } from "./errors";

/** A compiled ASP.NET-style route template (`orders/{orderId}`, `files/{*path}`, `items/{id:int?}`). */
export interface CompiledRoute {
  readonly template: string;
  /** Compare with `compareRoutes`: more specific templates sort first, as ASP.NET routing picks them. */
  readonly precedence: readonly number[];
  match(pathname: string): Record<string, string> | undefined;
}

interface ParamSpec {
  name: string;
  optional: boolean;
  catchAll: boolean;
  defaultValue: string | undefined;
  constraints: string[];
}

const guid = /^[{(]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[})]?$/i;
const number = /^-?\d+(\.\d+)?$/;

const satisfies = (value: string, constraint: string): boolean => {
  const [, name = constraint, arg = ""] = /^(\w+)(?:\((.*)\))?$/s.exec(constraint) ?? [];
  switch (name.toLowerCase()) {
    case "int":
    case "long":
      return /^-?\d+$/.test(value);
    case "bool":
      return /^(true|false)$/i.test(value);
    case "guid":
      return guid.test(value);
    case "alpha":
      return /^[a-z]+$/i.test(value);
    case "decimal":
    case "double":
    case "float":
      return number.test(value);
    case "minlength":
      return value.length >= Number(arg);
    case "maxlength":
      return value.length <= Number(arg);
    case "length": {
      const [min, max] = arg.split(",").map(Number);
      return max === undefined ? value.length === min : value.length >= (min ?? 0) && value.length <= max;
    }
    case "min":
      return number.test(value) && Number(value) >= Number(arg);
    case "max":
      return number.test(value) && Number(value) <= Number(arg);
    case "range": {
      const [min, max] = arg.split(",").map(Number);
      return number.test(value) && Number(value) >= (min ?? -Infinity) && Number(value) <= (max ?? Infinity);
    }
    case "regex":
      return new RegExp(arg, "i").test(value);
    default:
      // Unknown constraints (datetime, custom ones) do not reject: better a handler that validates than a 404.
      return true;
  }
};

const parseParam = (raw: string, template: string): ParamSpec => {
  let body = raw;
  let catchAll = false;
  if (body.startsWith("**")) {
    catchAll = true;
    body = body.slice(2);
  } else if (body.startsWith("*")) {
    catchAll = true;
    body = body.slice(1);
  }
  let defaultValue: string | undefined;
  const eq = body.indexOf("=");
  if (eq >= 0) {
    defaultValue = body.slice(eq + 1);
    body = body.slice(0, eq);
  }
  let optional = catchAll || defaultValue !== undefined;
  if (body.endsWith("?")) {
    optional = true;
    body = body.slice(0, -1);
  }
  const [name = "", ...constraints] = body.split(":");
  if (!/^\w+$/.test(name)) {
    throw new FunctionsHostError("HOST.INVALID_ROUTE", `Invalid parameter "${raw}" in route "${template}"`);
  }
  return { name, optional, catchAll, defaultValue, constraints };
};

const escapeRegex = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const decode = (value: string): string => {
  try {
    // ASP.NET keeps an encoded slash encoded inside a segment.
    return decodeURIComponent(value.replace(/%2f/gi, "%252F"));
  } catch {
    return value;
  }
};

export const compileRoute = (template: string): CompiledRoute => {
  const clean = template.replace(/^~?\/+|\/+$/g, "");
  const params: ParamSpec[] = [];
  const precedence: number[] = [];
  let pattern = "^";
  const segments = clean.length === 0 ? [] : clean.split("/");
  segments.forEach((segment, index) => {
    const parts = segment.split(/(\{[^{}]+\})/).filter((p) => p.length > 0);
    const only = parts.length === 1 ? parts[0] : undefined;
    const separator = index === 0 ? "" : "/";
    if (only !== undefined && only.startsWith("{")) {
      const param = parseParam(only.slice(1, -1), template);
      params.push(param);
      const capture = param.catchAll ? "(.*)" : "([^/]+)";
      pattern += param.optional ? `(?:${escapeRegex(separator)}${capture})?` : `${escapeRegex(separator)}${capture}`;
      precedence.push(param.catchAll ? 5 : param.constraints.length > 0 ? 3 : 4);
      return;
    }
    pattern += escapeRegex(separator);
    let literalOnly = true;
    for (const part of parts) {
      if (part.startsWith("{")) {
        literalOnly = false;
        params.push(parseParam(part.slice(1, -1), template));
        pattern += "([^/]+?)";
      } else {
        pattern += escapeRegex(part);
      }
    }
    precedence.push(literalOnly ? 1 : 2);
  });
  const regex = new RegExp(`${pattern}/?$`, "i");
  return {
    template: clean,
    precedence,
    match(pathname) {
      const found = regex.exec(pathname.replace(/^\/+/, ""));
      if (!found) return undefined;
      const values: Record<string, string> = {};
      for (const [i, param] of params.entries()) {
        const raw = found[i + 1];
        const value = raw === undefined || raw === "" ? param.defaultValue : decode(raw);
        if (value === undefined) {
          if (!param.optional) return undefined;
          continue;
        }
        if (!param.constraints.every((c) => satisfies(value, c))) return undefined;
        values[param.name] = value;
      }
      return values;
    },
  };
};

export const compareRoutes = (a: CompiledRoute, b: CompiledRoute): number => {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    // Like ASP.NET's inbound precedence read as a decimal (1 < 1.4): a template that ends earlier ranks first.
    const diff = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
};
