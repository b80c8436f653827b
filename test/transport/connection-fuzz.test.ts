import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, ManualClock } from '../../src/core/index.js';
import type { PublicConnectToken } from '../../src/transport/connect-token/index.js';
import { ConnectionClient } from '../../src/transport/connection-client.js';
import { CookieJar } from '../../src/transport/connection-cookie.js';
import {
  type Cookie,
  challengeResponseSize,
  readAccepted,
  readChallenge,
  readChallengeResponse,
  readConnectRequest,
  readDenied,
  readPacketType,
  writeAccepted,
  writeChallenge,
  writeChallengeResponse,
  writeConnectRequest,
  writeDenied,
} from '../../src/transport/connection-packets.js';
import { deriveSessionKey, PacketSeal, sealHandshake } from '../../src/transport/connection-seal.js';
import { ConnectionServer } from '../../src/transport/connection-server.js';
import type { PeerAddress } from '../../src/transport/datagram-transport.js';
import { createTokens, fakeTransport, PROTOCOL_ID, SECRET, SERVER_ADDRESS } from './connection-harness.js';

const NONCE = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
const COOKIE = { issuedAt: 1000, mac: new Uint8Array(16).fill(3) };
const KEY = new Uint8Array(32).fill(5);
const sealer = new PacketSeal({ send: KEY, receive: KEY }, PROTOCOL_ID, 1200, false);
/** One valid packet of every type, to mutate. */
const VALID = [
  writeConnectRequest(PROTOCOL_ID, 0, NONCE),
  writeChallenge(NONCE, COOKIE),
  writeChallengeResponse(PROTOCOL_ID, 0, NONCE, COOKIE, Uint8Array.of(1, 2, 3), () => new Uint8Array(16)),
  writeAccepted(NONCE, 7, (ad, plain) => sealHandshake(KEY, ad, plain)),
  writeDenied(NONCE, 1),
  sealer.seal(0x25, Uint8Array.of(0x40, 0, 0, 0)),
  sealer.seal(0x26, Uint8Array.of(1, 0, 0, 0)),
  sealer.seal(0x27, new Uint8Array(0)),
];

/** The ChallengeResponse a client holding `token` sends. */
function response(nonce: Uint8Array, cookie: Cookie, token: PublicConnectToken): Uint8Array {
  const key = deriveSessionKey(token.clientToServerKey, nonce, cookie);
  return writeChallengeResponse(PROTOCOL_ID, 0, nonce, cookie, token.handshakeToken, (signed) =>
    sealHandshake(key, signed, new Uint8Array(0)),
  );
}

/** Random bytes, and valid packets with flipped bits, truncations and injected garbage. */
const hostile = fc.oneof(
  fc.uint8Array({ maxLength: 1300 }),
  fc.tuple(fc.constantFrom(...VALID), fc.nat(), fc.integer({ min: 0, max: 7 })).map(([p, at, bit]) => {
    const c = p.slice();
    c[at % c.length]! ^= 1 << bit;
    return c;
  }),
  fc.tuple(fc.constantFrom(...VALID), fc.nat()).map(([p, n]) => p.slice(0, n % (p.length + 1))),
  fc
    .tuple(fc.constantFrom(...VALID), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }))
    .map(([p, at, junk]) => {
      const i = at % (p.length + 1);
      const out = new Uint8Array(p.length + junk.length);
      out.set(p.subarray(0, i));
      out.set(junk, i);
      out.set(p.subarray(i), i + junk.length);
      return out;
    }),
);

const parsers = {
  readPacketType,
  readConnectRequest,
  readChallenge,
  readChallengeResponse,
  readAccepted,
  readDenied,
};

describe('connection-layer parsers of untrusted bytes (fast-check)', () => {
  it('never throw and never return views beyond the packet', () => {
    fc.assert(
      fc.property(hostile, (bytes) => {
        for (const parse of Object.values(parsers)) {
          const result = parse(bytes) as unknown;
          if (result && typeof result === 'object') {
            for (const v of Object.values(result))
              if (v instanceof Uint8Array) expect(v.length).toBeLessThanOrEqual(bytes.length);
          }
        }
        const response = readChallengeResponse(bytes);
        if (response) expect(bytes.length).toBe(challengeResponseSize(response.token.length));
      }),
      { numRuns: 6000 },
    );
  });

  it('the server never throws, counts every rejected datagram, and never out-sends an unconnected peer', () => {
    const clock = new ManualClock(1000);
    const fake = fakeTransport();
    const tokens = createTokens(clock);
    const server = new ConnectionServer({
      transport: fake.transport,
      protocolId: PROTOCOL_ID,
      clock,
      secret: SECRET,
      connectTokens: tokens.verifier,
      rateLimit: { packetsPerSecond: Number.POSITIVE_INFINITY, burst: 1e9 },
    });
    // One legitimately connected peer, so connected-path parsing is fuzzed too.
    const friend: PeerAddress = { address: '10.9.9.9', port: 9 };
    fake.deliver(writeConnectRequest(PROTOCOL_ID, 0, NONCE), friend);
    const cookie = new CookieJar(SECRET, PROTOCOL_ID, 10_000).issue(friend, NONCE, clock.now());
    fake.deliver(response(NONCE, cookie, tokens.issue()), friend);
    expect(server.connections.size).toBe(1);
    const stranger: PeerAddress = { address: '10.1.1.1', port: 1 };
    let receivedFromStranger = 0;
    fc.assert(
      fc.property(hostile, fc.boolean(), (bytes, fromFriend) => {
        const dropsBefore = Object.values(server.counters.dropped).reduce((a, b) => a + b, 0);
        const sentBefore = fake.sent.length;
        fake.deliver(bytes, fromFriend ? friend : stranger);
        const dropped = Object.values(server.counters.dropped).reduce((a, b) => a + b, 0) - dropsBefore;
        expect(dropped).toBeLessThanOrEqual(1);
        if (!fromFriend) {
          receivedFromStranger += bytes.length;
          // A stranger's datagram is either dropped and counted, or a well-formed handshake packet.
          if (dropped === 0) expect([0x20, 0x22]).toContain(bytes[0]);
          const sentToStranger = fake.sent
            .filter((s) => s.to.address === stranger.address)
            .reduce((n, s) => n + s.data.length, 0);
          expect(sentToStranger).toBeLessThanOrEqual(receivedFromStranger);
        } else if (fake.sent.length > sentBefore) {
          server.update();
        }
        server.update();
      }),
      { numRuns: 8000 },
    );
  });

  it('the client never throws and counts every rejected datagram, in every state', () => {
    const clock = new ManualClock(0);
    const fake = fakeTransport({ address: '10.0.0.2', port: 50000 });
    const token = createTokens(clock).issue();
    const client = new ConnectionClient({
      transport: fake.transport,
      token,
      clock,
      random: createSeededRandom(1),
    });
    void client.connect().catch(() => {});
    const property = () =>
      fc.property(hostile, (bytes) => {
        const before = Object.values(client.counters.dropped).reduce((a, b) => a + b, 0);
        fake.deliver(bytes, SERVER_ADDRESS);
        const after = Object.values(client.counters.dropped).reduce((a, b) => a + b, 0);
        expect(after - before).toBeLessThanOrEqual(1);
        client.update();
      });
    fc.assert(property(), { numRuns: 3000 });
    // Now connect for real (nonce from the request the client sent) and fuzz the connected state.
    const reconnect = () => {
      if (client.state === 'connected') return;
      if (client.state === 'disconnected' || client.state === 'idle') void client.connect().catch(() => {});
    };
    reconnect();
    const latest = fake.sent.at(-1)!.data.slice(7, 15);
    fake.deliver(writeChallenge(latest, COOKIE), SERVER_ADDRESS);
    const key = deriveSessionKey(token.serverToClientKey, latest, COOKIE);
    fake.deliver(
      writeAccepted(latest, 1, (ad, plain) => sealHandshake(key, ad, plain)),
      SERVER_ADDRESS,
    );
    expect(client.state).toBe('connected');
    fc.assert(property(), { numRuns: 3000 });
  });
});
