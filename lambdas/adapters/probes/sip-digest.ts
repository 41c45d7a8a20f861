/**
 * The answer to a SIP digest challenge (RFC 3261 §22.4 on RFC 2617, with RFC 7616's SHA-256 as
 * RFC 8760 brings it to SIP): parses WWW-Authenticate / Proxy-Authenticate, picks a challenge we can
 * answer, and computes the Authorization / Proxy-Authorization value. No sockets, no secrets kept.
 */
import { createHash, randomBytes } from 'node:crypto';

/** Digest algorithms we answer; anything else (AKAv1-MD5, SHA-512-256) is not ours to answer. */
export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

const ALGORITHMS: Record<string, DigestAlgorithm> = {
  md5: 'MD5',
  'md5-sess': 'MD5-sess',
  'sha-256': 'SHA-256',
  'sha-256-sess': 'SHA-256-sess',
};

/** One digest challenge, as a server sent it. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  /** As written in the challenge; RFC 2617 §3.2.1: MD5 when absent. */
  algorithm: string;
  /** The qop options offered, lower case; empty for an RFC 2069-style challenge without qop. */
  qop: string[];
}

/**
 * Every Digest challenge in the header values, in order (one header may carry several, separated
 * by commas before the next scheme name). Challenges of other schemes and without realm or nonce
 * are left out.
 */
export function parseDigestChallenges(values: readonly string[]): DigestChallenge[] {
  const challenges: DigestChallenge[] = [];
  for (const value of values) {
    let current: { scheme: string; params: Record<string, string> } | undefined;
    const flush = () => {
      if (current?.scheme !== 'digest') return;
      const { realm, nonce, opaque, algorithm, qop } = current.params;
      if (realm === undefined || nonce === undefined) return;
      challenges.push({
        realm,
        nonce,
        ...(opaque !== undefined ? { opaque } : {}),
        algorithm: algorithm ?? 'MD5',
        qop: (qop ?? '')
          .split(',')
          .map((option) => option.trim().toLowerCase())
          .filter(Boolean),
      });
    };
    for (const token of tokenizeAuthParams(value)) {
      if (token.scheme !== undefined) {
        flush();
        current = { scheme: token.scheme.toLowerCase(), params: {} };
      }
      if (current && token.name !== undefined) current.params[token.name.toLowerCase()] = token.value ?? '';
    }
    flush();
  }
  return challenges;
}

/**
 * Splits `Digest realm="a", nonce="b", Basic realm="c"` into scheme starts and name=value pairs,
 * honouring quoted strings (which may hold commas and escaped quotes).
 */
function tokenizeAuthParams(value: string): Array<{ scheme?: string; name?: string; value?: string }> {
  const tokens: Array<{ scheme?: string; name?: string; value?: string }> = [];
  const pattern =
    /\s*(?:([A-Za-z][\w-]*)\s+)?([A-Za-z][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]*)\s*,?|\s*([A-Za-z][\w-]*)\s*,?/gy;
  for (let match = pattern.exec(value); match && match[0] !== ''; match = pattern.exec(value)) {
    if (match[4] !== undefined) {
      tokens.push({ scheme: match[4] });
      continue;
    }
    const raw = match[3];
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    tokens.push({ ...(match[1] !== undefined ? { scheme: match[1] } : {}), name: match[2], value: unquoted });
  }
  return tokens;
}

/**
 * The challenge to answer: the first one we support (RFC 8760 §2.4: the UAC uses the topmost
 * challenge with an algorithm it supports), or undefined when none is.
 */
export function chooseDigestChallenge(challenges: readonly DigestChallenge[]): DigestChallenge | undefined {
  return challenges.find((challenge) => {
    if (ALGORITHMS[challenge.algorithm.toLowerCase()] === undefined) return false;
    return (
      challenge.qop.length === 0 || challenge.qop.some((option) => option === 'auth' || option === 'auth-int')
    );
  });
}

/** What the answer is computed over. */
export interface DigestAnswerInput {
  challenge: DigestChallenge;
  method: string;
  /** The Request-URI of the request carrying the answer. */
  uri: string;
  username: string;
  password: string;
  /** The request body, hashed for qop=auth-int. @default '' */
  body?: string;
  /** Client nonce; random when absent (tests pin it to the RFCs' examples). */
  cnonce?: string;
  /** Nonce count. @default 1 (a fresh nonce is answered once) */
  nonceCount?: number;
}

/**
 * The Authorization / Proxy-Authorization value answering the challenge: qop=auth (preferred) or
 * auth-int with cnonce and nc when the challenge offers qop, the RFC 2069 form without them when it
 * does not.
 * @throws Error when the challenge's algorithm is not supported (call chooseDigestChallenge first)
 */
export function answerDigestChallenge(input: DigestAnswerInput): string {
  const { challenge, method, uri, username, password } = input;
  const algorithm = ALGORITHMS[challenge.algorithm.toLowerCase()];
  if (algorithm === undefined) throw new Error(`unsupported digest algorithm ${challenge.algorithm}`);
  const hash = (text: string) =>
    createHash(algorithm.startsWith('SHA-256') ? 'sha256' : 'md5')
      .update(text, 'utf8')
      .digest('hex');
  const qop = challenge.qop.includes('auth')
    ? 'auth'
    : challenge.qop.includes('auth-int')
      ? 'auth-int'
      : undefined;
  const cnonce = input.cnonce ?? randomBytes(12).toString('hex');
  const nc = (input.nonceCount ?? 1).toString(16).padStart(8, '0');
  let ha1 = hash(`${username}:${challenge.realm}:${password}`);
  if (algorithm.endsWith('-sess')) ha1 = hash(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = hash(qop === 'auth-int' ? `${method}:${uri}:${hash(input.body ?? '')}` : `${method}:${uri}`);
  const response = qop
    ? hash(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : hash(`${ha1}:${challenge.nonce}:${ha2}`);
  const parts = [
    `Digest username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(uri)}`,
    `response="${response}"`,
    `algorithm=${algorithm}`,
  ];
  if (qop) parts.push(`cnonce=${quote(cnonce)}`, `qop=${qop}`, `nc=${nc}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return parts.join(', ');
}

/** A quoted-string (RFC 3261 §25.1): backslash and double quote escaped. */
function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, '\\$&')}"`;
}

/** The credentials header answering a SIP 401 (WWW-Authenticate) or 407 (Proxy-Authenticate). */
export type SipChallengeAnswer =
  | { header: 'Authorization' | 'Proxy-Authorization'; value: string }
  | { unanswerable: string };

/**
 * Answers the challenge of a 401/407 for a request; `unanswerable` lists the algorithms offered
 * when none is ours (for the failure reason).
 */
export function answerSipChallenge(
  response: { status: number; headers: Record<string, string[]> },
  request: { method: string; uri: string; body?: string },
  credentials: { username: string; password: string },
): SipChallengeAnswer {
  const proxy = response.status === 407;
  const challenges = parseDigestChallenges(
    response.headers[proxy ? 'proxy-authenticate' : 'www-authenticate'] ?? [],
  );
  const challenge = chooseDigestChallenge(challenges);
  if (!challenge) {
    return { unanswerable: challenges.map((entry) => entry.algorithm).join(', ') || 'none' };
  }
  return {
    header: proxy ? 'Proxy-Authorization' : 'Authorization',
    value: answerDigestChallenge({ challenge, ...request, ...credentials }),
  };
}
