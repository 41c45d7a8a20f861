/**
 * A real Kamailio that takes test calls: OPTIONS get 200 (that is how startup is detected), and an
 * INVITE is answered by the user part of its Request-URI, so one instance plays every far end:
 *
 * - `answer`: 200 with Contact and an SDP answer; its BYE gets 200.
 * - `busy`: 486; `unavailable`: 503.
 * - `ring`: 180, then nothing until a CANCEL, which gets 200 and the INVITE 487.
 * - `late`: nothing at all (a transaction is kept) until a CANCEL, then 200 to the INVITE, as a
 *   server that answers just as the caller gives up.
 * - `auth`: 401 with a qop=auth challenge until the INVITE carries the right digest for
 *   CALL_TEST_CREDENTIALS, then 200 as `answer`; `proxy-auth`: the same with 407 and no qop.
 * - `silent`: the INVITE is dropped without a transaction, so a CANCEL gets 481.
 *
 * Every request is logged (`SIPCALL <method> <Call-ID> <CSeq number> <user> <From user>`, and the
 * digest answer it carries as `SIPCALL-AUTH <From user> <CSeq number> <value>`), so tests can check
 * how a call was ended; a test gives each call its own From user to find it. Replies to INVITEs are stateful (tm), so Kamailio's sl module does not
 * swallow the ACKs of its own stateless replies before the script sees them.
 */
import { readFileSync } from 'node:fs';
import { kamailioHeader, launchKamailio, type RunningKamailio } from './kamailio';

/** The digest credentials `auth` and `proxy-auth` accept. */
export const CALL_TEST_CREDENTIALS = { username: 'probe-user', password: 'correct-horse-battery' } as const;
/** The digest realm of the challenges. */
export const CALL_TEST_REALM = 'kamailio.test';

/** The Request-URI users that pick the far end's behaviour (see the module comment). */
export type KamailioCallScenario =
  | 'answer'
  | 'busy'
  | 'unavailable'
  | 'ring'
  | 'late'
  | 'auth'
  | 'proxy-auth'
  | 'silent';

/** A request Kamailio logged. */
export interface LoggedRequest {
  method: string;
  callId: string;
  cseq: number;
  user: string;
  from: string;
}

/** A running call-taking Kamailio. */
export interface RunningCallKamailio extends RunningKamailio {
  /** Requests logged so far from calls whose From user is `from`, oldest first. */
  requestsFrom(from: string): LoggedRequest[];
  /**
   * Requests of the call once `done` holds for them (the last ACK may still be on its way when the
   * probe resolves), or whatever was logged after `withinMs`.
   */
  waitForRequests(
    from: string,
    done: (requests: LoggedRequest[]) => boolean,
    withinMs?: number,
  ): Promise<LoggedRequest[]>;
  /** The Authorization / Proxy-Authorization values of requests from `from`, oldest first. */
  authorizationsFrom(from: string): string[];
}

/** How the Kamailio challenges. */
export interface CallKamailioOptions {
  /** The auth module's `algorithm`. @default 'MD5' */
  digestAlgorithm?: 'MD5' | 'SHA-256';
}

/** Starts a call-taking Kamailio on a free loopback port (UDP and TCP). */
export async function startCallKamailio(options: CallKamailioOptions = {}): Promise<RunningCallKamailio> {
  const running = await launchKamailio(
    (listen) => renderCallConfig({ ...listen, algorithm: options.digestAlgorithm ?? 'MD5' }),
    200,
  );
  const logged = (): LoggedRequest[] =>
    [...readFileSync(running.logFile, 'utf8').matchAll(/SIPCALL (\S+) (\S+) (\d+) (\S*) (\S*)$/gm)].map(
      (match) => ({
        method: match[1],
        callId: match[2],
        cseq: Number(match[3]),
        user: match[4],
        from: match[5],
      }),
    );
  const requestsFrom = (from: string) => logged().filter((request) => request.from === from);
  return {
    ...running,
    requestsFrom,
    async waitForRequests(from, done, withinMs = 2000) {
      const deadline = Date.now() + withinMs;
      for (;;) {
        const requests = requestsFrom(from);
        if (done(requests) || Date.now() >= deadline) return requests;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    authorizationsFrom: (from) =>
      [...readFileSync(running.logFile, 'utf8').matchAll(/SIPCALL-AUTH (\S+) \d+ (.*)$/gm)]
        .filter((match) => match[1] === from)
        .map((match) => match[2]),
  };
}

function renderCallConfig(params: { host: string; port: number; algorithm: string }): string {
  const { username, password } = CALL_TEST_CREDENTIALS;
  const sdp = [
    'v=0',
    `o=kamailio 1 1 IN IP4 ${params.host}`,
    's=test',
    `c=IN IP4 ${params.host}`,
    't=0 0',
    'm=audio 40000 RTP/AVP 0',
    'a=rtpmap:0 PCMU/8000',
    '',
  ].join('\\r\\n');
  return `${kamailioHeader(params)}
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "textops.so"
loadmodule "auth.so"
modparam("auth", "algorithm", "${params.algorithm}")

request_route {
  xlog("L_NOTICE", "SIPCALL $rm $ci $cs $rU $fU\\n");
  if (is_present_hf("Authorization")) {
    xlog("L_NOTICE", "SIPCALL-AUTH $fU $cs $hdr(Authorization)\\n");
  }
  if (is_present_hf("Proxy-Authorization")) {
    xlog("L_NOTICE", "SIPCALL-AUTH $fU $cs $hdr(Proxy-Authorization)\\n");
  }
  if ($rm == "OPTIONS") {
    sl_send_reply("200", "OK");
    exit;
  }
  if ($rm == "ACK") {
    # an ACK of a negative reply ends tm's retransmissions of it
    t_check_trans();
    exit;
  }
  if ($rm == "BYE") {
    sl_send_reply("200", "OK");
    exit;
  }
  if ($rm == "CANCEL") {
    if (!t_lookup_cancel()) {
      sl_send_reply("481", "Call/Transaction Does Not Exist");
      exit;
    }
    sl_send_reply("200", "OK");
    if ($rU == "late") {
      t_reply_callid("$ci", "$cs", "200", "OK");
    } else {
      t_reply_callid("$ci", "$cs", "487", "Request Terminated");
    }
    exit;
  }
  if ($rm != "INVITE") {
    sl_send_reply("405", "Method Not Allowed");
    exit;
  }
  if ($rU == "silent") {
    exit;
  }
  if (!t_newtran()) {
    sl_reply_error();
    exit;
  }
  if ($rU == "answer") {
    route(ANSWER);
  }
  if ($rU == "busy") {
    t_reply("486", "Busy Here");
    exit;
  }
  if ($rU == "unavailable") {
    t_reply("503", "Service Unavailable");
    exit;
  }
  # ring and late keep their transaction open for the CANCEL (tm warns that it was not released)
  if ($rU == "ring") {
    t_reply("180", "Ringing");
    exit;
  }
  if ($rU == "late") {
    exit;
  }
  if ($rU == "auth") {
    if (!pv_www_authenticate("${CALL_TEST_REALM}", "${password}", "0") || $au != "${username}") {
      www_challenge("${CALL_TEST_REALM}", "1");
      exit;
    }
    route(ANSWER);
  }
  if ($rU == "proxy-auth") {
    if (!pv_proxy_authenticate("${CALL_TEST_REALM}", "${password}", "0") || $au != "${username}") {
      proxy_challenge("${CALL_TEST_REALM}", "0");
      exit;
    }
    route(ANSWER);
  }
  t_reply("404", "Not Found");
}

route[ANSWER] {
  append_to_reply("Contact: <sip:$rU@$Ri:$Rp;transport=$pr>\\r\\n");
  set_reply_body("${sdp}", "application/sdp");
  t_reply("200", "OK");
  exit;
}
`;
}
