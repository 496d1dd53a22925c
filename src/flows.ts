import { EventType } from "./events/catalog";

/**
 * The business flows, each a chain of reactions that no one orchestrates. A flow is identified by the correlation id
 * its starting event carries; every event caused by it carries the same id. What a flow "is" follows from the
 * manifest (who reacts to what) plus these few facts: how it starts, which events are its outcome, and how long it may
 * take before someone should look at it.
 */
export interface FlowDefinition {
  readonly name: FlowName;
  readonly description: string;
  /** The event that starts the flow (published by an HTTP command). */
  readonly startedBy: EventType;
  /** Outcome events that end the flow well. Once one is seen (and no failure), the flow is `completed`. */
  readonly succeededWith: readonly EventType[];
  /** Outcome events that end the flow badly; compensations may still follow them. The flow is then `failed`. */
  readonly failedWith: readonly EventType[];
  /** App setting that overrides the deadline, in milliseconds; past it without an outcome, the flow is `stalled`. */
  readonly deadlineSetting: string;
  readonly defaultDeadlineInMs: number;
}

export const flowNames = ["order", "onboarding", "topUp"] as const;
export type FlowName = (typeof flowNames)[number];

export const flows = {
  order: {
    name: "order",
    description: "OrderPlaced → stock ∥ payment → invoice → OrderConfirmed, or OrderCancelled and compensation.",
    startedBy: "Orders.OrderPlaced.v1",
    succeededWith: ["Orders.OrderConfirmed.v1"],
    failedWith: ["Orders.OrderCancelled.v1"],
    deadlineSetting: "FLOW_DEADLINE_ORDER_MS",
    defaultDeadlineInMs: 5 * 60_000,
  },
  onboarding: {
    name: "onboarding",
    description: "UserSignedUp → welcome email ∥ CRM contact ∥ free credits → UserOnboarded.",
    startedBy: "Users.UserSignedUp.v1",
    succeededWith: ["Users.UserOnboarded.v1"],
    failedWith: [],
    deadlineSetting: "FLOW_DEADLINE_ONBOARDING_MS",
    defaultDeadlineInMs: 10 * 60_000,
  },
  topUp: {
    name: "topUp",
    description: "TopUpInitiated → bank payment → ledger credit (or TopUpFailed) → the user is notified.",
    startedBy: "Wallet.TopUpInitiated.v1",
    // The user hears the outcome either way; the flow is done when they have.
    succeededWith: ["Notifications.UserNotified.v1"],
    failedWith: ["Wallet.TopUpFailed.v1"],
    deadlineSetting: "FLOW_DEADLINE_TOPUP_MS",
    defaultDeadlineInMs: 10 * 60_000,
  },
} as const satisfies Record<FlowName, FlowDefinition>;

/** The flow an event type starts, if it starts one. */
export const flowStartedBy = (type: string): FlowName | undefined => flowNames.find((f) => flows[f].startedBy === type);

/** Every event that is an outcome of some flow (success or failure). */
export const outcomeEventTypes = (): ReadonlySet<EventType> =>
  new Set(flowNames.flatMap((f) => [...flows[f].succeededWith, ...flows[f].failedWith]));
