/**
 * The example match server's credentials (bearer JWTs, jose) and connect tokens (the real
 * ConnectTokenIssuer): no credentials is 401, the acceptance pair plays with tokens, and each
 * answer's connect_token opens on the game server it names, for that player only.
 */
import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { connectTokenKeyFromEnv, DEVELOPMENT_CONNECT_TOKEN_KEY } from '../../examples/connect-token-key.js';
import { bearerAuthenticate, signMatchToken } from '../../examples/match-server/bearer-auth.js';
import { startMatchServer } from '../../examples/match-server/server.js';
import { PONG_PROTOCOL_ID } from '../../examples/pong-server/pong-server.js';
import { ConnectTokenVerifier, decodeConnectToken } from '../../src/transport/index.js';
import { callAs } from './support/http.js';

const secret = new TextEncoder().encode('an example secret of 32 bytes!!!');
const withAuthorization = (authorization?: string) =>
  ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe('examples/match-server bearer tokens', () => {
  const authenticate = bearerAuthenticate(secret);

  it('accepts its own tokens: the subject is the caller, a rating claim is authoritative', async () => {
    const token = await signMatchToken(secret, 'p123');
    expect(await authenticate(withAuthorization(`Bearer ${token}`))).toEqual({ playerId: 'p123' });
    const rated = await signMatchToken(secret, 'p124', { rating: 1520 });
    expect(await authenticate(withAuthorization(`Bearer ${rated}`))).toEqual({
      playerId: 'p124',
      rating: 1520,
    });
  });

  it('refuses missing, malformed, forged, expired, misaddressed and unsigned tokens', async () => {
    const other = new TextEncoder().encode('another secret, also 32 bytes!!!');
    const sign = (claims: Record<string, unknown>, build: (j: SignJWT) => SignJWT, key = secret) =>
      build(new SignJWT(claims).setProtectedHeader({ alg: 'HS256' })).sign(key);
    const valid = (j: SignJWT) => j.setSubject('p1').setAudience('pong-match').setExpirationTime('1h');
    const refused = [
      undefined,
      '',
      'Bearer',
      'Basic cDE6cGFzcw==',
      `Bearer ${await signMatchToken(other, 'p1')}`, // another secret
      `Bearer ${await sign({}, (j) => j.setSubject('p1').setAudience('pong-match').setExpirationTime(0))}`,
      `Bearer ${await sign({}, (j) => j.setSubject('p1').setAudience('billing').setExpirationTime('1h'))}`,
      `Bearer ${await sign({}, (j) => j.setSubject('p1').setAudience('pong-match'))}`, // no exp
      `Bearer ${await sign({}, (j) => j.setSubject('bad id!').setAudience('pong-match').setExpirationTime('1h'))}`,
      `Bearer ${await sign({ rating: 1500.5 }, valid)}`,
      `Bearer ${await sign({ rating: '1500' }, valid)}`,
      // alg "none": header {"alg":"none"}, the claims, no signature.
      `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(
        JSON.stringify({ sub: 'p1', aud: 'pong-match', exp: 4_000_000_000 }),
      ).toString('base64url')}.`,
    ];
    for (const header of refused) expect(await authenticate(withAuthorization(header))).toBeNull();
    expect(await authenticate(withAuthorization(`Bearer ${await sign({}, valid)}`))).toEqual({
      playerId: 'p1',
    });
  });

  it('refuses a secret shorter than 32 bytes', () => {
    expect(() => bearerAuthenticate(new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

describe('examples/match-server with credentials and connect tokens', () => {
  it('401s the anonymous acceptance run, plays it with tokens, and each connect token opens only where it should', async () => {
    const running = await startMatchServer({
      port: 0,
      host: '127.0.0.1',
      gameServers: ['127.0.0.1:9000'],
      maxRatingDiff: 100,
      tickIntervalMs: 20,
      auth: { secret },
      connectTokenKey: connectTokenKeyFromEnv({}),
    });
    try {
      const base = `http://127.0.0.1:${running.port}`;
      const anonymous = await callAs(base, 'POST', '/match/request', { player_id: 'p123', rating: 1500 });
      expect([anonymous.status, anonymous.body.error?.code]).toEqual([401, 'ERR_MATCH_UNAUTHENTICATED']);
      const bearer = async (id: string) => ({ authorization: `Bearer ${await signMatchToken(secret, id)}` });
      const [a, b] = await Promise.all([
        callAs(base, 'POST', '/match/request', { player_id: 'p123', rating: 1500 }, await bearer('p123')),
        callAs(base, 'POST', '/match/request', { player_id: 'p124', rating: 1520 }, await bearer('p124')),
      ]);
      expect(a.status).toBe(200);
      expect(Object.keys(a.body).sort()).toEqual([
        'connect_token',
        'game_server',
        'match_id',
        'opponent_id',
        'room_id',
      ]);
      expect(a.body).toMatchObject({ opponent_id: 'p124', game_server: '127.0.0.1:9000' });
      const verifier = (serverAddress: string) =>
        new ConnectTokenVerifier({
          keys: [DEVELOPMENT_CONNECT_TOKEN_KEY],
          protocolId: PONG_PROTOCOL_ID,
          serverAddresses: [serverAddress],
          clock: { now: () => Date.now() },
        });
      for (const [answer, player] of [
        [a, 'p123'],
        [b, 'p124'],
      ] as const) {
        const token = decodeConnectToken(Buffer.from(answer.body.connect_token as string, 'base64'));
        expect(token.serverAddress).toBe('127.0.0.1:9000');
        expect(token.protocolId).toBe(PONG_PROTOCOL_ID);
        const check = verifier('127.0.0.1:9000').verify(token.handshakeToken);
        expect(check.ok && check.token).toMatchObject({
          playerId: player,
          matchId: a.body.match_id,
          roomId: a.body.room_id,
        });
        expect(verifier('127.0.0.1:9001').verify(token.handshakeToken)).toEqual({
          ok: false,
          reason: 'wrong_server',
        });
      }
    } finally {
      await running.close();
    }
  });

  it('reads CONNECT_TOKEN_KEY (64 hex), else the published development key', () => {
    expect(connectTokenKeyFromEnv({})).toEqual({ key: DEVELOPMENT_CONNECT_TOKEN_KEY, development: true });
    const hex = 'ab'.repeat(32);
    expect(connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: hex })).toEqual({
      key: { id: 1, key: Buffer.from(hex, 'hex') },
      development: false,
    });
    expect(() => connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: 'ab'.repeat(31) })).toThrow(/64 hex/);
    expect(() => connectTokenKeyFromEnv({ CONNECT_TOKEN_KEY: 'zz'.repeat(32) })).toThrow(/64 hex/);
  });
});
