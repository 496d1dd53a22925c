import { EventType } from "./events/catalog";
import type { ReactionFunctionName } from "./topology";

/**
 * The business flows, each a chain of reactions that no one orchestrates. A flow is identified by the correlation id
 * its starting event carries; every event caused by it carries the same id. What a flow "is" follows from the
 * manifest (who reacts to what) plus these few facts: how it starts, which events are its outcome, and how long it may
 * take before someone should look at it.
 */
export interface FlowDefinition {
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
  /**
   * Reactions (`<service>-<reaction>`) that may receive one of this flow's events and rightly publish nothing in
   * reaction to it, and when the flow stops waiting for them: see `waitingFor` in src/services/journal/flowStatus.ts.
   * A reaction whose manifest `publishes` is empty never counts and needs no entry here.
   */
  readonly quietReactions: { readonly [R in ReactionFunctionName]?: QuietReaction };
}

/**
 * When the flow waits for a reaction that may rightly stay silent. Silence is judged from the event types the flow
 * holds (the journal's summary keeps no event data), so each condition names events that prove the silence is the
 * reaction's answer, not a reaction that has not run yet.
 */
export interface QuietReaction {
  /** Why it may publish nothing for an event it received (the code path in its decide). */
  readonly reason: string;
  /**
   * The flow waits for it only once it holds every event type of at least one of these sets (before, the reaction
   * has nothing to say yet); `[]` = never. Omitted: from the moment it receives an event.
   */
  readonly owedOnceFlowHolds?: readonly (readonly EventType[])[];
  /** The flow stops waiting for it once it holds any of these event types. */
  readonly settledBy?: readonly EventType[];
}

/** The flows by name: the keys are the names (`FlowName`), and everything that lists flows reads them from here. */
export const flows = {
  order: {
    description: "OrderPlaced → stock ∥ payment → invoice → OrderConfirmed, or OrderCancelled and compensation.",
    startedBy: "Orders.OrderPlaced.v2",
    succeededWith: ["Orders.OrderConfirmed.v1"],
    failedWith: ["Orders.OrderCancelled.v1"],
    deadlineSetting: "FLOW_DEADLINE_ORDER_MS",
    defaultDeadlineInMs: 5 * 60_000,
    quietReactions: {
      "orders-updateOrderWhenStockOrPaymentSettled": {
        reason:
          "records every settlement but publishes only the one that moves the order out of Pending: a failure, or the " +
          "second success; later settlements (compensations, the invoice) find the order decided",
        owedOnceFlowHolds: [
          ["Inventory.StockReservationFailed.v1"],
          ["Payments.PaymentFailed.v1"],
          ["Inventory.StockReserved.v1", "Payments.PaymentConfirmed.v1"],
        ],
        settledBy: ["Orders.OrderConfirmed.v1", "Orders.OrderCancelled.v1"],
      },
      "inventory-reserveStockWhenOrderPlaced": {
        reason: "a cancellation that overtook the OrderPlaced already reported StockReservationFailed (OrderAlreadyCancelled)",
        settledBy: ["Inventory.StockReservationFailed.v1"],
      },
      "inventory-releaseStockWhenOrderCancelled": {
        reason: "nothing to release when the reservation was rejected (StockReservationFailed: InsufficientStock)",
        settledBy: ["Inventory.StockReservationFailed.v1"],
      },
      "payments-chargePaymentWhenOrderPlaced": {
        reason: "a cancellation that got here first reported the payment outcome (PaymentFailed or PaymentRefunded)",
        settledBy: ["Payments.PaymentFailed.v1", "Payments.PaymentRefunded.v1"],
      },
      "payments-refundPaymentWhenOrderCancelled": {
        reason:
          "nothing to refund after a decline; with a charge in flight it only marks the cancellation, and the charge " +
          "reports PaymentRefunded or PaymentFailed itself",
        settledBy: ["Payments.PaymentFailed.v1", "Payments.PaymentRefunded.v1"],
      },
      "invoicing-sendInvoiceWhenPaymentConfirmed": {
        reason: "no invoice for an order whose cancellation got here first (it left a CancelledBeforeInvoice marker)",
        settledBy: ["Orders.OrderCancelled.v1"],
      },
      "invoicing-voidInvoiceWhenOrderCancelled": {
        reason: "only a sent invoice is voided; without one it records a marker so none is sent later",
        owedOnceFlowHolds: [["Invoicing.InvoiceSent.v1"]],
      },
    },
  },
  onboarding: {
    description: "UserSignedUp → welcome email ∥ CRM contact ∥ free credits → UserOnboarded.",
    startedBy: "Users.UserSignedUp.v1",
    succeededWith: ["Users.UserOnboarded.v1"],
    failedWith: [],
    deadlineSetting: "FLOW_DEADLINE_ONBOARDING_MS",
    defaultDeadlineInMs: 10 * 60_000,
    quietReactions: {
      "users-trackOnboardingWhenStepCompleted": {
        reason: "records each step; only the step that completes the set (email, CRM either way, credits) publishes UserOnboarded",
        owedOnceFlowHolds: [
          ["Email.WelcomeEmailSent.v1", "Crm.ContactAdded.v1", "Rewards.FreeCreditsAssigned.v1"],
          ["Email.WelcomeEmailSent.v1", "Crm.ContactAddFailed.v1", "Rewards.FreeCreditsAssigned.v1"],
        ],
        settledBy: ["Users.UserOnboarded.v1"],
      },
      "notifications-notifyUserWhenTopUpSettled": {
        reason: "the sign-up bonus credits the wallet (WalletCredited, reason FreeCredits), which is not a top-up to notify about",
        owedOnceFlowHolds: [],
      },
    },
  },
  topUp: {
    description: "TopUpInitiated → bank payment → ledger credit (or TopUpFailed) → the user is notified.",
    startedBy: "Wallet.TopUpInitiated.v2",
    // The user hears the outcome either way; the flow is done when they have.
    succeededWith: ["Notifications.UserNotified.v1"],
    failedWith: ["Wallet.TopUpFailed.v1"],
    deadlineSetting: "FLOW_DEADLINE_TOPUP_MS",
    defaultDeadlineInMs: 10 * 60_000,
    // Every reaction of a top-up publishes an outcome for each event it receives (or did so for an earlier delivery).
    quietReactions: {},
  },
} as const satisfies Record<string, FlowDefinition>;

export type FlowName = keyof typeof flows;
export const flowNames = Object.keys(flows) as [FlowName, ...FlowName[]];

/** The flow an event type starts, if it starts one. */
export const flowStartedBy = (type: string): FlowName | undefined => flowNames.find((f) => flows[f].startedBy === type);

/** Every event that is an outcome of some flow (success or failure). */
export const outcomeEventTypes = (): ReadonlySet<EventType> =>
  new Set(flowNames.flatMap((f) => [...flows[f].succeededWith, ...flows[f].failedWith]));
