/**
 * Turns what DynamoDB answers when the strongly consistent (MRSC) incident table cannot replicate a
 * request into the domain's typed errors, so the domain decides (abstain, join, retry, stop) without
 * knowing SDK error names.
 *
 * What the DynamoDB developer guide says, and what we make of it:
 * - "How DynamoDB global tables work", MRSC: "A write operation fails with a
 *   `ReplicatedWriteConflictException` when it attempts to modify an item that is already being
 *   modified in another Region", and such writes "can be retried and will succeed if the item is no
 *   longer being modified in another Region". The SDK marks it retryable (`$retryable`) and already
 *   retries it within its own attempts; what reaches us has outlasted those.
 * - "Best practices for global table design", key facts about MRSC: "The local Region accepts all
 *   read and write operations as long as there is a second Region that hosts a replica or witness to
 *   establish quorum. If a second Region isn't available, the local Region can only service
 *   eventually consistent reads", and a Region catching up after an outage returns "errors" to
 *   writes and strongly consistent reads. The guide names no error code for that, so we take a
 *   server-side fault that DynamoDB itself answered (HTTP 5xx, `$fault: 'server'`:
 *   `InternalServerError`, `ServiceUnavailable`) on a write or a strongly consistent read of this
 *   table, once the SDK's own retries are spent, as the replica being cut off. Client faults
 *   (validation, access, throttling, a failed condition) and errors without a DynamoDB answer
 *   (timeouts, refused connections) are not: they keep their own meaning and propagate.
 */
import { ReplicaIsolatedError, ReplicatedWriteConflictError } from '../../contracts/errors';

/** What an SDK v3 service exception carries that we read. */
interface ServiceErrorShape {
  name?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number };
}

/**
 * The domain error for `error` when it says that this region's replica could not replicate the
 * request `what` (e.g. "writing the site health of pbx-east in us-east-1"); `error` itself otherwise.
 */
export function toReplicationError(error: unknown, what: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const shape = error as ServiceErrorShape;
  if (shape.name === 'ReplicatedWriteConflictException') {
    return new ReplicatedWriteConflictError(
      `${what}: another region was modifying the same item (ReplicatedWriteConflictException); nothing was written, read again and retry`,
      { cause: error },
    );
  }
  const status = shape.$metadata?.httpStatusCode;
  if (shape.$fault === 'server' && status !== undefined && status >= 500) {
    return new ReplicaIsolatedError(
      `${what}: DynamoDB answered ${shape.name ?? 'a server error'} (HTTP ${status}); this region's replica of the strongly consistent table cannot reach the other replicas, so it completes no write or strongly consistent read until it reconnects`,
      { cause: error },
    );
  }
  return error;
}

/** Sends with `send` and rethrows a replication failure as the domain's error (see {@link toReplicationError}). */
export async function sendMappingReplicationErrors<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (error) {
    throw toReplicationError(error, what);
  }
}
