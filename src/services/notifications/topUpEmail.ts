import { OutgoingEmail } from "../../platform/email/emailSender";
import { RecipientDocument } from "./documents";

export type TopUpOutcome =
  | { readonly notification: "TopUpSucceeded"; readonly topUpId: string; readonly amount: number; readonly currency: string; readonly balance: number }
  | { readonly notification: "TopUpFailed"; readonly topUpId: string; readonly reason: string };

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

const money = (amount: number, currency: string): string => `${amount.toFixed(2)} ${currency}`;

/** The email telling a user how their top-up ended; pure, so a resend is identical. */
export const topUpEmail = (recipient: RecipientDocument, outcome: TopUpOutcome, messageId: string): OutgoingEmail => {
  const text =
    outcome.notification === "TopUpSucceeded"
      ? `your top-up of ${money(outcome.amount, outcome.currency)} arrived. Your balance is now ${money(outcome.balance, outcome.currency)}.`
      : `your top-up could not be completed: ${outcome.reason}`;
  return {
    messageId,
    to: { address: recipient.email, displayName: recipient.name },
    subject: outcome.notification === "TopUpSucceeded" ? "Your top-up arrived" : "Your top-up failed",
    plainText: `Hello ${recipient.name},\n\n${text}\n\nReference: ${outcome.topUpId}\n`,
    html: `<p>Hello ${escapeHtml(recipient.name)},</p><p>${escapeHtml(text)}</p><p>Reference: ${escapeHtml(outcome.topUpId)}</p>`,
  };
};
