/**
 * The few things a practice run needs beyond the shared ports (lambdas/ports/): opening one
 * carrier at a time (so one broken secret does not hide the others), asking another region's
 * orchestrator to answer a dry invocation, and listing an alert topic's subscriptions. Adapters in
 * lambdas/adapters implement them for AWS; tests pass plain objects.
 */
import type { CarrierName } from '../contracts/config/schema';
import type { Carrier } from './carriers';

/** Builds one carrier's adapter, reading its credentials first. */
export interface CarrierAccess {
  /**
   * The adapter of `carrier`, credentials resolved (its Secrets Manager secret in Lambda, the
   * environment for the CLI). Throws CarrierAuthError when they are missing, unreadable or malformed.
   */
  open(carrier: CarrierName): Promise<Carrier>;
}

/** One region's orchestrator, as the practice run checks it. */
export interface OrchestratorCheck {
  region: string;
  /** The function's name, for messages. */
  functionName: string;
  /**
   * Invokes it with InvocationType DryRun (Lambda checks the function exists and that we may
   * invoke it, and runs nothing). Throws with a reason when it does not answer so.
   */
  dryRun(): Promise<void>;
}

/** One subscription of an alert topic. */
export interface TopicSubscription {
  /** email, sms, https, ... */
  protocol: string;
  /** False while the subscription is still `PendingConfirmation`: nobody receives through it. */
  confirmed: boolean;
}

/** One region's alert topic, as the practice run checks it. */
export interface AlertTopicCheck {
  region: string;
  /** Every subscription of the topic (all pages). Throws with a reason when they cannot be listed. */
  subscriptions(): Promise<TopicSubscription[]>;
}
