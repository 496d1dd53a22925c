import { CorruptDocumentError } from "#src/platform/errors";
import { LoadContext } from "#src/platform/reactions";
import { DocumentStore, StoredDocument } from "#src/platform/store";
import { requestBankPaymentWhenTopUpInitiated } from "#src/services/banking/requestBankPaymentWhenTopUpInitiated";
import { addContactWhenUserSignedUp } from "#src/services/crm/addContactWhenUserSignedUp";
import { sendWelcomeEmailWhenUserSignedUp } from "#src/services/email/sendWelcomeEmailWhenUserSignedUp";
import { releaseStockWhenOrderCancelled } from "#src/services/inventory/releaseStockWhenOrderCancelled";
import { sendInvoiceWhenPaymentConfirmed } from "#src/services/invoicing/sendInvoiceWhenPaymentConfirmed";
import { readFlow } from "#src/services/journal/flowView";
import { creditWalletWhenFreeCreditsAssigned } from "#src/services/ledger/creditWalletWhenFreeCreditsAssigned";
import { entryDocumentId, entryIdFor } from "#src/services/ledger/documents";
import { rememberRecipientWhenUserSignedUp } from "#src/services/notifications/rememberRecipientWhenUserSignedUp";
import { updateOrderWhenStockOrPaymentSettled } from "#src/services/orders/updateOrderWhenStockOrPaymentSettled";
import { refundPaymentWhenOrderCancelled } from "#src/services/payments/refundPaymentWhenOrderCancelled";
import { assignFreeCreditsWhenUserSignedUp } from "#src/services/rewards/assignFreeCreditsWhenUserSignedUp";
import { trackOnboardingWhenStepCompleted } from "#src/services/users/trackOnboardingWhenStepCompleted";
import { A_FUNDING_SOURCE_ID, anEvent } from "../../support/events";
import { createInMemoryStore } from "../../support/inMemoryStore";
import { loadContextOf } from "../../support/loadContext";

const signedUp = anEvent("Users.UserSignedUp.v1", { userId: "u-1", email: "ada@example.com", name: "Ada" });
const cancelled = anEvent("Orders.OrderCancelled.v1", { orderId: "o-1", reason: "Insufficient stock for A" });
const grantId = "g-1";

/**
 * Each row: a service's stored document, valid except for one field, and the read that meets it. The reads fail
 * before any port is used (the ports are absent), so the refusal is the schema's and nothing else.
 */
const cases: {
  service: string;
  document: StoredDocument;
  corruptField: string;
  read: (context: LoadContext<never>, store: DocumentStore) => Promise<unknown>;
}[] = [
  {
    service: "orders",
    document: {
      id: "order:o-1", pk: "o-1", kind: "order", orderId: "o-1", correlationId: "flow-1", customerId: "c-1",
      items: [{ sku: "A", quantity: 1, unitPrice: 10 }], currency: "EUR", total: 10, status: "Shipped",
      inventory: "Pending", payment: "Pending", invoice: null, requestHash: "h", createdAt: "t", updatedAt: "t",
    },
    corruptField: "status",
    read: (c) => updateOrderWhenStockOrPaymentSettled.load(anEvent("Inventory.StockReserved.v1", { orderId: "o-1", items: [{ sku: "A", quantity: 1 }] }), c),
  },
  {
    service: "inventory",
    document: { id: "reservation:o-1", pk: "order:o-1", kind: "reservation", orderId: "o-1", status: "Reserved", items: [{ sku: "A", quantity: "one" }], updatedAt: "t" },
    corruptField: "items.0.quantity",
    read: (c) => releaseStockWhenOrderCancelled.load(cancelled, c),
  },
  {
    service: "payments",
    document: { id: "payment:o-1", pk: "o-1", kind: "payment", orderId: "o-1", status: "Charged", currency: "Doubloons", updatedAt: "t" },
    corruptField: "currency",
    read: (c) => refundPaymentWhenOrderCancelled.load(cancelled, c),
  },
  {
    service: "invoicing",
    document: { id: "invoice:o-1", pk: "o-1", kind: "invoice", orderId: "o-1", status: "Paid", updatedAt: "t" },
    corruptField: "status",
    read: (c) =>
      sendInvoiceWhenPaymentConfirmed.load(
        anEvent("Payments.PaymentConfirmed.v1", { orderId: "o-1", customerId: "c-1", chargeId: "ch", amount: 10, currency: "EUR" }),
        c,
      ),
  },
  {
    service: "users",
    document: {
      id: "user:u-1", pk: "u-1", kind: "user", userId: "u-1", email: "ada@example.com", name: "Ada", correlationId: "flow-1",
      status: "Onboarding", onboarding: { welcomeEmail: "Pending", crm: "Maybe", credits: "Pending" }, createdAt: "t", updatedAt: "t",
    },
    corruptField: "onboarding.crm",
    read: (c) => trackOnboardingWhenStepCompleted.load(anEvent("Email.WelcomeEmailSent.v1", { userId: "u-1", messageId: "m-1" }), c),
  },
  {
    service: "ledger",
    document: { id: "wallet", pk: "u-1", kind: "wallet", walletId: "u-1", currency: "EUR", balanceCents: 10.5, openedAt: "t", updatedAt: "t" },
    corruptField: "balanceCents",
    read: (c) =>
      creditWalletWhenFreeCreditsAssigned.load(anEvent("Rewards.FreeCreditsAssigned.v1", { userId: "u-1", walletId: "u-1", grantId, amount: 10, currency: "EUR" }), c),
  },
  {
    service: "ledger (entries)",
    document: {
      id: entryDocumentId(entryIdFor("FreeCredits", grantId)), pk: "u-1", kind: "entry", walletId: "u-1", entryId: entryIdFor("FreeCredits", grantId),
      amountCents: 1000, currency: "EUR", reason: "Lottery", causationid: "evt", time: "t",
    },
    corruptField: "reason",
    read: (c) =>
      creditWalletWhenFreeCreditsAssigned.load(anEvent("Rewards.FreeCreditsAssigned.v1", { userId: "u-1", walletId: "u-1", grantId, amount: 10, currency: "EUR" }), c),
  },
  {
    service: "banking",
    document: { id: "bankPayment:t-1", pk: "t-1", kind: "bankPayment", topUpId: "t-1", walletId: "u-1", status: "Pending", amount: 10, currency: "EUR" },
    corruptField: "status",
    read: (c) =>
      requestBankPaymentWhenTopUpInitiated.load(
        anEvent("Wallet.TopUpInitiated.v2", { topUpId: "t-1", walletId: "u-1", amount: 10, currency: "EUR", fundingSourceId: A_FUNDING_SOURCE_ID }),
        c,
      ),
  },
  {
    service: "notifications",
    document: { id: "recipient", pk: "u-1", kind: "recipient", userId: "u-1", email: ["ada@example.com"], name: "Ada" },
    corruptField: "email",
    read: (c) => rememberRecipientWhenUserSignedUp.load(signedUp, c),
  },
  {
    service: "crm",
    document: { id: "contact:u-1", pk: "u-1", kind: "contact", userId: "u-1", status: "Pending", updatedAt: "t" },
    corruptField: "status",
    read: (c) => addContactWhenUserSignedUp.load(signedUp, c),
  },
  {
    service: "rewards",
    document: { id: "grant:u-1", pk: "u-1", kind: "freeCreditsGrant", userId: "u-1", grantId, amount: "ten", currency: "EUR", assignedAt: "t" },
    corruptField: "amount",
    read: (c) => assignFreeCreditsWhenUserSignedUp.load(signedUp, c),
  },
  {
    service: "email",
    document: { id: "welcomeEmail:u-1", pk: "u-1", kind: "welcomeEmail", userId: "u-1", sentAt: "t" },
    corruptField: "messageId",
    read: (c) => sendWelcomeEmailWhenUserSignedUp.load(signedUp, c),
  },
  {
    service: "journal",
    document: {
      id: "event:e-1", pk: "flow-1", kind: "journalEntry", recordedAt: "t",
      event: { specversion: "1.0", id: "e-1", source: "/services/orders", time: "2026-01-01T00:00:00.000Z", correlationid: "flow-1", data: {} },
    },
    corruptField: "event.type",
    read: (_, store) => readFlow(store, "flow-1"),
  },
];

describe("every service refuses a stored document that does not match its schema", () => {
  it.each(cases)("$service: a document with a bad $corruptField is refused, naming it", async ({ document, corruptField, read }) => {
    const store = createInMemoryStore([document]);
    const error = await read(loadContextOf(store, undefined as never), store).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CorruptDocumentError);
    expect(error).toMatchObject({ document: { id: document.id, partition: document.pk, kind: document.kind }, path: corruptField });
  });
});
