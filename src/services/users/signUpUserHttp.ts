import { APP_ROLES, requireAppRole } from "../../platform/appRoles";
import { z } from "zod";
import { emailAddressSchema } from "../../events/users";
import { ConflictError } from "../../platform/errors";
import { json, readJsonBody } from "../../platform/http";
import { startFlowFromHttp } from "../../platform/flowStart";
import { deterministicId } from "../../platform/ids";
import { HttpHandler } from "../../platform/serviceModule";
import { UserDocument, normalizeEmail, userDocumentId, userIdForEmail, userDocumentSchema } from "./documents";

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

const emailTaken = (): never => {
  throw new ConflictError("USER.EMAIL_TAKEN", "A user with this email address has already signed up");
};

/**
 * POST /api/users: commits the user and its UserSignedUp event together (outbox), then publishes. The user id is
 * derived from the email, so an email already signed up finds its user (or collides on create): 409, nothing written.
 * A crash after the first commit may have left its event unsent; a retry of the sign-up nudges it out.
 */
export const signUpUser: HttpHandler<unknown> = async (request, runtime, context) => {
  requireAppRole(request, APP_ROLES.usersWrite);
  const { email, name } = await readJsonBody(request, signUpUserBody);
  const userId = userIdForEmail(email);
  const correlationId = deterministicId("flow", "user", userId);

  return startFlowFromHttp<UserDocument>(request, runtime, context, {
    service: "users",
    pk: userId,
    recordId: userDocumentId(userId),
    schema: userDocumentSchema,
    eventId: signedUpEventId(userId),
    correlationId,
    async start(now) {
      const record: UserDocument = {
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
      return { record, event: { type: "Users.UserSignedUp.v1", subject: `users/${userId}`, data: { userId, email, name } } };
    },
    accepted: () => json(202, { userId, correlationId }, { location: `/api/users/${userId}` }),
    whenExists: emailTaken,
  });
};
