import { afterEach, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/index.js';
import type { Connection } from '../../src/transport/connection.js';
import { ConnectionClient } from '../../src/transport/connection-client.js';
import { ConnectionServer } from '../../src/transport/connection-server.js';
import { addressKey } from '../../src/transport/datagram-transport.js';
import { LossyUdpProxy } from '../../src/transport/lossy-udp-proxy.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';
import { checkPayload, createTokens, epochClock, PROTOCOL_ID, payloadFor } from './connection-harness.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Streams `count` self-checking reliable messages, topping up the send queue as it drains. */
function stream(connection: Connection, sizes: number[]): () => void {
  let next = 0;
  return () => {
    while (next < sizes.length && connection.connected && connection.channel.sendQueueFree('reliable') > 0) {
      connection.send(payloadFor(next, sizes[next]!));
      next++;
    }
  };
}

/** Resolves when `count` messages arrived, each exactly once and in order; rejects on the first bad one. */
function expectInOrder(connection: Connection, sizes: number[]): Promise<void> {
  return new Promise((resolve, reject) => {
    let expected = 0;
    connection.on('message', (payload, kind) => {
      const index = checkPayload(payload, sizes[expected] ?? -1);
      if (kind !== 'reliable' || index !== expected) {
        reject(new Error(`message ${expected}: got index ${index} (${payload.length} bytes, ${kind})`));
        return;
      }
      if (++expected === sizes.length) resolve();
    });
    connection.on('disconnect', (reason) => reject(new Error(`disconnected (${reason}) after ${expected}`)));
  });
}

describe('connection layer end to end over real sockets through LossyUdpProxy', () => {
  it('delivers thousands of random-size messages exactly once, in order, at 20% loss', async () => {
    const random = createSeededRandom(2026);
    const sizes = (n: number) =>
      Array.from({ length: n }, () =>
        random.next() < 0.1 ? 1200 + Math.floor(random.next() * 3000) : 4 + Math.floor(random.next() * 400),
      );
    const upSizes = sizes(2500);
    const downSizes = sizes(1000);
    expect(upSizes.filter((s) => s > 1200).length).toBeGreaterThan(200); // fragmented ones

    const serverTransport = await UdpTransport.bind({ host: '127.0.0.1' });
    cleanups.push(() => serverTransport.close());
    const conditions = { lossRate: 0.2, latencyMs: 4, jitterMs: 3, duplicateRate: 0.05 };
    const proxy = await LossyUdpProxy.start({
      target: serverTransport.localAddress,
      random: createSeededRandom(7),
      conditions: { upstream: conditions, downstream: conditions },
    });
    cleanups.push(() => proxy.close());
    const tokens = createTokens(epochClock, {}, addressKey(serverTransport.localAddress));
    const server = new ConnectionServer({
      transport: serverTransport,
      protocolId: PROTOCOL_ID,
      connectTokens: tokens.verifier,
      rateLimit: { packetsPerSecond: 20_000, burst: 5_000 },
    });
    cleanups.push(() => server.close());
    const clientTransport = await UdpTransport.bind({ host: '127.0.0.1' });
    cleanups.push(() => clientTransport.close());
    const client = new ConnectionClient({
      transport: clientTransport,
      token: tokens.issue(),
      server: proxy.address,
      random: createSeededRandom(3),
      connectTimeoutMs: 10_000,
    });
    cleanups.push(() => client.close());

    const serverSide = new Promise<Connection>((resolve) => server.once('connect', resolve));
    server.start(2);
    client.start(2);
    const clientConnection = await client.connect();
    const serverConnection = await serverSide;

    const upDone = expectInOrder(serverConnection, upSizes);
    const downDone = expectInOrder(clientConnection, downSizes);
    const feedUp = stream(clientConnection, upSizes);
    const feedDown = stream(serverConnection, downSizes);
    const feeder = setInterval(() => {
      feedUp();
      feedDown();
    }, 2);
    cleanups.push(() => clearInterval(feeder));
    await Promise.all([upDone, downDone]);

    const up = proxy.counters.upstream;
    const down = proxy.counters.downstream;
    const lossUp = up.dropped / up.received;
    const lossDown = down.dropped / down.received;
    expect(lossUp).toBeGreaterThan(0.15);
    expect(lossUp).toBeLessThan(0.25);
    expect(lossDown).toBeGreaterThan(0.15);
    expect(lossDown).toBeLessThan(0.25);
    expect(up.duplicated).toBeGreaterThan(0);
    expect(proxy.counters.clients).toBe(1);
    expect(server.connections.size).toBe(1);
    expect(server.counters.accepted).toBe(1);
    // The proxy's duplicates are stopped by the replay window, before the channel.
    const { replayed, ...rest } = server.counters.dropped;
    expect(rest).toEqual({ oversized: 0, malformed: 0, rate_limited: 0, blocked: 0, unauthenticated: 0 });
    expect(replayed).toBeGreaterThan(0);
    expect(client.counters.dropped.replayed).toBeGreaterThan(0);
    expect(client.counters.dropped.unauthenticated).toBe(0);
    expect(serverTransport.counters.droppedOversized).toBe(0);
    const cc = clientConnection.channel.counters;
    expect(cc.retries).toBeGreaterThan(0);
    expect(serverConnection.channel.packetLoss).toBeGreaterThan(0.05);
  });
});

describe('connection layer over IPv6 loopback', () => {
  it('connects and exchanges messages on ::1', async () => {
    const serverTransport = await UdpTransport.bind({ host: '::1' });
    cleanups.push(() => serverTransport.close());
    const clientTransport = await UdpTransport.bind({ host: '::1' });
    cleanups.push(() => clientTransport.close());
    const tokens = createTokens(epochClock, {}, addressKey(serverTransport.localAddress));
    const server = new ConnectionServer({
      transport: serverTransport,
      protocolId: PROTOCOL_ID,
      connectTokens: tokens.verifier,
    });
    cleanups.push(() => server.close());
    server.on('connect', (c) => c.on('message', (payload) => c.send(payload)));
    const client = new ConnectionClient({
      transport: clientTransport,
      token: tokens.issue(), // dials the token's "[::1]:port"
      random: createSeededRandom(4),
    });
    cleanups.push(() => client.close());
    server.start(2);
    client.start(2);
    const connection = await client.connect();
    expect(connection.peer).toEqual({ address: '::1', port: serverTransport.localAddress.port });
    const sizes = Array.from({ length: 50 }, (_, i) => 4 + i * 50);
    const done = expectInOrder(connection, sizes);
    for (const [i, size] of sizes.entries()) connection.send(payloadFor(i, size));
    await done;
    expect([...server.connections.values()][0]!.peer.address).toBe('::1');
  });
});
