/**
 * The call side of the in-process SIP responder: INVITE, ACK, CANCEL and BYE answered as a user
 * agent server would (RFC 3261 §13.3, §9.2, §15.1.2), so a test call through the drill's site gets
 * a real answer: 100 Trying, then the call mode's final answer (a 2xx with To tag, Contact and an SDP
 * answer, or a failure such as 503 "out of sync" that the caller ACKs), or a provisional answer
 * that stays until the caller CANCELs it. No media flows (the SDP names the discard port).
 */
import { randomBytes } from 'node:crypto';
import { formatHost, topViaBranch } from '../../../lambdas/adapters/probes/sip-message';
import { buildSipReply, type ReceivedSipRequest } from './sip-reply';

/**
 * How INVITEs are answered: a final status (200 answers the call; 300-699 refuse it), a
 * provisional 180-199 that stays until the caller CANCELs, or `silent` (nothing at all: a wedged
 * softswitch behind a live SBC).
 */
export type SipCallMode = number | 'silent';

/** The SIP methods of a call, answered here rather than by the OPTIONS mode. */
export const CALL_METHODS: ReadonlySet<string> = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE']);

/** The Contact the 2xx names: where the caller's in-dialog requests (ACK, BYE) go. */
export type ContactOf = (transport: ReceivedSipRequest['transport']) => { host: string; port: number };

interface InviteTransaction {
  invite: ReceivedSipRequest;
  toTag: string;
  /** Every response sent so far, the latest last (resent when the INVITE is retransmitted). */
  sent: string[];
  /** A final answer was sent. */
  final: boolean;
  /** The final answer was a 2xx: a dialog exists until its BYE. */
  answered: boolean;
}

/** Transactions kept at most; the oldest go first (calls abandoned without ACK or BYE). */
const MAX_TRANSACTIONS = 1000;

/** Answers the requests of test calls; see the module comment. */
export class SipCallAnswerer {
  private mode: SipCallMode;
  private reasonPhrase?: string;
  /** By Call-ID and the INVITE's top Via branch, which its CANCEL and non-2xx ACK repeat. */
  private readonly transactions = new Map<string, InviteTransaction>();

  constructor(
    private readonly contactOf: ContactOf,
    mode: SipCallMode = 200,
  ) {
    this.mode = mode;
  }

  /** The current call mode. */
  get callMode(): SipCallMode {
    return this.mode;
  }

  /** Switches how later INVITEs are answered; `reasonPhrase` replaces the standard one (e.g. "Out Of Sync"). */
  setMode(mode: SipCallMode, reasonPhrase?: string): void {
    this.mode = mode;
    this.reasonPhrase = reasonPhrase;
  }

  /** The responses to one call request (none for an ACK, or in `silent` mode). */
  answer(request: ReceivedSipRequest): string[] {
    switch (request.message.method) {
      case 'INVITE':
        return this.answerInvite(request);
      case 'ACK':
        this.acknowledge(request);
        return [];
      case 'CANCEL':
        return this.answerCancel(request);
      case 'BYE':
        return this.answerBye(request);
      default:
        return [];
    }
  }

  private answerInvite(request: ReceivedSipRequest): string[] {
    const key = transactionKey(request);
    const known = this.transactions.get(key);
    // A retransmission (RFC 3261 §17.2.1): the latest response again, nothing new.
    if (known) return known.sent.length > 0 ? [known.sent[known.sent.length - 1]] : [];
    if (this.mode === 'silent') return [];
    const status = this.mode;
    const tx: InviteTransaction = {
      invite: request,
      toTag: randomBytes(6).toString('hex'),
      sent: [],
      final: false,
      answered: false,
    };
    this.remember(key, tx);
    tx.sent.push(buildSipReply(request, 100, {}, { toTag: tx.toTag }));
    if (status === 100) return [...tx.sent];
    const reasonPhrase = this.reasonPhrase !== undefined ? { reasonPhrase: this.reasonPhrase } : {};
    if (status < 200) {
      tx.sent.push(buildSipReply(request, status, reasonPhrase, { toTag: tx.toTag }));
    } else if (status < 300) {
      const contact = this.contactOf(request.transport);
      tx.sent.push(
        buildSipReply(request, status, reasonPhrase, {
          toTag: tx.toTag,
          headers: [
            `Contact: <sip:responder@${formatHost(contact.host)}:${contact.port};transport=${request.transport}>`,
          ],
          body: { type: 'application/sdp', text: sdpAnswer(request.message.body, contact.host) },
        }),
      );
      tx.final = true;
      tx.answered = true;
    } else {
      tx.sent.push(buildSipReply(request, status, reasonPhrase, { toTag: tx.toTag }));
      tx.final = true;
    }
    return [...tx.sent];
  }

  /** The ACK of a failure ends its transaction; the ACK of a 2xx confirms the dialog. Neither is answered. */
  private acknowledge(request: ReceivedSipRequest): void {
    const key = transactionKey(request);
    const tx = this.transactions.get(key);
    if (tx?.final && !tx.answered) this.transactions.delete(key);
  }

  /** RFC 3261 §9.2: 200 to the CANCEL and, while the INVITE is unanswered, 487 to the INVITE. */
  private answerCancel(request: ReceivedSipRequest): string[] {
    const tx = this.transactions.get(transactionKey(request));
    if (!tx) return this.mode === 'silent' ? [] : [buildSipReply(request, 481)];
    const ok = buildSipReply(request, 200, {}, { toTag: tx.toTag });
    if (tx.final) return [ok];
    const terminated = buildSipReply(tx.invite, 487, {}, { toTag: tx.toTag });
    tx.sent.push(terminated);
    tx.final = true;
    return [ok, terminated];
  }

  /** 200 to the BYE of a dialog we answered (and the dialog is gone); 481 to any other. */
  private answerBye(request: ReceivedSipRequest): string[] {
    const callId = request.message.headers['call-id']?.[0];
    const toTag = /;\s*tag=([^;\s]+)/i.exec(request.message.headers.to?.[0] ?? '')?.[1];
    for (const [key, tx] of this.transactions) {
      if (tx.answered && tx.toTag === toTag && tx.invite.message.headers['call-id']?.[0] === callId) {
        this.transactions.delete(key);
        return [buildSipReply(request, 200, {}, { toTag: tx.toTag })];
      }
    }
    return this.mode === 'silent' ? [] : [buildSipReply(request, 481)];
  }

  private remember(key: string, tx: InviteTransaction): void {
    this.transactions.set(key, tx);
    if (this.transactions.size > MAX_TRANSACTIONS) {
      const oldest = this.transactions.keys().next().value;
      if (oldest !== undefined) this.transactions.delete(oldest);
    }
  }
}

function transactionKey(request: ReceivedSipRequest): string {
  const callId = request.message.headers['call-id']?.[0] ?? '';
  const branch = topViaBranch(request.message.headers.via?.[0] ?? '') ?? '';
  return `${callId} ${branch}`;
}

/**
 * A minimal SDP answer (RFC 3264 §6): one audio stream with the offer's first codec, on the discard
 * port, as no media is ever sent. Without an offer, PCMU is offered instead.
 */
export function sdpAnswer(offer: string, host: string): string {
  const media = /^m=audio \d+ RTP\/AVP ((?:\d+ ?)+)$/m.exec(offer);
  const payload = media ? media[1].trim().split(' ')[0] : '0';
  const rtpmap = new RegExp(`^a=rtpmap:${payload} (\\S+)$`, 'm').exec(offer)?.[1];
  const family = host.includes(':') ? 'IP6' : 'IP4';
  const session = Math.floor(Date.now() / 1000);
  return [
    'v=0',
    `o=carrier-failover-responder ${session} ${session} IN ${family} ${host}`,
    's=carrier-failover-responder',
    `c=IN ${family} ${host}`,
    't=0 0',
    `m=audio 9 RTP/AVP ${payload}`,
    ...(rtpmap ? [`a=rtpmap:${payload} ${rtpmap}`] : payload === '0' ? ['a=rtpmap:0 PCMU/8000'] : []),
    'a=sendrecv',
    '',
  ].join('\r\n');
}
