import {
  answerDigestChallenge,
  chooseDigestChallenge,
  parseDigestChallenges,
} from '../../../lambdas/adapters/probes/sip-digest';

/** The response= value of an Authorization header value. */
function responseOf(authorization: string): string | undefined {
  return /response="([0-9a-f]+)"/.exec(authorization)?.[1];
}

describe('answerDigestChallenge', () => {
  it('reproduces the worked example of RFC 2617 §3.5 (MD5, qop=auth)', () => {
    const [challenge] = parseDigestChallenges([
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ]);

    const authorization = answerDigestChallenge({
      challenge,
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle Of Life',
      cnonce: '0a4f113b',
    });

    expect(authorization).toBe(
      'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    );
  });

  describe('the worked examples of RFC 7616 §3.9.1', () => {
    // One WWW-Authenticate value carrying both challenges of the example, SHA-256 first.
    const header =
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", ' +
      'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';
    const input = {
      method: 'GET',
      uri: '/dir/index.html',
      username: 'Mufasa',
      password: 'Circle of Life',
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    };

    it('parses both challenges in their order', () => {
      const challenges = parseDigestChallenges([header]);

      expect(challenges.map((challenge) => challenge.algorithm)).toEqual(['SHA-256', 'MD5']);
      expect(challenges[0]).toEqual({
        realm: 'http-auth@example.org',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
        algorithm: 'SHA-256',
        qop: ['auth', 'auth-int'],
      });
    });

    it('answers the SHA-256 challenge with the RFC response', () => {
      const [sha256] = parseDigestChallenges([header]);

      const authorization = answerDigestChallenge({ challenge: sha256, ...input });

      expect(responseOf(authorization)).toBe(
        '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
      );
      expect(authorization).toContain('algorithm=SHA-256');
      expect(authorization).toContain('qop=auth, nc=00000001');
    });

    it('answers the MD5 challenge with the RFC response', () => {
      const [, md5] = parseDigestChallenges([header]);

      expect(responseOf(answerDigestChallenge({ challenge: md5, ...input }))).toBe(
        '8ca523f5e9506fed4657c9700eebdbec',
      );
    });
  });

  it('answers a challenge without qop in the RFC 2069 form, without cnonce and nc', () => {
    const [challenge] = parseDigestChallenges(['Digest realm="sbc.test", nonce="abc123"']);

    const authorization = answerDigestChallenge({
      challenge,
      method: 'INVITE',
      uri: 'sip:9999@sbc.test',
      username: 'alice',
      password: 'secret',
    });

    expect(authorization).not.toMatch(/cnonce|qop|nc=/);
    expect(authorization).toMatch(
      /^Digest username="alice", realm="sbc\.test", nonce="abc123", uri="sip:9999@sbc\.test", response="[0-9a-f]{32}", algorithm=MD5$/,
    );
  });

  it('uses a fresh random cnonce when none is given', () => {
    const [challenge] = parseDigestChallenges(['Digest realm="r", nonce="n", qop="auth"']);
    const input = { challenge, method: 'INVITE', uri: 'sip:x@y', username: 'u', password: 'p' };

    const cnonces = [answerDigestChallenge(input), answerDigestChallenge(input)].map(
      (value) => /cnonce="([^"]+)"/.exec(value)?.[1],
    );

    expect(cnonces[0]).toMatch(/^[0-9a-f]{24}$/);
    expect(cnonces[0]).not.toBe(cnonces[1]);
  });

  it('escapes quotes and backslashes in the username', () => {
    const [challenge] = parseDigestChallenges(['Digest realm="r", nonce="n"']);

    const authorization = answerDigestChallenge({
      challenge,
      method: 'INVITE',
      uri: 'sip:x@y',
      username: 'a"b\\c',
      password: 'p',
    });

    expect(authorization).toContain('username="a\\"b\\\\c"');
  });
});

describe('chooseDigestChallenge', () => {
  it('takes the topmost challenge with an algorithm we support (RFC 8760 §2.4)', () => {
    const challenges = parseDigestChallenges([
      'Digest realm="r", nonce="1", algorithm=AKAv1-MD5',
      'Digest realm="r", nonce="2", algorithm=MD5',
      'Digest realm="r", nonce="3", algorithm=SHA-256',
    ]);

    expect(chooseDigestChallenge(challenges)?.nonce).toBe('2');
  });

  it('finds nothing to answer in a Basic-only or unsupported challenge', () => {
    const challenges = parseDigestChallenges([
      'Basic realm="r"',
      'Digest realm="r", nonce="1", algorithm=SHA-512-256',
    ]);

    expect(challenges).toHaveLength(1);
    expect(chooseDigestChallenge(challenges)).toBeUndefined();
  });
});
