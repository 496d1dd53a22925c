/** Codes as Event Grid puts them in `{ error: { code, message } }`, so a client sees what Azure would send. */
export type EventGridErrorCode =
  | "BadRequest"
  | "Unauthorized"
  | "NotFound"
  | "MethodNotAllowed"
  | "RequestEntityTooLarge"
  | "ServiceUnavailable"
  | "InternalServerError";

/** A request the emulator refuses; the HTTP edge turns it into the status and JSON body Event Grid would answer. */
export class EventGridEmulatorError extends Error {
  constructor(
    readonly status: number,
    readonly code: EventGridErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "EventGridEmulatorError";
  }

  toBody(): { error: { code: EventGridErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (message: string): EventGridEmulatorError =>
  new EventGridEmulatorError(400, "BadRequest", message);

export const tooLarge = (message: string): EventGridEmulatorError =>
  new EventGridEmulatorError(413, "RequestEntityTooLarge", message);
