/**
 * One base class for every error the domain raises. Subclasses set `name`, pass `cause`, and say
 * whether trying again could help, so retry loops never have to parse messages.
 */
export class CarrierFailoverError extends Error {
  /** True when the same call may succeed if tried again later. */
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'CarrierFailoverError';
    this.retryable = options.retryable ?? false;
  }
}

/** A carrier API call failed. `status` is the HTTP status when there was one. */
export class CarrierError extends CarrierFailoverError {
  readonly carrier: string;
  readonly status?: number;
  /** The carrier's own error code (Telnyx 10011, Twilio 20429, ...), when it sent one. */
  readonly code?: string;
  /** How long the carrier asked us to wait (Retry-After, X-RateLimit-Reset), in milliseconds. */
  readonly retryAfterMs?: number;
  /**
   * True when the request certainly changed nothing at the carrier (a read, or a 429 the carriers
   * document as never processed), so sending the same request again is always safe.
   */
  readonly safeToRepeat: boolean;

  constructor(
    carrier: string,
    message: string,
    options: {
      retryable: boolean;
      status?: number;
      code?: string;
      retryAfterMs?: number;
      safeToRepeat?: boolean;
      cause?: unknown;
    },
  ) {
    super(`${carrier}: ${message}`, options);
    this.name = 'CarrierError';
    this.carrier = carrier;
    this.status = options.status;
    this.code = options.code;
    this.retryAfterMs = options.retryAfterMs;
    this.safeToRepeat = options.safeToRepeat ?? false;
  }
}

/**
 * True when a failed carrier write may nevertheless have been applied: no HTTP answer at all
 * (timeout, reset), a 5xx, or a 2xx we could not read. A 4xx (429 included: carriers document it
 * as never processed) means the carrier refused the request.
 */
export function mayHaveLanded(error: unknown): boolean {
  return error instanceof CarrierError && (error.status === undefined || error.status >= 500);
}

/** Credentials are missing or rejected (401/403): retrying will not help until someone fixes them. */
export class CarrierAuthError extends CarrierError {
  constructor(
    carrier: string,
    message: string,
    options: { status?: number; code?: string; cause?: unknown } = {},
  ) {
    super(carrier, message, { ...options, retryable: false });
    this.name = 'CarrierAuthError';
  }
}

/** A conditional write lost: the item already exists (another run or region got there first). */
export class ItemAlreadyExistsError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'ItemAlreadyExistsError';
  }
}

/** An optimistic-lock or state-transition condition failed: someone else changed the item. */
export class ConcurrentModificationError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'ConcurrentModificationError';
  }
}

/** Input (an event, a CLI argument, a file) does not have the expected shape. Never retryable. */
export class ValidationError extends CarrierFailoverError {
  readonly problems: string[];

  constructor(message: string, problems: string[] = [], options: { cause?: unknown } = {}) {
    super(problems.length > 0 ? `${message}\n${problems.map((p) => `  - ${p}`).join('\n')}` : message, {
      ...options,
      retryable: false,
    });
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/**
 * A write to the strongly consistent (MRSC) incident table was rejected because another region was
 * modifying the same item at that moment (DynamoDB's `ReplicatedWriteConflictException`). Nothing was
 * written; "Writes that fail with the ReplicatedWriteConflictException can be retried and will succeed
 * if the item is no longer being modified in another Region" (DynamoDB developer guide, "How DynamoDB
 * global tables work"). Re-read before retrying: the other region's write may have decided the matter.
 */
export class ReplicatedWriteConflictError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: true });
    this.name = 'ReplicatedWriteConflictError';
  }
}

/**
 * This region's replica of the strongly consistent (MRSC) incident table cannot reach a second
 * region to form a quorum, so it completes no write and no strongly consistent read: "If a second
 * Region isn't available, the local Region can only service eventually consistent reads" (DynamoDB
 * developer guide, "Best practices for global table design", key facts about MRSC). Trying again in
 * this run does not help; the regions that still reach each other carry on without this one.
 */
export class ReplicaIsolatedError extends CarrierFailoverError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, retryable: false });
    this.name = 'ReplicaIsolatedError';
  }
}

/** The two ways this region's replica can fail to reach the others; the caller abstains or stops. */
export type ReplicationError = ReplicatedWriteConflictError | ReplicaIsolatedError;

/** True for a {@link ReplicatedWriteConflictError} or a {@link ReplicaIsolatedError}. */
export function isReplicationError(error: unknown): error is ReplicationError {
  return error instanceof ReplicatedWriteConflictError || error instanceof ReplicaIsolatedError;
}
