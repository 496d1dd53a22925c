export type FunctionsHostErrorCode =
  | "HOST.APP_NOT_FOUND"
  | "HOST.ENTRY_POINT_NOT_FOUND"
  | "HOST.ENTRY_POINT_FAILED"
  | "HOST.SETTINGS_INVALID"
  | "HOST.DUPLICATE_FUNCTION"
  | "HOST.REGISTRATION_LOCKED"
  | "HOST.ALREADY_RUNNING"
  | "HOST.INVALID_SCHEDULE"
  | "HOST.INVALID_ROUTE"
  | "HOST.NO_PROGRAMMING_MODEL"
  | "HOST.FUNCTION_TIMEOUT";

/** Failures of the local host itself (not of a user's function), with a stable code to branch on. */
export class FunctionsHostError extends Error {
  override readonly name = "FunctionsHostError";

  constructor(
    readonly code: FunctionsHostErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
