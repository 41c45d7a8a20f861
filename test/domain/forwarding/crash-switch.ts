import type { Carrier } from '../../../lambdas/ports/carriers';
import type {
  ForwardingStateStore,
  NumberState,
  NumberStateChanges,
} from '../../../lambdas/ports/forwarding-state';

/** What a test throws to play "the process died here". Not a CarrierError: nothing may treat it as a carrier answer. */
export class SimulatedCrash extends Error {
  constructor(message = 'simulated crash: the process died') {
    super(message);
    this.name = 'SimulatedCrash';
  }
}

/**
 * A kill switch for one simulated process: once tripped, every store and carrier call made through
 * the wrappers below throws SimulatedCrash before doing anything, as if the process were gone. The
 * stores and carriers underneath keep their state, for the next "process" to pick up.
 */
export class CrashSwitch {
  dead = false;

  trip(): void {
    this.dead = true;
  }

  check(): void {
    if (this.dead) throw new SimulatedCrash();
  }
}

/** Wraps a store for one process; `tripAfterUpdate` may trip the switch after a successful update. */
export function crashableStore(
  inner: ForwardingStateStore,
  crash: CrashSwitch,
  tripAfterUpdate?: (changes: NumberStateChanges, result: NumberState) => boolean,
): ForwardingStateStore {
  return {
    async ensureNumbers(incidentId, entries) {
      crash.check();
      return inner.ensureNumbers(incidentId, entries);
    },
    async list(incidentId) {
      crash.check();
      return inner.list(incidentId);
    },
    async get(incidentId, number) {
      crash.check();
      return inner.get(incidentId, number);
    },
    async update(incidentId, number, expectedVersion, changes) {
      crash.check();
      const result = await inner.update(incidentId, number, expectedVersion, changes);
      if (tripAfterUpdate?.(changes as NumberStateChanges, result)) crash.trip();
      return result;
    },
  };
}

/** Wraps a carrier for one process: every call checks the switch first. */
export function crashableCarrier(inner: Carrier, crash: CrashSwitch): Carrier {
  const wrapped: Carrier = {
    name: inner.name,
    bulkLimit: inner.bulkLimit,
    forwardModes: inner.forwardModes,
    async readRouting(number) {
      crash.check();
      return inner.readRouting(number);
    },
    async forward(request) {
      crash.check();
      return inner.forward(request);
    },
    async restore(snapshot) {
      crash.check();
      return inner.restore(snapshot);
    },
  };
  if (inner.forwardMany) {
    const forwardMany = inner.forwardMany.bind(inner);
    wrapped.forwardMany = async (requests) => {
      crash.check();
      return forwardMany(requests);
    };
  }
  return wrapped;
}
