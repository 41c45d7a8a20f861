/**
 * Ending the answered side of a test call: every 2xx to the INVITE is ACKed (again when it is
 * retransmitted, RFC 3261 §13.2.2.4) and its dialog ended with one BYE, answered once with digest
 * credentials when the far end challenges it. A forking proxy may deliver several 2xx, one dialog each.
 */
import type { CallFlow, Transmission } from './sip-call-transport';
import { answerSipChallenge } from './sip-digest';
import {
  buildInDialogRequest,
  type CallDialog,
  type CallLeg,
  dialogFromAnswer,
  newBranch,
  type RequestCredentials,
} from './sip-invite-message';
import type { SipResponse } from './sip-message';

interface ByeTransaction {
  branch: string;
  cseq: number;
  transmission: Transmission;
  done: boolean;
  challenged: boolean;
}

interface AnsweredDialog {
  dialog: CallDialog;
  ack: string;
  bye: ByeTransaction;
}

/** The dialogs the call's 2xx answers set up, and their teardown. */
export class AnsweredDialogs {
  /** By the To tag of their 2xx. */
  private readonly dialogs = new Map<string, AnsweredDialog>();

  constructor(
    private readonly flow: CallFlow,
    private readonly leg: CallLeg,
    private readonly credentials?: { username: string; password: string },
  ) {}

  /** How many dialogs were set up. */
  get size(): number {
    return this.dialogs.size;
  }

  /** Every BYE has its final answer. */
  get ended(): boolean {
    return [...this.dialogs.values()].every((entry) => entry.bye.done);
  }

  /**
   * ACKs a 2xx to the INVITE; BYEs a dialog seen for the first time. `no-tag` for a 2xx without a
   * To tag, which cannot be ACKed into a dialog.
   */
  onAnswer(
    response: SipResponse,
    invite: { cseq: number; credentials?: RequestCredentials },
  ): 'new' | 'repeat' | 'no-tag' {
    const dialog = dialogFromAnswer(response, this.leg.requestUri);
    if (!dialog) return 'no-tag';
    const known = this.dialogs.get(dialog.toTag);
    if (known) {
      // Our ACK was lost: the far end retransmits its 2xx until one arrives.
      this.flow.send(known.ack);
      return 'repeat';
    }
    // The ACK carries the INVITE's CSeq number and credentials (§13.2.2.4); the BYE the next CSeq.
    const ack = buildInDialogRequest(
      this.leg,
      dialog,
      { method: 'ACK', cseq: invite.cseq, branch: newBranch() },
      invite.credentials,
    );
    this.flow.send(ack);
    this.dialogs.set(dialog.toTag, { dialog, ack, bye: this.sendBye(dialog, invite.cseq + 1) });
    return 'new';
  }

  /** Hands over an answer to a BYE; false when it belongs to none of ours. */
  onByeAnswer(branch: string | undefined, response: SipResponse): boolean {
    const entry = [...this.dialogs.values()].find((candidate) => candidate.bye.branch === branch);
    if (!entry) return false;
    if (response.status < 200) {
      entry.bye.transmission.provisional();
      return true;
    }
    entry.bye.transmission.stop();
    const challenged = response.status === 401 || response.status === 407;
    if (challenged && this.credentials && !entry.bye.challenged) {
      const request = { method: 'BYE', uri: entry.dialog.remoteTarget };
      const answer = answerSipChallenge(response, request, this.credentials);
      if (!('unanswerable' in answer)) {
        entry.bye = this.sendBye(entry.dialog, entry.bye.cseq + 1, answer);
        return true;
      }
    }
    entry.bye.done = true;
    return true;
  }

  private sendBye(dialog: CallDialog, cseq: number, credentials?: RequestCredentials): ByeTransaction {
    const branch = newBranch();
    const text = buildInDialogRequest(this.leg, dialog, { method: 'BYE', cseq, branch }, credentials);
    const transmission = this.flow.transmit(text, 'non-invite');
    return { branch, cseq, transmission, done: false, challenged: credentials !== undefined };
  }
}
