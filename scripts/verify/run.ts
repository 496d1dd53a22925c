import { randomBytes } from "node:crypto";
import { FlowName, flowNames } from "../../src/flows";
import { createApiClient } from "./client";
import { OutsideAnswers, isViolation, scenarios } from "./scenarios";
import { VerifyTarget } from "./target";

export interface ScenarioResult {
  readonly flow: FlowName | "api";
  readonly scenario: string;
  readonly ok: boolean;
  readonly durationInMs: number;
  /** The facts checked, or what was wrong. */
  readonly detail: string;
}

export interface VerifyOptions {
  readonly answers: OutsideAnswers;
  /** Overrides every flow's deadline (e.g. a short one to prove a broken flow is caught quickly). */
  readonly timeoutInMs?: number;
  readonly flows?: readonly FlowName[];
  /** Told of each result as it comes. */
  readonly onResult?: (result: ScenarioResult) => void;
}

/** Runs every scenario of every flow at once against the target (each with its own SKU, customer, user). */
export const runVerification = async (target: VerifyTarget, options: VerifyOptions): Promise<ScenarioResult[]> => {
  const api = createApiClient(target);
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const timed = async (flow: ScenarioResult["flow"], scenario: string, work: () => Promise<{ facts: string }>): Promise<ScenarioResult> => {
    const started = Date.now();
    let result: ScenarioResult;
    try {
      const { facts } = await work();
      result = { flow, scenario, ok: true, durationInMs: Date.now() - started, detail: facts };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      result = { flow, scenario, ok: false, durationInMs: Date.now() - started, detail: isViolation(error) ? message : `error: ${message}` };
    }
    options.onResult?.(result);
    return result;
  };

  const work: Promise<ScenarioResult>[] = [];
  if (target.requiresToken) {
    work.push(
      timed("api", "refuses a caller without a token", async () => {
        const response = await fetch(`${target.urlOf("orders")}/api/orders/verify-anonymous`, { signal: AbortSignal.timeout(30_000) });
        if (response.status !== 401 && response.status !== 403) throw new Error(`GET /api/orders/… without a token answered ${response.status}, expected 401`);
        return { facts: `answered ${response.status}` };
      }),
    );
  }
  for (const flow of options.flows ?? flowNames) {
    scenarios[flow].forEach((scenario, i) =>
      work.push(
        timed(flow, scenario.name, () =>
          scenario.run({ api, id: `${runId}-${flow}-${i}`, answers: options.answers, deadlineInMs: options.timeoutInMs ?? target.deadlineOf(flow) }),
        ),
      ),
    );
  }
  return Promise.all(work);
};

/** One row per scenario, for a terminal. */
export const renderTable = (results: readonly ScenarioResult[]): string => {
  const rows = results.map((r) => [r.ok ? "PASS" : "FAIL", r.flow, r.scenario, `${(r.durationInMs / 1000).toFixed(1)} s`, r.detail]);
  const widths = [4, Math.max(4, ...rows.map((r) => r[1]!.length)), Math.max(8, ...rows.map((r) => r[2]!.length)), 8];
  const line = (cells: readonly string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join("  ");
  return [line(["", "flow", "scenario", "took", "facts checked / what went wrong"]), ...rows.map(line)].join("\n");
};
