import { describe, expect, it } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock } from '../../src/core/index.js';
import {
  type ConnectTokenGrant,
  ConnectTokenIssuer,
  type ConnectTokenKey,
  ConnectTokenVerifier,
  decodeConnectToken,
  HANDSHAKE_TOKEN_BYTES,
  InvalidConnectTokenError,
} from '../../src/transport/index.js';

const EPOCH = 1_780_000_000_000;
const PROTOCOL = 0x504f4e47;
const ADDRESS = '203.0.113.7:9000';
const key = (id: number, fill: number): ConnectTokenKey => ({ id, key: new Uint8Array(32).fill(fill) });
const CURRENT = key(3, 0x33);
const PREVIOUS = key(2, 0x22);
const RETIRED = key(1, 0x11);
const GRANT: ConnectTokenGrant = {
  playerId: 'player-1',
  matchId: 'match-1',
  roomId: 'room-1',
  serverAddress: ADDRESS,
  userData: Uint8Array.of(9, 8, 7),
};

function setup(issuerKey = CURRENT) {
  const clock = new ManualClock(EPOCH);
  const issuer = new ConnectTokenIssuer({
    key: issuerKey,
    protocolId: PROTOCOL,
    clock,
    random: createSeededRandom(42),
  });
  const verifier = new ConnectTokenVerifier({
    keys: [CURRENT, PREVIOUS],
    protocolId: PROTOCOL,
    serverAddresses: [ADDRESS, '[::1]:9000'],
    clock,
  });
  const handshake = (grant: ConnectTokenGrant = GRANT) =>
    decodeConnectToken(issuer.issue(grant)).handshakeToken;
  return { clock, issuer, verifier, handshake };
}

describe('ConnectTokenIssuer and decodeConnectToken', () => {
  it('gives the client the server address, times, timeout and the keys the server will see', () => {
    const { issuer, verifier } = setup();
    const pub = decodeConnectToken(issuer.issue(GRANT));
    expect(pub).toMatchObject({
      protocolId: PROTOCOL,
      createdAt: EPOCH,
      expiresAt: EPOCH + 30_000,
      timeoutMs: 10_000,
      serverAddress: ADDRESS,
    });
    const check = verifier.verify(pub.handshakeToken);
    if (!check.ok) throw new Error(check.reason);
    expect(check.token).toEqual({
      tokenId: Buffer.from(pub.handshakeToken.subarray(17, 41)).toString('hex'),
      playerId: 'player-1',
      matchId: 'match-1',
      roomId: 'room-1',
      serverAddress: ADDRESS,
      expiresAt: EPOCH + 30_000,
      timeoutMs: 10_000,
      clientToServerKey: pub.clientToServerKey,
      serverToClientKey: pub.serverToClientKey,
      userData: Uint8Array.of(9, 8, 7),
    });
    expect(pub.clientToServerKey).not.toEqual(pub.serverToClientKey);
  });

  it('uses the configured expiry and timeout, and a fresh nonce and keys per token', () => {
    const clock = new ManualClock(EPOCH + 0.75);
    const issuer = new ConnectTokenIssuer({
      key: CURRENT,
      protocolId: PROTOCOL,
      clock,
      random: createSeededRandom(1),
      expiresInMs: 5_000,
      timeoutMs: 2_500,
    });
    const a = decodeConnectToken(issuer.issue(GRANT));
    const b = decodeConnectToken(issuer.issue(GRANT));
    expect([a.createdAt, a.expiresAt, a.timeoutMs]).toEqual([EPOCH, EPOCH + 5_000, 2_500]);
    expect(a.handshakeToken.subarray(17, 41)).not.toEqual(b.handshakeToken.subarray(17, 41));
    expect(a.clientToServerKey).not.toEqual(b.clientToServerKey);
  });

  it('pads every handshake token to 899 bytes (<= 1024), the largest contents included', () => {
    const { issuer, handshake } = setup();
    expect(handshake({ playerId: 'a', matchId: 'b', roomId: 'c', serverAddress: 'h:1' }).length).toBe(899);
    const id = 'é'.repeat(64); // 128 UTF-8 bytes
    const pub = decodeConnectToken(
      issuer.issue({
        playerId: id,
        matchId: id,
        roomId: id,
        serverAddress: `${'h'.repeat(123)}:9000`,
        userData: new Uint8Array(256),
      }),
    );
    expect(pub.handshakeToken.length).toBe(HANDSHAKE_TOKEN_BYTES);
    expect(HANDSHAKE_TOKEN_BYTES).toBe(899);
  });

  it('refuses bad grants with a typed error naming the field', () => {
    const { issuer } = setup();
    const bad: [Partial<Record<keyof ConnectTokenGrant, unknown>>, string][] = [
      [{ playerId: '' }, 'grant.playerId'],
      [{ playerId: 'x'.repeat(129) }, 'grant.playerId'],
      [{ playerId: '\ud800' }, 'grant.playerId'],
      [{ matchId: 7 }, 'grant.matchId'],
      [{ roomId: undefined }, 'grant.roomId'],
      [{ serverAddress: 'localhost' }, 'grant.serverAddress'],
      [{ serverAddress: '::1:9000' }, 'grant.serverAddress'],
      [{ serverAddress: '[::g]:9000' }, 'grant.serverAddress'],
      [{ serverAddress: 'h:65536' }, 'grant.serverAddress'],
      [{ serverAddress: 'h:09000' }, 'grant.serverAddress'],
      [{ userData: new Uint8Array(257) }, 'grant.userData'],
      [{ userData: [1, 2] }, 'grant.userData'],
    ];
    for (const [change, option] of bad) {
      const call = () => issuer.issue({ ...GRANT, ...change } as ConnectTokenGrant);
      expect(call).toThrow(InvalidOptionError);
      expect(call).toThrow(expect.objectContaining({ option, code: 'ERR_INVALID_OPTION' }));
    }
  });

  it('validates its options', () => {
    const base = {
      key: CURRENT,
      protocolId: PROTOCOL,
      clock: new ManualClock(),
      random: createSeededRandom(1),
    };
    const bad: [object, string][] = [
      [{ key: { id: -1, key: CURRENT.key } }, 'key.id'],
      [{ key: { id: 1, key: new Uint8Array(31) } }, 'key.key'],
      [{ key: undefined }, 'key'],
      [{ protocolId: 2 ** 32 }, 'protocolId'],
      [{ clock: {} }, 'clock'],
      [{ random: undefined }, 'random'],
      [{ expiresInMs: 0 }, 'expiresInMs'],
      [{ timeoutMs: 1.5 }, 'timeoutMs'],
    ];
    for (const [change, option] of bad)
      expect(() => new ConnectTokenIssuer({ ...base, ...change } as never)).toThrow(
        expect.objectContaining({ option }),
      );
  });

  it('refuses to issue when the clock does not read epoch milliseconds', () => {
    for (const now of [-5, 0, 123_456, 1_577_836_799_999, 2 ** 53]) {
      const issuer = new ConnectTokenIssuer({
        key: CURRENT,
        protocolId: PROTOCOL,
        clock: { now: () => now },
        random: createSeededRandom(1),
      });
      expect(() => issuer.issue(GRANT), String(now)).toThrow(expect.objectContaining({ option: 'clock' }));
    }
  });

  it('decodeConnectToken throws InvalidConnectTokenError on bad bytes', () => {
    const { issuer } = setup();
    const good = issuer.issue(GRANT);
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      Uint8Array.of(...good, 0),
      Uint8Array.of(2, ...good.subarray(1)),
    ];
    // The clear protocol id no longer matches the handshake token's.
    const otherProtocol = good.slice();
    otherProtocol[1]! ^= 1;
    cases.push(otherProtocol);
    for (const bytes of cases) {
      expect(() => decodeConnectToken(bytes)).toThrow(InvalidConnectTokenError);
      expect(() => decodeConnectToken(bytes)).toThrow(
        expect.objectContaining({ code: 'ERR_CONNECT_TOKEN_INVALID' }),
      );
    }
    expect(() => decodeConnectToken('abc' as never)).toThrow(InvalidConnectTokenError);
  });
});

describe('ConnectTokenVerifier', () => {
  it('accepts until the expiry and refuses from it on', () => {
    const { clock, verifier, handshake } = setup();
    const token = handshake();
    clock.advance(29_999);
    expect(verifier.verify(token).ok).toBe(true);
    clock.advance(1);
    expect(verifier.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('fails closed when its clock stops reading epoch milliseconds', () => {
    const { handshake } = setup();
    let now = EPOCH;
    const verifier = new ConnectTokenVerifier({
      keys: [CURRENT],
      protocolId: PROTOCOL,
      serverAddresses: [ADDRESS],
      clock: { now: () => now },
    });
    const token = handshake();
    expect(verifier.verify(token).ok).toBe(true);
    now = 5_000;
    expect(verifier.verify(token)).toEqual({ ok: false, reason: 'expired' });
    now = Number.NaN;
    expect(verifier.verify(token)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a token issued for another server', () => {
    const { verifier, handshake } = setup();
    expect(verifier.verify(handshake({ ...GRANT, serverAddress: '203.0.113.8:9000' }))).toEqual({
      ok: false,
      reason: 'wrong_server',
    });
    expect(verifier.verify(handshake({ ...GRANT, serverAddress: '[::1]:9000' })).ok).toBe(true);
  });

  it('refuses another protocol id', () => {
    const { verifier, clock } = setup();
    const other = new ConnectTokenIssuer({
      key: CURRENT,
      protocolId: 1,
      clock,
      random: createSeededRandom(3),
    });
    expect(verifier.verify(decodeConnectToken(other.issue(GRANT)).handshakeToken)).toEqual({
      ok: false,
      reason: 'wrong_protocol',
    });
  });

  it('accepts the previous key, refuses a retired one as unknown and a reused id as unauthentic', () => {
    expect(setup(PREVIOUS).verifier.verify(setup(PREVIOUS).handshake()).ok).toBe(true);
    const retired = setup(RETIRED);
    expect(retired.verifier.verify(retired.handshake())).toEqual({ ok: false, reason: 'unknown_key' });
    const forged = setup({ id: CURRENT.id, key: new Uint8Array(32).fill(0x44) });
    expect(forged.verifier.verify(forged.handshake())).toEqual({ ok: false, reason: 'unauthentic' });
  });

  it('refuses any altered byte of the sealed part, nonce or header', () => {
    const { verifier, handshake } = setup();
    const token = handshake();
    const reasons = new Set<string>();
    for (let i = 0; i < token.length; i++) {
      const copy = token.slice();
      copy[i]! ^= 0x01;
      const check = verifier.verify(copy);
      expect(check.ok).toBe(false);
      if (!check.ok) reasons.add(check.reason);
    }
    // Version -> malformed, protocol -> wrong_protocol, key id -> unknown_key, the rest unauthentic
    // (a flipped expiry bit that lands in the past reads as expired).
    expect([...reasons].sort()).toEqual([
      'expired',
      'malformed',
      'unauthentic',
      'unknown_key',
      'wrong_protocol',
    ]);
  });

  it('refuses truncated, extended and non-byte input as malformed, never throwing', () => {
    const { verifier, handshake } = setup();
    const token = handshake();
    for (let n = 0; n < token.length; n++)
      expect(verifier.verify(token.subarray(0, n)), `length ${n}`).toEqual({
        ok: false,
        reason: 'malformed',
      });
    expect(verifier.verify(Uint8Array.of(...token, 0))).toEqual({ ok: false, reason: 'malformed' });
    expect(verifier.verify(new Uint8Array(HANDSHAKE_TOKEN_BYTES + 1))).toEqual({
      ok: false,
      reason: 'malformed',
    });
    for (const junk of [undefined, null, 'token', 42, {}, [1, 2, 3]])
      expect(verifier.verify(junk as never)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('validates its options', () => {
    const base = {
      keys: [CURRENT],
      protocolId: PROTOCOL,
      serverAddresses: [ADDRESS],
      clock: new ManualClock(EPOCH),
    };
    const bad: [object, string][] = [
      [{ keys: [] }, 'keys'],
      [{ keys: [CURRENT, { id: 3, key: PREVIOUS.key }] }, 'keys[1].id'],
      [{ keys: [CURRENT, { id: 9, key: new Uint8Array(16) }] }, 'keys[1].key'],
      [{ serverAddresses: [] }, 'serverAddresses'],
      [{ serverAddresses: [ADDRESS, 'nope'] }, 'serverAddresses[1]'],
      [{ protocolId: -1 }, 'protocolId'],
      [{ clock: null }, 'clock'],
      // A monotonic clock (performance.now() starts near 0) would accept tokens for decades.
      [{ clock: new ManualClock(123_456) }, 'clock'],
    ];
    for (const [change, option] of bad)
      expect(() => new ConnectTokenVerifier({ ...base, ...change } as never)).toThrow(
        expect.objectContaining({ option }),
      );
  });

  it('copies its keys: changing the caller array afterwards changes nothing', () => {
    const mutable = { id: 3, key: CURRENT.key.slice() };
    const { handshake, clock } = setup();
    const verifier = new ConnectTokenVerifier({
      keys: [mutable],
      protocolId: PROTOCOL,
      serverAddresses: [ADDRESS],
      clock,
    });
    mutable.key.fill(0);
    expect(verifier.verify(handshake()).ok).toBe(true);
  });
});
