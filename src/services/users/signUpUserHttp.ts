import { z } from "zod";
import { emailAddressSchema } from "../../events/users";
import { ConcurrencyConflictError, ConflictError } from "../../platform/errors";
import { json, readJsonBody } from "../../platform/http";
import { commitAndPublish, flowStartingEvent } from "../../platform/flowStart";
import { deterministicId } from "../../platform/ids";
import { outboxDocumentId, publishPendingOutboxOfPartition } from "../../platform/outbox";
import { HttpHandler } from "../../platform/serviceModule";
import { UserDocument, normalizeEmail, userDocumentId, userIdForEmail } from "./documents";

export const signUpUserBody = z.strictObject({
  // Length is checked before anything else looks at the string, so a megabyte of "a" costs nothing.
  email: z.string().max(254).transform(normalizeEmail).pipe(emailAddressSchema),
  // Control characters would end up in email headers (the welcome email's greeting) and CRM records.
  name: z
    .string()
    .max(200)
    .transform((s) => s.trim())
    .pipe(z.string().min(1, "must not be blank").regex(/^[^\p{Cc}]*$/u, "must not contain control characters")),
});

export const signedUpEventId = (userId: string): string => deterministicId("Users.UserSignedUp.v1", userId);

/**
 * POST /api/users: commits the user and its UserSignedUp event together (outbox), then publishes. The user id is
 * derived from the email, so an email already signed up collides on the document id: 409, nothing written.
 */
export const signUpUser: HttpHandler<unknown> = async (request, { store, publisher, clock }, context) => {
  const { email, name } = await readJsonBody(request, signUpUserBody);
  const userId = userIdForEmail(email);
  const taken = async (): Promise<never> => {
    // A crash after the first commit may have left its event unsent; a retry of the sign-up nudges it out.
    await publishPendingOutboxOfPartition(store, publisher, userId, [outboxDocumentId(signedUpEventId(userId))], clock());
    throw new ConflictError("USER.EMAIL_TAKEN", "A user with this email address has already signed up");
  };
  if (await store.readDocument<UserDocument>(userDocumentId(userId), userId)) return taken();

  const now = clock();
  const correlationId = deterministicId("flow", "user", userId);
  const user: UserDocument = {
    id: userDocumentId(userId),
    pk: userId,
    kind: "user",
    userId,
    email,
    name,
    correlationId,
    status: "Onboarding",
    onboarding: { welcomeEmail: "Pending", crm: "Pending", credits: "Pending" },
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const event = flowStartingEvent({
    service: "users",
    event: { type: "Users.UserSignedUp.v1", subject: `users/${userId}`, data: { userId, email, name } },
    eventId: signedUpEventId(userId),
    correlationId,
    now,
    callerTraceparent: request.headers.get("traceparent"),
  });
  try {
    // The user document's id is derived from the email: a second sign-up collides on create and nothing is written.
    await commitAndPublish({ store, publisher }, userId, [{ op: "create", document: user }], event, (m, e) => context.warn(m, e));
  } catch (error) {
    if (error instanceof ConcurrencyConflictError) return taken();
    throw error;
  }
  return json(202, { userId, correlationId }, { location: `/api/users/${userId}` });
};
