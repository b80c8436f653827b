/** fast-check over the connect-token parsers: whatever the bytes, a refusal with a reason, never a throw. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import {
  type PrivatePart,
  writeHandshakeHeader,
  writePrivatePart,
} from '../../src/transport/connect-token/token-format.js';
import { seal } from '../../src/transport/connect-token/xchacha.js';
import {
  CONNECT_TOKEN_REFUSALS,
  type ConnectTokenGrant,
  ConnectTokenIssuer,
  ConnectTokenVerifier,
  decodeConnectToken,
  HANDSHAKE_TOKEN_BYTES,
  InvalidConnectTokenError,
} from '../../src/transport/index.js';

const EPOCH = 1_780_000_000_000;
const PROTOCOL = 0x504f4e47;
const ADDRESS = '[2001:db8::7]:9000';
const CURRENT = { id: 10, key: new Uint8Array(32).fill(0xc1) };
const PREVIOUS = { id: 9, key: new Uint8Array(32).fill(0xb2) };
const RETIRED = { id: 8, key: new Uint8Array(32).fill(0xa3) };

const clock = new ManualClock(EPOCH);
const verifier = new ConnectTokenVerifier({
  keys: [CURRENT, PREVIOUS],
  protocolId: PROTOCOL,
  serverAddresses: [ADDRESS],
  clock,
});
const issuerFor = (key = CURRENT, seed = 7) =>
  new ConnectTokenIssuer({ key, protocolId: PROTOCOL, clock, random: createSeededRandom(seed) });
const issuer = issuerFor();

/** Ids of 1-128 UTF-8 bytes, any well-formed text (multi-byte characters included). */
const id = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 32 })
  .filter((s) => Buffer.byteLength(s) <= 128 && Buffer.from(s).toString() === s);
const grantArb: fc.Arbitrary<ConnectTokenGrant> = fc.record({
  playerId: id,
  matchId: id,
  roomId: id,
  serverAddress: fc.constant(ADDRESS),
  userData: fc.uint8Array({ maxLength: 256 }),
});
const validToken = issuer.issue({ playerId: 'p', matchId: 'm', roomId: 'r', serverAddress: ADDRESS });
const validHandshake = decodeConnectToken(validToken).handshakeToken;

/** Never throws, and any refusal carries one of the documented reasons. */
function verifyChecked(bytes: Uint8Array) {
  const check = verifier.verify(bytes);
  if (!check.ok) expect(CONNECT_TOKEN_REFUSALS).toContain(check.reason);
  return check;
}

describe('connect-token properties', () => {
  it('round trip: every random grant verifies to exactly what was granted', () => {
    fc.assert(
      fc.property(grantArb, fc.integer({ min: 0, max: 29_999 }), (grant, age) => {
        const now = new ManualClock(EPOCH);
        const local = new ConnectTokenIssuer({
          key: CURRENT,
          protocolId: PROTOCOL,
          clock: now,
          random: createSeededRandom(1),
        });
        const pub = decodeConnectToken(local.issue(grant));
        expect(pub.handshakeToken.length).toBe(HANDSHAKE_TOKEN_BYTES);
        const later = new ConnectTokenVerifier({
          keys: [CURRENT],
          protocolId: PROTOCOL,
          serverAddresses: [ADDRESS],
          clock: new ManualClock(EPOCH + age),
        });
        const check = later.verify(pub.handshakeToken);
        if (!check.ok) throw new Error(check.reason);
        expect(check.token).toMatchObject({
          playerId: grant.playerId,
          matchId: grant.matchId,
          roomId: grant.roomId,
          serverAddress: ADDRESS,
          expiresAt: pub.expiresAt,
          userData: grant.userData,
          clientToServerKey: pub.clientToServerKey,
          serverToClientKey: pub.serverToClientKey,
        });
      }),
      { numRuns: 300 },
    );
  });

  it('truncated anywhere: malformed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: HANDSHAKE_TOKEN_BYTES - 1 }), (n) => {
        expect(verifyChecked(validHandshake.subarray(0, n))).toEqual({ ok: false, reason: 'malformed' });
      }),
      { numRuns: 500 },
    );
  });

  it('any set of bit flips anywhere: refused', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: HANDSHAKE_TOKEN_BYTES * 8 - 1 }), {
          minLength: 1,
          maxLength: 8,
        }),
        (bits) => {
          const copy = validHandshake.slice();
          for (const bit of bits) copy[bit >> 3]! ^= 1 << (bit & 7);
          expect(verifyChecked(copy).ok).toBe(false);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('random bytes of any length, or a valid header with random rest: refused, never thrown', () => {
    const header = validHandshake.subarray(0, 41);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1100 }), fc.boolean(), (junk, keepHeader) => {
        const bytes = keepHeader ? Uint8Array.of(...header, ...junk) : junk;
        const check = verifyChecked(bytes);
        expect(check.ok).toBe(false);
        if (!check.ok && bytes.length !== HANDSHAKE_TOKEN_BYTES) expect(check.reason).toBe('malformed');
        if (!check.ok && keepHeader && bytes.length === HANDSHAKE_TOKEN_BYTES)
          expect(check.reason).toBe('unauthentic');
      }),
      { numRuns: 2000 },
    );
  });

  it('expired from the expiry on, at any later time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (late) => {
        const after = new ConnectTokenVerifier({
          keys: [CURRENT],
          protocolId: PROTOCOL,
          serverAddresses: [ADDRESS],
          clock: new ManualClock(decodeConnectToken(validToken).expiresAt + late),
        });
        expect(after.verify(validHandshake)).toEqual({ ok: false, reason: 'expired' });
      }),
    );
  });

  it('wrong server address, wrong protocol, previous key accepted, retired key refused', () => {
    fc.assert(
      fc.property(
        grantArb,
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer(),
        (grant, port, protocolId, seed) => {
          const otherServer = `198.51.100.1:${port}`;
          const refusedServer = issuerFor(CURRENT, seed).issue({ ...grant, serverAddress: otherServer });
          expect(verifyChecked(decodeConnectToken(refusedServer).handshakeToken)).toEqual({
            ok: false,
            reason: 'wrong_server',
          });

          const other = new ConnectTokenIssuer({
            key: CURRENT,
            protocolId,
            clock,
            random: createSeededRandom(seed),
          });
          const check = verifyChecked(decodeConnectToken(other.issue(grant)).handshakeToken);
          expect(check.ok).toBe(protocolId === PROTOCOL);
          if (!check.ok) expect(check.reason).toBe('wrong_protocol');

          expect(
            verifyChecked(decodeConnectToken(issuerFor(PREVIOUS, seed).issue(grant)).handshakeToken).ok,
          ).toBe(true);
          expect(
            verifyChecked(decodeConnectToken(issuerFor(RETIRED, seed).issue(grant)).handshakeToken),
          ).toEqual({
            ok: false,
            reason: 'unknown_key',
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('an authentic seal over a bad private part (issuer bug) is malformed, not accepted', () => {
    const good: PrivatePart = {
      timeoutMs: 1000,
      clientToServerKey: new Uint8Array(32),
      serverToClientKey: new Uint8Array(32),
      playerId: 'p',
      matchId: 'm',
      roomId: 'r',
      serverAddress: ADDRESS,
      userData: new Uint8Array(0),
    };
    const sealAs = (plain: Uint8Array) => {
      const header = writeHandshakeHeader({
        protocolId: PROTOCOL,
        expiresAt: EPOCH + 1000,
        keyId: CURRENT.id,
      });
      const nonce = new Uint8Array(24).fill(5);
      return Uint8Array.of(...header, ...nonce, ...seal(plain, header, nonce, CURRENT.key));
    };
    expect(verifier.verify(sealAs(writePrivatePart(good))).ok).toBe(true);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: writePrivatePart(good).length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, xor) => {
          const plain = writePrivatePart(good);
          plain[at]! ^= xor;
          const check = verifyChecked(sealAs(plain));
          // Bytes inside the keys, the ids or a still-valid address change what is carried, not its form.
          if (!check.ok) expect(['malformed', 'wrong_server']).toContain(check.reason);
        },
      ),
      { numRuns: 1000 },
    );
    const badPadding = writePrivatePart(good);
    badPadding[badPadding.length - 1] = 1;
    expect(verifier.verify(sealAs(badPadding))).toEqual({ ok: false, reason: 'malformed' });
    expect(verifier.verify(sealAs(writePrivatePart({ ...good, timeoutMs: 0 })))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('decodeConnectToken: truncated, extended or flipped public tokens either decode consistently or throw InvalidConnectTokenError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer({ min: 0, max: validToken.length - 1 }).map((n) => validToken.slice(0, n)),
          fc.uint8Array({ minLength: 1, maxLength: 8 }).map((tail) => Uint8Array.of(...validToken, ...tail)),
          fc.integer({ min: 0, max: validToken.length * 8 - 1 }).map((bit) => {
            const copy = validToken.slice();
            copy[bit >> 3]! ^= 1 << (bit & 7);
            return copy;
          }),
          fc.uint8Array({ maxLength: 1200 }),
        ),
        (bytes) => {
          try {
            const pub = decodeConnectToken(bytes);
            expect(pub.handshakeToken.length).toBe(HANDSHAKE_TOKEN_BYTES);
            expect(pub.expiresAt).toBeGreaterThan(pub.createdAt);
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidConnectTokenError);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});
