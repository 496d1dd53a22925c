import { EventData } from "../../events/catalog";
import { OutgoingEmail } from "../../platform/email/emailSender";

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);

/** The welcome email's content; a pure function of the sign-up, so a resend is byte-for-byte the same. */
export const welcomeEmail = (user: EventData<"Users.UserSignedUp.v1">, messageId: string): OutgoingEmail => ({
  messageId,
  to: { address: user.email, displayName: user.name },
  subject: "Welcome aboard",
  plainText: `Hello ${user.name},\n\nwelcome! Your account is ready, and free credits are on their way to your wallet.\n`,
  html: `<p>Hello ${escapeHtml(user.name)},</p><p>welcome! Your account is ready, and free credits are on their way to your wallet.</p>`,
});
