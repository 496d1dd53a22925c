/** An error with a stable code, mapped to an HTTP problem document at the edge (`ORDER.NOT_FOUND` → 404). */
export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(
    message: string,
    readonly fields: readonly { path: string; message: string }[],
  ) {
    super("REQUEST.INVALID", 400, message, { fields });
  }
}

export class NotFoundError extends AppError {
  constructor(code: string, message: string) {
    super(code, 404, message);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, 409, message);
  }
}

/** The store refused a write because another writer got there first (412/409); the caller re-reads and retries. */
export class ConcurrencyConflictError extends Error {
  readonly code = "STORE.CONCURRENCY_CONFLICT";
  constructor(message: string) {
    super(message);
    this.name = "ConcurrencyConflictError";
  }
}

/** A downstream system (gateway, bank, CRM) failed in a way worth retrying; thrown so Event Grid redelivers. */
export class TransientError extends Error {
  readonly code = "DOWNSTREAM.TRANSIENT";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

/**
 * A stored document does not match its schema (written by another version, edited by hand, corrupted). Names the
 * document and the first offending field, never its data: a reaction that meets one fails and Event Grid redelivers
 * (or dead-letters) the event; an HTTP read answers 500.
 */
export class CorruptDocumentError extends AppError {
  constructor(
    readonly document: { readonly id: string; readonly partition: string; readonly kind: string },
    readonly path: string,
    readonly issue: string,
  ) {
    super(
      "STORE.CORRUPT_DOCUMENT",
      500,
      `Stored document ${document.id} (partition ${document.partition}, kind ${document.kind}) does not match its schema at ${path} (${issue})`,
      { document, path },
    );
  }
}
