import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock, silentLogger } from '../../src/core/index.js';
import type { PublicConnectToken } from '../../src/transport/connect-token/index.js';
import { ConnectionClient } from '../../src/transport/connection-client.js';
import { CookieJar } from '../../src/transport/connection-cookie.js';
import {
  CHALLENGE_SIZE,
  ConnectionPacketType,
  type Cookie,
  DENIED_SIZE,
  HANDSHAKE_PACKET_SIZE,
  readPacketType,
  writeChallengeResponse,
  writeConnectRequest,
} from '../../src/transport/connection-packets.js';
import { deriveSessionKey, sealHandshake } from '../../src/transport/connection-seal.js';
import { ConnectionServer, type ConnectionServerOptions } from '../../src/transport/connection-server.js';
import { addressKey, type PeerAddress } from '../../src/transport/datagram-transport.js';
import type { DropReason } from '../../src/transport/transport-observer.js';
import { createTokens, createWorld, fakeTransport, PROTOCOL_ID, SECRET } from './connection-harness.js';

/** A server on a fake transport: packets are delivered by hand, replies recorded. */
function bench(options: Partial<ConnectionServerOptions> = {}) {
  const clock = new ManualClock(1000);
  const fake = fakeTransport();
  const drops: DropReason[] = [];
  const tokens = createTokens(clock);
  const server = new ConnectionServer({
    transport: fake.transport,
    protocolId: PROTOCOL_ID,
    clock,
    secret: SECRET,
    connectTokens: tokens.verifier,
    observer: { datagramDropped: (r) => drops.push(r) },
    ...options,
  });
  const sentTo = (peer: PeerAddress) =>
    fake.sent.filter((s) => addressKey(s.to) === addressKey(peer)).reduce((n, s) => n + s.data.length, 0);
  return { clock, fake, server, drops, sentTo, tokens };
}

/** A ChallengeResponse as a client holding `token` sends it; without a token, empty and unproven. */
function response(n: number, cookie: Cookie, token?: PublicConnectToken): Uint8Array {
  if (token === undefined)
    return writeChallengeResponse(
      PROTOCOL_ID,
      0,
      nonce(n),
      cookie,
      new Uint8Array(0),
      () => new Uint8Array(16),
    );
  const key = deriveSessionKey(token.clientToServerKey, nonce(n), cookie);
  return writeChallengeResponse(PROTOCOL_ID, 0, nonce(n), cookie, token.handshakeToken, (signed) =>
    sealHandshake(key, signed, new Uint8Array(0)),
  );
}

/** A sealed-looking KeepAlive nobody sealed. */
const forgedKeepAlive = () => {
  const p = new Uint8Array(29);
  p[0] = 0x26;
  return p;
};

const nonce = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(4, n);
  return b;
};
const request = (n = 1) => writeConnectRequest(PROTOCOL_ID, 0, nonce(n));
const peer = (i: number): PeerAddress => ({
  address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
  port: 1000,
});

describe('anti-amplification', () => {
  it('never sends an unconnected address more bytes than it received (exact counts)', () => {
    const { fake, server, sentTo } = bench();
    const attacker = peer(5);
    for (let i = 0; i < 10; i++) fake.deliver(request(i), attacker);
    expect(sentTo(attacker)).toBe(10 * CHALLENGE_SIZE);
    expect(10 * HANDSHAKE_PACKET_SIZE).toBe(3000);
    expect(server.counters.challengesSent).toBe(10);
    // Responses with forged cookies get nothing at all.
    const forged = response(1, { issuedAt: 1000, mac: new Uint8Array(16) });
    for (let i = 0; i < 10; i++) fake.deliver(forged, attacker);
    expect(sentTo(attacker)).toBe(10 * CHALLENGE_SIZE);
    expect(server.counters.badCookies).toBe(10);
    expect(server.counters.dropped.unauthenticated).toBe(10);
    // Short or oddly sized handshake packets are malformed and never answered.
    fake.deliver(request().subarray(0, 299), attacker);
    fake.deliver(new Uint8Array(301).fill(0x10), attacker);
    expect(server.counters.dropped.malformed).toBe(2);
    expect(sentTo(attacker)).toBe(330);
  });

  it('answers a refused token with a 10-byte Denied, well within the bytes received', () => {
    const { clock, fake, server, sentTo, tokens } = bench();
    const client = peer(7);
    fake.deliver(request(3), client);
    const cookie = new CookieJar(SECRET, PROTOCOL_ID, 10_000).issue(client, nonce(3), clock.now());
    const token = tokens.issue();
    const altered = { ...token, handshakeToken: token.handshakeToken.slice() };
    altered.handshakeToken[500]! ^= 1;
    fake.deliver(response(3, cookie, altered), client);
    expect(sentTo(client)).toBe(CHALLENGE_SIZE + DENIED_SIZE);
    expect(server.counters.tokensRefused.unauthentic).toBe(1);
  });
});

describe('cookies', () => {
  it('rejects an expired cookie and a cookie issued to another address', () => {
    const { clock, fake, server, tokens } = bench({ cookieLifetimeMs: 5000 });
    const jar = new CookieJar(SECRET, PROTOCOL_ID, 5000);
    const a = peer(1);
    const b = peer(2);
    const old = jar.issue(a, nonce(1), clock.now());
    clock.advance(5001);
    const token = tokens.issue();
    fake.deliver(response(1, old, token), a);
    const fresh = jar.issue(a, nonce(1), clock.now());
    fake.deliver(response(1, fresh, token), b);
    fake.deliver(response(2, fresh, token), a);
    expect(server.counters.badCookies).toBe(3);
    expect(server.connections.size).toBe(0);
    fake.deliver(response(1, fresh, token), a);
    expect(server.connections.size).toBe(1);
  });
});

describe('rate limit, block list, bounded state', () => {
  it('drops packets over the per-address token bucket and refills with time', () => {
    const { clock, fake, server, drops } = bench({ rateLimit: { packetsPerSecond: 100, burst: 20 } });
    const a = peer(1);
    for (let i = 0; i < 50; i++) fake.deliver(request(i), a);
    expect(server.counters.challengesSent).toBe(20);
    expect(server.counters.dropped.rate_limited).toBe(30);
    expect(drops.filter((d) => d === 'rate_limited')).toHaveLength(30);
    clock.advance(100); // 10 tokens
    for (let i = 0; i < 50; i++) fake.deliver(request(i), a);
    expect(server.counters.challengesSent).toBe(30);
    // Another address has its own bucket.
    fake.deliver(request(), peer(2));
    expect(server.counters.challengesSent).toBe(31);
  });

  it('rate-limits a connected client too', () => {
    // A refill rate too slow to matter here, so the count is exact: a fresh bucket of 20 per connection.
    const world = createWorld({ rateLimit: { packetsPerSecond: 0.001, burst: 20 } });
    const client = world.client();
    void client.connect();
    world.run(() => client.state === 'connected');
    const t = world.clientTransports.get(client)!;
    for (let i = 0; i < 50; i++) t.send(forgedKeepAlive(), world.serverTransport.localAddress);
    world.network.pump();
    expect(world.server.counters.dropped.rate_limited).toBe(30);
    expect(world.server.counters.dropped.unauthenticated).toBe(20);
  });

  it('drops blocked addresses and subnets, including IPv4-mapped IPv6, editable at run time', () => {
    const blockList = new BlockList();
    blockList.addSubnet('192.168.0.0', 16);
    blockList.addAddress('2001:db8::1', 'ipv6');
    const { fake, server, drops } = bench({ blockList });
    fake.deliver(request(), { address: '192.168.4.5', port: 1 });
    fake.deliver(request(), { address: '::ffff:192.168.4.5', port: 1 });
    fake.deliver(request(), { address: '2001:db8::1', port: 1 });
    fake.deliver(request(), { address: '10.0.0.1', port: 1 });
    expect(server.counters.dropped.blocked).toBe(3);
    expect(drops).toEqual(['blocked', 'blocked', 'blocked']);
    expect(server.counters.challengesSent).toBe(1);
    blockList.addAddress('10.0.0.1');
    fake.deliver(request(), { address: '10.0.0.1', port: 1 });
    expect(server.counters.dropped.blocked).toBe(4);
  });

  it('bounds per-address state under a spoofed-source flood', () => {
    const { fake, server } = bench({ maxTrackedAddresses: 100 });
    for (let i = 0; i < 10_000; i++) fake.deliver(request(i), peer(i));
    expect(server.trackedAddresses).toBe(100);
    expect(server.counters.addressEvictions).toBe(9900);
    expect({ ...server.counters }.addressEvictions).toBe(9900); // a snapshot copies the derived value
    expect(server.counters.challengesSent).toBe(10_000);
    // Non-handshake packets from strangers create no state at all.
    for (let i = 0; i < 1000; i++) fake.deliver(forgedKeepAlive(), peer(20_000 + i));
    expect(server.counters.dropped.unauthenticated).toBe(1000);
    expect(server.trackedAddresses).toBe(100);
  });

  it('counts garbage as malformed and a foreign protocol id as malformed', () => {
    const { fake, server } = bench();
    fake.deliver(new Uint8Array(0), peer(1));
    fake.deliver(Uint8Array.of(0xff, 1, 2), peer(1));
    fake.deliver(writeConnectRequest(PROTOCOL_ID + 1, 0, nonce(1)), peer(1));
    expect(server.counters.dropped.malformed).toBe(3);
    expect(server.trackedAddresses).toBe(0);
    expect(fake.sent).toHaveLength(0);
  });
});

describe('completing a handshake', () => {
  const jar = new CookieJar(SECRET, PROTOCOL_ID, 10_000);
  const handshake = (b: ReturnType<typeof bench>, i: number): void => {
    b.fake.deliver(request(i), peer(i));
    const cookie = jar.issue(peer(i), nonce(i), b.clock.now());
    b.fake.deliver(response(i, cookie, b.tokens.issue()), peer(i));
  };
  const typesSentTo = (b: ReturnType<typeof bench>, to: PeerAddress) =>
    b.fake.sent.filter((s) => addressKey(s.to) === addressKey(to)).map((s) => readPacketType(s.data));
  const recordingLogger = () => {
    const errors: string[] = [];
    return {
      errors,
      logger: { ...silentLogger, error: (_obj: object, msg?: string) => void errors.push(msg ?? '') },
    };
  };

  it('validates the channel options in the constructor, naming the option', () => {
    const fake = fakeTransport();
    const base = {
      transport: fake.transport,
      protocolId: PROTOCOL_ID,
      connectTokens: createTokens(new ManualClock(0)).verifier,
    };
    expect(() => new ConnectionServer({ ...base, channel: { windowSize: 0 } })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION', option: 'channel.windowSize' }),
    );
    expect(
      () => new ConnectionServer({ ...base, channel: 7 as unknown as ConnectionServerOptions['channel'] }),
    ).toThrow(expect.objectContaining({ option: 'channel' }));
    expect(() => new ConnectionServer({ ...base, channel: { packetBufferSize: 33 } })).toThrow(
      InvalidOptionError,
    );
    expect(
      () =>
        new ConnectionClient({
          transport: fakeTransport(peer(1)).transport,
          token: createTokens(new ManualClock(0)).issue(),
          random: createSeededRandom(1),
          channel: { maxRetries: -1 },
        }),
    ).toThrow(expect.objectContaining({ option: 'channel.maxRetries' }));
  });

  it('contains a throwing connect listener: logged, counted, disconnected', () => {
    const { errors, logger } = recordingLogger();
    const b = bench({ logger });
    b.server.on('connect', () => {
      throw new Error('listener bug');
    });
    expect(() => handshake(b, 1)).not.toThrow();
    expect(b.server.counters.handshakeErrors).toBe(1);
    expect(errors).toEqual(['completing a handshake failed; dropping the client']);
    expect(b.server.counters.accepted).toBe(1);
    expect(b.server.counters.disconnects.local).toBe(1);
    expect(b.server.connections.size).toBe(0);
    const { Challenge, Accepted, Disconnect } = ConnectionPacketType;
    expect(typesSentTo(b, peer(1))).toEqual([Challenge, Accepted, Disconnect, Disconnect, Disconnect]);
    // The server keeps serving.
    b.server.removeAllListeners('connect');
    handshake(b, 2);
    expect(b.server.connections.size).toBe(1);
  });

  it('refuses, logs and survives a verifier that throws', () => {
    const { errors, logger } = recordingLogger();
    const b = bench({
      logger,
      connectTokens: {
        verify: () => {
          throw new Error('verifier bug');
        },
      },
    });
    expect(() => handshake(b, 1)).not.toThrow();
    expect(b.server.counters.tokensRefused.malformed).toBe(1);
    expect(errors).toEqual(['connect token verifier threw; refusing the token']);
    expect(typesSentTo(b, peer(1))).toEqual([ConnectionPacketType.Challenge, ConnectionPacketType.Denied]);
  });

  it('lets one token complete at most 16 handshakes from its address (reconnects), then refuses it', () => {
    const b = bench();
    const token = b.tokens.issue();
    const from = peer(1);
    for (let i = 1; i <= 17; i++) {
      b.fake.deliver(request(i), from);
      b.fake.deliver(response(i, jar.issue(from, nonce(i), b.clock.now()), token), from);
    }
    expect(b.server.counters.accepted).toBe(16);
    expect(b.server.counters.disconnects.replaced).toBe(15);
    expect(b.server.counters.tokensRefused.token_in_use).toBe(1);
    expect(b.server.connections.size).toBe(1);
  });
});
