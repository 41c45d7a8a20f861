import { CarrierError } from '../../../lambdas/contracts/errors';
import {
  type ApplyOnceState,
  type ApplyOnceTerms,
  nextApplyOnceStep,
  startApplyOnce,
} from '../../../lambdas/domain/forwarding/apply-once-step';

const TERMS: ApplyOnceTerms = { operation: 'forward', uncertainSettleMs: 5_000 };
/** A refusal: the carrier answered 4xx, so the write certainly did not land. */
const refused = (status = 429) =>
  new CarrierError('telnyx', 'refused the request', { retryable: true, status });
/** No answer (timeout): the write may have landed. */
const timedOut = () => new CarrierError('telnyx', 'did not answer', { retryable: true });
const retryIn = (delayMs: number) => ({ retry: true as const, delayMs });
const giveUp = (reason: string) => ({ retry: false as const, reason });
const fresh = (): ApplyOnceState => startApplyOnce(false, false);

describe('nextApplyOnceStep', () => {
  describe('starting', () => {
    it('writes at once when nothing is unaccounted for', () => {
      expect(nextApplyOnceStep(fresh(), { kind: 'start' }, TERMS).action).toEqual({ do: 'write' });
    });

    it('reads back first, without waiting, when an earlier attempt was never confirmed', () => {
      const step = nextApplyOnceStep(startApplyOnce(true, true), { kind: 'start' }, TERMS);
      expect(step.action).toEqual({ do: 'read-back' });
      expect(step.state).toEqual({ readBack: true, unconfirmed: true });
    });
  });

  describe('after a write', () => {
    it('ends applied with one accepted write when the carrier accepted it', () => {
      expect(nextApplyOnceStep(fresh(), { kind: 'written' }, TERMS).action).toEqual({
        do: 'finish',
        end: { kind: 'applied', applied: 1 },
      });
    });

    it('leaves the number pending, storing nothing new, when the run was stopping', () => {
      expect(nextApplyOnceStep(fresh(), { kind: 'stopping' }, TERMS).action).toEqual({
        do: 'finish',
        end: { kind: 'pending' },
      });
    });

    it('backs off for the policy delay after a retryable refusal, and writes again without reading back', () => {
      const error = refused();
      const step = nextApplyOnceStep(fresh(), { kind: 'call-failed', error, decision: retryIn(300) }, TERMS);
      expect(step.action).toEqual({
        do: 'back-off',
        waitMs: 300,
        lastError: 'telnyx: refused the request (HTTP 429)',
      });
      expect(step.state.readBack).toBe(false);

      const after = nextApplyOnceStep(step.state, { kind: 'backed-off' }, TERMS);
      expect(after.action).toEqual({ do: 'write' });
    });

    it('fails with the policy reason after a refusal that is not retryable, without reading back', () => {
      const step = nextApplyOnceStep(
        fresh(),
        { kind: 'call-failed', error: refused(403), decision: giveUp('forbidden (HTTP 403)') },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'finish', end: { kind: 'failed', reason: 'forbidden (HTTP 403)' } });
    });

    it('after an unknown outcome backs off at least the settle time, then reads back before any rewrite', () => {
      const step = nextApplyOnceStep(
        fresh(),
        { kind: 'call-failed', error: timedOut(), decision: retryIn(300) },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'back-off', waitMs: 5_000, lastError: 'telnyx: did not answer' });
      expect(step.state).toMatchObject({ readBack: true, unconfirmed: true });

      const after = nextApplyOnceStep(step.state, { kind: 'backed-off' }, TERMS);
      expect(after.action).toEqual({ do: 'read-back' });
    });

    it('keeps a backoff longer than the settle time as it is', () => {
      const step = nextApplyOnceStep(
        fresh(),
        { kind: 'call-failed', error: timedOut(), decision: retryIn(8_000) },
        TERMS,
      );
      expect(step.action).toMatchObject({ do: 'back-off', waitMs: 8_000 });
    });

    it('leaves the number pending with the failure recorded when there is no time to back off', () => {
      const failed = nextApplyOnceStep(
        fresh(),
        { kind: 'call-failed', error: refused(), decision: retryIn(300) },
        TERMS,
      );
      const step = nextApplyOnceStep(failed.state, { kind: 'no-time-to-wait' }, TERMS);
      expect(step.action).toEqual({
        do: 'finish',
        end: { kind: 'pending', lastError: 'telnyx: refused the request (HTTP 429)' },
      });
    });

    it('refuses a no-time-to-wait that follows no back-off', () => {
      expect(() => nextApplyOnceStep(fresh(), { kind: 'no-time-to-wait' }, TERMS)).toThrow(
        /outside a back-off/,
      );
    });
  });

  describe('giving up after an unknown outcome', () => {
    const givingUp = () =>
      nextApplyOnceStep(
        fresh(),
        {
          kind: 'call-failed',
          error: timedOut(),
          decision: giveUp('telnyx did not answer (gave up after 16 failed calls in a row)'),
        },
        TERMS,
      );

    it('takes a last look after the settle time instead of failing blind', () => {
      expect(givingUp().action).toEqual({ do: 'read-back', settleMs: 5_000 });
    });

    it('ends applied when the last look shows the write landed', () => {
      const step = nextApplyOnceStep(givingUp().state, { kind: 'read', ok: true, applied: true }, TERMS);
      expect(step.action).toEqual({ do: 'finish', end: { kind: 'applied', applied: 1 } });
    });

    it('fails with the policy reason when the last look shows nothing', () => {
      const step = nextApplyOnceStep(givingUp().state, { kind: 'read', ok: true, applied: false }, TERMS);
      expect(step.action).toEqual({
        do: 'finish',
        end: { kind: 'failed', reason: 'telnyx did not answer (gave up after 16 failed calls in a row)' },
      });
    });

    it('says the write may have landed when the last look itself fails', () => {
      const step = nextApplyOnceStep(
        givingUp().state,
        { kind: 'read', ok: false, reason: 'HTTP 503', stopped: true },
        TERMS,
      );
      expect(step.action).toEqual({
        do: 'finish',
        end: {
          kind: 'failed',
          reason:
            'telnyx did not answer (gave up after 16 failed calls in a row); it may have been applied (read-back failed: HTTP 503)',
        },
      });
    });
  });

  describe('after a read-back', () => {
    it('counts our unconfirmed write as the one applied when the carrier shows it', () => {
      const step = nextApplyOnceStep(
        startApplyOnce(true, true),
        { kind: 'read', ok: true, applied: true },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'finish', end: { kind: 'applied', applied: 1 } });
    });

    it('counts no write of ours when the change was applied elsewhere', () => {
      const step = nextApplyOnceStep(
        startApplyOnce(true, false),
        { kind: 'read', ok: true, applied: true },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'finish', end: { kind: 'applied', applied: 0 } });
    });

    it('writes when the carrier shows no trace, and forgets the unconfirmed write', () => {
      const step = nextApplyOnceStep(
        startApplyOnce(true, true),
        { kind: 'read', ok: true, applied: false },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'write' });
      expect(step.state).toEqual({ readBack: false, unconfirmed: false });

      // A later refusal then backs off without the settle time and without another read-back.
      const failed = nextApplyOnceStep(
        step.state,
        { kind: 'call-failed', error: refused(), decision: retryIn(300) },
        TERMS,
      );
      expect(failed.action).toMatchObject({ do: 'back-off', waitMs: 300 });
      expect(nextApplyOnceStep(failed.state, { kind: 'backed-off' }, TERMS).action).toEqual({ do: 'write' });
    });

    it('leaves the number pending with the read error when the deadline stopped the read', () => {
      const step = nextApplyOnceStep(
        startApplyOnce(true, true),
        { kind: 'read', ok: false, reason: 'HTTP 503', stopped: true },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'finish', end: { kind: 'pending', lastError: 'HTTP 503' } });
    });

    it('fails, naming the operation, when the read-back itself fails for good', () => {
      const step = nextApplyOnceStep(
        startApplyOnce(true, true),
        { kind: 'read', ok: false, reason: 'HTTP 401', stopped: false },
        { ...TERMS, operation: 'restore' },
      );
      expect(step.action).toEqual({
        do: 'finish',
        end: {
          kind: 'failed',
          reason: 'the last restore may have been applied, and reading it back failed: HTTP 401',
        },
      });
    });
  });

  describe('a failure met before the first write (a bulk call)', () => {
    it('marks an unknown bulk outcome for read-back even when the row said nothing was pending', () => {
      const step = nextApplyOnceStep(
        startApplyOnce(false, false),
        {
          kind: 'call-failed',
          error: new Error('bulk result omitted +15550100: outcome unknown'),
          decision: giveUp('x'),
        },
        TERMS,
      );
      expect(step.action).toEqual({ do: 'read-back', settleMs: 5_000 });
      expect(step.state).toMatchObject({ readBack: true, unconfirmed: true });
    });
  });
});
