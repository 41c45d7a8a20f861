/**
 * A SIP test call through a site, written against RFC 3261 directly (no SIP library): one INVITE
 * (answered once more with digest credentials when challenged), judged by its answer, and always
 * ended: CANCEL while it is unanswered, ACK and BYE once answered, ACK of a non-2xx final answer.
 * No media is ever sent or received (see SDP_AUDIO_PORT).
 *
 * Verdict: a final answer in `expect` within `answerWithinMs` is healthy, and so at once is a
 * provisional 180-183 in `expect`; anything else (another final answer, no expected answer in
 * time, a refused connection, a TLS failure, a reply we cannot parse) is not.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { TestCall } from '../../contracts/config/schema';
import type { ProbeResult } from './probe-site';
import { AnsweredDialogs } from './sip-call-dialogs';
import { type CallFlow, openCallFlow, type Transmission } from './sip-call-transport';
import { answerSipChallenge } from './sip-digest';
import {
  buildCancel,
  buildInvite,
  buildNon2xxAck,
  buildSdpOffer,
  type CallLeg,
  describeCallLeg,
  newBranch,
  type RequestCredentials,
} from './sip-invite-message';
import {
  type AddressedResponse,
  describeTransportError,
  firstHeader,
  parseAddressedResponse,
  type SipResponse,
} from './sip-message';
import type { SipProbeOptions } from './sip-options-probe';

const DEFAULT_TEARDOWN_MS = 2000;

/** How a test call is placed besides the call's own settings. */
export interface SipCallOptions {
  /** Digest credentials answering a 401/407; without them a challenge fails the call. */
  credentials?: { username: string; password: string };
  /** TLS settings for `transport: tls`. */
  tls?: SipProbeOptions['tls'];
  /** UDP retransmission timers; tests shorten them. @default T1 500 ms, T2 4 s (RFC 3261) */
  retransmit?: { t1Ms?: number; t2Ms?: number };
  /** @default 'carrier-failover-probe' */
  userAgent?: string;
  /** How long ending the call may take after the verdict. @default 2000 */
  teardownMs?: number;
}

/** How the call was ended: `ack` is a non-2xx final answer acknowledged; `none` only when nothing could be sent. */
export type CallTeardown = 'cancel' | 'bye' | 'ack' | 'none';

/** The verdict of one test call. `latencyMs` runs from the INVITE to the verdict. */
export interface CallProbeResult extends ProbeResult {
  /** From the (first) INVITE to the first answer other than 100 Trying: an 18x or a final answer. */
  setupMs?: number;
  teardown: CallTeardown;
}

/**
 * Places one test call and ends it. Never throws; resolves once the call is torn down (or
 * `teardownMs` after the verdict), with every socket and timer closed.
 */
export function probeSipCall(call: TestCall, options: SipCallOptions): Promise<CallProbeResult> {
  return new Promise((resolve) => new TestCallAttempt(call, options, resolve).start());
}

interface InviteTransaction {
  branch: string;
  cseq: number;
  credentials?: RequestCredentials;
  transmission: Transmission;
  /** A final answer arrived (and, for a non-2xx, was ACKed with `ack`). */
  final: boolean;
  ack?: string;
}

type Verdict = Pick<CallProbeResult, 'ok' | 'status' | 'reason'>;

class TestCallAttempt {
  private readonly started = performance.now();
  private inviteSentAt?: number;
  private readonly ids = {
    callId: `${randomBytes(12).toString('hex')}@carrier-failover`,
    fromTag: randomBytes(6).toString('hex'),
  };
  private flow?: CallFlow;
  private leg?: CallLeg;
  private flowDown = false;
  private closeFlow?: () => Promise<void>;
  private readonly invites: InviteTransaction[] = [];
  private cancel?: { branch: string; transmission: Transmission };
  private answered?: AnsweredDialogs;
  private lastProvisional?: { status: number; reason: string };
  private verdict?: Verdict & { latencyMs: number };
  private setupMs?: number;
  private teardown: CallTeardown = 'none';
  private readonly timers: NodeJS.Timeout[] = [];
  private finished = false;

  constructor(
    private readonly call: TestCall,
    private readonly options: SipCallOptions,
    private readonly resolve: (result: CallProbeResult) => void,
  ) {}

  start(): void {
    this.timers.push(setTimeout(() => this.onAnswerDeadline(), this.call.answerWithinMs));
    try {
      this.closeFlow = openCallFlow(this.call, this.options, {
        onOpen: (flow) => this.onOpen(flow),
        onMessage: (text) => this.onMessage(text),
        onMalformed: (reason) => this.decide({ ok: false, reason }),
        onDown: (reason) => {
          this.flowDown = true;
          this.decide({ ok: false, reason });
          this.finish();
        },
      });
    } catch (error) {
      this.flowDown = true;
      this.decide({ ok: false, reason: describeTransportError(error, false) });
      this.finish();
    }
  }

  private onOpen(flow: CallFlow): void {
    if (this.finished) return;
    this.flow = flow;
    const leg = describeCallLeg(
      this.call,
      this.ids,
      flow.local,
      this.options.userAgent ?? 'carrier-failover-probe',
    );
    this.leg = leg;
    this.answered = new AnsweredDialogs(flow, leg, this.options.credentials);
    this.sendInvite();
  }

  private sendInvite(credentials?: RequestCredentials): void {
    const { flow, leg } = this;
    if (!flow || !leg) return;
    const branch = newBranch();
    const cseq = (this.invites.at(-1)?.cseq ?? 0) + 1;
    const transmission = flow.transmit(buildInvite(leg, { branch, cseq }, credentials), 'invite');
    this.inviteSentAt ??= performance.now();
    this.invites.push({ branch, cseq, credentials, transmission, final: false });
  }

  private onMessage(text: string): void {
    if (this.finished) return;
    let reply: AddressedResponse | undefined;
    try {
      reply = parseAddressedResponse(text);
    } catch (error) {
      this.decide({ ok: false, reason: `malformed reply: ${(error as Error).message}` });
      return;
    }
    if (reply === undefined || reply.callId !== this.ids.callId) return;
    const { response, method, branch } = reply;
    if (method === 'INVITE') {
      const invite = this.invites.find((tx) => tx.branch === branch && tx.cseq === reply.cseq);
      if (invite) this.onInviteAnswer(invite, response);
    } else if (method === 'CANCEL' && this.cancel !== undefined && this.cancel.branch === branch) {
      if (response.status < 200) this.cancel.transmission.provisional();
      else this.cancel.transmission.stop();
    } else if (method === 'BYE' && this.answered?.onByeAnswer(branch, response)) {
      this.checkDone();
    }
  }

  private onInviteAnswer(invite: InviteTransaction, response: SipResponse): void {
    const { flow, leg } = this;
    if (!flow || !leg) return;
    const { status } = response;
    const current = invite === this.invites.at(-1);
    if (status < 200) {
      invite.transmission.provisional();
      if (!current || invite.final) return;
      if (status > 100 || !this.lastProvisional)
        this.lastProvisional = { status, reason: describeStatus(response) };
      if (status > 100) this.setupMs ??= this.sinceInvite();
      if (this.call.expect.includes(status)) this.decide(this.judge(response));
      return;
    }
    invite.transmission.stop();
    if (status < 300) {
      this.onCallAnswered(invite, response, current);
      return;
    }
    if (invite.ack) {
      // A retransmitted final answer: our ACK was lost (RFC 3261 §17.1.1.2, state Completed).
      flow.send(invite.ack);
      return;
    }
    invite.final = true;
    invite.ack = buildNon2xxAck(leg, invite, firstHeader(response, 'to') ?? leg.to);
    flow.send(invite.ack);
    if (this.teardown !== 'bye') this.teardown = this.cancel ? 'cancel' : 'ack';
    if (current && !this.verdict) {
      if (status === 401 || status === 407) {
        this.answerChallenge(response);
      } else {
        this.setupMs ??= this.sinceInvite();
        this.decide(this.judge(response));
      }
    }
    this.checkDone();
  }

  /** Retries the INVITE with digest credentials, or fails the call when it must not or cannot. */
  private answerChallenge(response: SipResponse): void {
    const { leg } = this;
    const credentials = this.options.credentials;
    if (!leg) return;
    let failure: string;
    if (!credentials) {
      failure = `${describeStatus(response)}: the site asks for digest credentials and none are configured (secretName)`;
    } else if (this.invites.length > 1) {
      failure = `digest authentication rejected (${describeStatus(response)})`;
    } else {
      const body = buildSdpOffer(leg);
      const answer = answerSipChallenge(
        response,
        { method: 'INVITE', uri: leg.requestUri, body },
        credentials,
      );
      if (!('unanswerable' in answer)) {
        // The challenged INVITE is over (ACKed); the call to end from now on is the retried one.
        this.teardown = 'none';
        this.sendInvite(answer);
        return;
      }
      failure = `${describeStatus(response)}: no digest challenge we can answer (algorithms: ${answer.unanswerable})`;
    }
    this.setupMs ??= this.sinceInvite();
    this.decide({ ok: false, status: response.status, reason: failure });
  }

  private onCallAnswered(invite: InviteTransaction, response: SipResponse, current: boolean): void {
    if (!this.answered) return;
    invite.final = true;
    const outcome = this.answered.onAnswer(response, invite);
    if (outcome === 'no-tag') {
      this.decide({ ok: false, status: response.status, reason: 'malformed reply: 2xx without a To tag' });
    } else if (outcome === 'new') {
      this.teardown = 'bye';
      for (const tx of this.invites) tx.transmission.stop();
      if (current && !this.verdict) {
        this.setupMs ??= this.sinceInvite();
        this.decide(this.judge(response));
      }
    }
    this.checkDone();
  }

  /** An answer's verdict; a 2xx we did not expect says so, as "SIP 200 OK" alone reads like success. */
  private judge(response: SipResponse): Verdict {
    const { status } = response;
    const ok = this.call.expect.includes(status);
    const unexpectedSuccess = !ok && status >= 200 && status < 300;
    const reason = unexpectedSuccess
      ? `${describeStatus(response)}, not an expected answer (${this.call.expect.join(', ')})`
      : describeStatus(response);
    return { ok, status, reason };
  }

  private onAnswerDeadline(): void {
    if (this.verdict) return;
    const within = this.call.answerWithinMs;
    const provisional = this.lastProvisional;
    this.decide(
      provisional
        ? {
            ok: false,
            status: provisional.status,
            reason: `${provisional.reason}, no expected answer (${this.call.expect.join(', ')}) within ${within} ms`,
          }
        : { ok: false, reason: `timeout after ${within} ms` },
    );
  }

  /** Records the verdict (the first one counts) and starts ending the call. */
  private decide(verdict: Verdict): void {
    if (this.verdict || this.finished) return;
    this.verdict = {
      ...verdict,
      latencyMs: Math.round(performance.now() - (this.inviteSentAt ?? this.started)),
    };
    this.timers.push(setTimeout(() => this.finish(), this.options.teardownMs ?? DEFAULT_TEARDOWN_MS));
    this.beginTeardown();
  }

  private beginTeardown(): void {
    const { flow, leg } = this;
    const invite = this.invites.at(-1);
    if (!flow || !leg || !invite || this.flowDown) {
      this.finish();
      return;
    }
    for (const tx of this.invites) tx.transmission.stop();
    if (!invite.final && !this.answered?.size && !this.cancel) {
      // RFC 3261 §9.1 says not to CANCEL before a provisional answer arrived. We send it anyway:
      // a server slow to say 100 Trying may still be setting the call up, a CANCEL that comes first
      // is only answered 481, and waiting instead could leave a late-answered call up.
      this.cancel = {
        branch: invite.branch,
        transmission: flow.transmit(buildCancel(leg, invite), 'non-invite'),
      };
      this.teardown = 'cancel';
    }
    this.checkDone();
  }

  /** Finishes once the verdict is in, the INVITE has its final answer and every BYE its answer. */
  private checkDone(): void {
    if (!this.verdict || this.finished) return;
    const invite = this.invites.at(-1);
    if ((invite === undefined || invite.final) && (this.answered?.ended ?? true)) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const timer of this.timers) clearTimeout(timer);
    const verdict = this.verdict ?? { ok: false, reason: 'test call ended without a verdict', latencyMs: 0 };
    const result: CallProbeResult = {
      ok: verdict.ok,
      ...(verdict.status !== undefined ? { status: verdict.status } : {}),
      latencyMs: verdict.latencyMs,
      reason: this.withoutCredentials(verdict.reason),
      ...(this.setupMs !== undefined ? { setupMs: this.setupMs } : {}),
      teardown: this.teardown,
    };
    // Resolved only once the socket is closed, so nothing of the call outlives the promise.
    void (this.closeFlow?.() ?? Promise.resolve()).then(() => this.resolve(result));
  }

  /** Reasons quote server text; should a server echo our credentials, they do not reach an alert. */
  private withoutCredentials(reason: string): string {
    const { credentials } = this.options;
    if (!credentials) return reason;
    return [credentials.password, credentials.username]
      .filter((secret) => secret.length >= 4)
      .reduce((text, secret) => text.split(secret).join('***'), reason);
  }

  private sinceInvite(): number {
    return Math.round(performance.now() - (this.inviteSentAt ?? this.started));
  }
}

function describeStatus(response: SipResponse): string {
  return `SIP ${response.status}${response.reasonPhrase ? ` ${response.reasonPhrase}` : ''}`;
}
