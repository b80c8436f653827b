import { afterEach, describe, expect, it } from 'vitest';
import { createSeededRandom, InvalidOptionError, ManualClock } from '../../src/core/index.js';
import { addressKey, type PeerAddress } from '../../src/transport/datagram-transport.js';
import { LinkConditioner, type LinkConditions } from '../../src/transport/link-conditioner.js';
import {
  LossyUdpProxy,
  type LossyUdpProxyOptions,
  type ProxyConditions,
} from '../../src/transport/lossy-udp-proxy.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';
import { manualTimers } from './manual-timers.js';

const closers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()));
});

async function udp(host = '127.0.0.1'): Promise<UdpTransport> {
  const t = await UdpTransport.bind({ host });
  closers.push(t);
  return t;
}
async function proxy(options: LossyUdpProxyOptions): Promise<LossyUdpProxy> {
  const p = await LossyUdpProxy.start(options);
  closers.push(p);
  return p;
}

/** Collects datagrams received by `t`; `until(n)` resolves once `n` have arrived in total. */
function collect(t: UdpTransport) {
  const got: { data: Uint8Array; from: PeerAddress }[] = [];
  let waiter: { n: number; resolve: () => void } | undefined;
  t.onDatagram((data, from) => {
    got.push({ data, from });
    if (waiter && got.length >= waiter.n) waiter.resolve();
  });
  return {
    got,
    until: (n: number) =>
      new Promise<void>((resolve) => {
        if (got.length >= n) resolve();
        else waiter = { n, resolve };
      }),
  };
}

const datagram = (i: number, size = 8) => {
  const d = new Uint8Array(size);
  new DataView(d.buffer).setUint32(0, i);
  return d;
};
const indexOf = (d: Uint8Array) => new DataView(d.buffer, d.byteOffset, d.byteLength).getUint32(0);

/** Polls `condition` once per event-loop turn (no wall-clock sleeps). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** How many of `n` datagrams a conditioner with this seed drops: the proxy must match exactly. */
function expectedDrops(seed: number, conditions: LinkConditions, n: number): number {
  const link = new LinkConditioner({ random: createSeededRandom(seed), conditions });
  for (let i = 0; i < n; i++) link.submit(datagram(i), 0);
  return link.counters.droppedByLoss + link.counters.droppedByBandwidth;
}

describe('LossyUdpProxy', { timeout: 15_000 }, () => {
  it('relays both ways on a perfect link, one upstream socket per client', async () => {
    const server = await udp();
    const p = await proxy({ target: server.localAddress, random: createSeededRandom(1) });
    const peers = new Set<string>();
    server.onDatagram((data, from) => {
      peers.add(addressKey(from));
      server.send(data, from); // echo
    });
    const a = await udp();
    const b = await udp();
    const fromA = collect(a);
    const fromB = collect(b);
    for (let i = 0; i < 50; i++) {
      a.send(datagram(i), p.address);
      b.send(datagram(1000 + i), p.address);
    }
    await Promise.all([fromA.until(50), fromB.until(50)]);
    expect(fromA.got.map((g) => indexOf(g.data))).toEqual([...Array(50).keys()]);
    expect(fromB.got.map((g) => indexOf(g.data))).toEqual([...Array(50).keys()].map((i) => 1000 + i));
    for (const g of [...fromA.got, ...fromB.got]) expect(g.from).toEqual(p.address);
    expect(peers.size).toBe(2);
    expect(peers.has(addressKey(a.localAddress))).toBe(false);
    expect(p.counters.clients).toBe(2);
    expect(p.counters.upstream).toEqual({
      received: 100,
      forwarded: 100,
      bytesForwarded: 800,
      dropped: 0,
      duplicated: 0,
    });
    expect(p.counters.downstream).toEqual({
      received: 100,
      forwarded: 100,
      bytesForwarded: 800,
      dropped: 0,
      duplicated: 0,
    });
  });

  it('drops exactly what the seeded link conditioner drops', async () => {
    const conditions = { lossRate: 0.2 };
    const drops = expectedDrops(7, conditions, 1000);
    expect(drops).toBeGreaterThan(150);
    expect(drops).toBeLessThan(250);
    const server = await udp();
    const got = collect(server);
    const p = await proxy({
      target: server.localAddress,
      random: createSeededRandom(7),
      conditions: { upstream: conditions },
    });
    const client = await udp();
    // Paced in bursts of 50 so the kernel's socket buffers never overflow (that loss is not the proxy's).
    for (let i = 0; i < 1000; i++) {
      client.send(datagram(i), p.address);
      if (i % 50 === 49) await until(() => p.counters.upstream.received === i + 1);
    }
    await got.until(1000 - drops);
    expect(p.counters.upstream.dropped).toBe(drops);
    expect(p.counters.upstream.forwarded).toBe(1000 - drops);
    // In order (no latency), with gaps where datagrams were lost.
    const order = got.got.map((g) => indexOf(g.data));
    expect(order).toEqual([...order].sort((x, y) => x - y));
  });

  it('duplicates, and setConditions applies at run time', async () => {
    const server = await udp();
    const got = collect(server);
    const p = await proxy({
      target: server.localAddress,
      random: createSeededRandom(3),
      conditions: { upstream: { duplicateRate: 1 } },
    });
    const client = await udp();
    for (let i = 0; i < 10; i++) client.send(datagram(i), p.address);
    await got.until(20);
    expect(p.counters.upstream.duplicated).toBe(10);
    // Cut the link, send, then heal it and send a marker: only the marker gets through.
    p.setConditions({ upstream: { lossRate: 1 } });
    const before = p.counters.upstream.received;
    for (let i = 100; i < 110; i++) client.send(datagram(i), p.address);
    await until(() => p.counters.upstream.received === before + 10);
    p.setConditions({ upstream: {} });
    client.send(datagram(999), p.address);
    await got.until(21);
    expect(got.got.slice(20).map((g) => indexOf(g.data))).toEqual([999]);
    expect(p.counters.upstream.dropped).toBe(10);
    expect(() => p.setConditions({ downstream: { lossRate: 2 } })).toThrow(InvalidOptionError);
    expect(() => p.setConditions(null as unknown as ProxyConditions)).toThrow(InvalidOptionError);
  });

  it('delays and reorders with latency and jitter', async () => {
    const server = await udp();
    const got = collect(server);
    const p = await proxy({
      target: server.localAddress,
      random: createSeededRandom(5),
      conditions: { upstream: { latencyMs: 20, jitterMs: 15 } },
    });
    const client = await udp();
    for (let i = 0; i < 200; i++) client.send(datagram(i), p.address);
    await got.until(200);
    const order = got.got.map((g) => indexOf(g.data));
    expect([...order].sort((x, y) => x - y)).toEqual([...Array(200).keys()]);
    expect(order).not.toEqual([...Array(200).keys()]);
    expect(p.pendingDeliveries).toBe(0);
  });

  it('caps bandwidth with a bounded queue, released by injected timers as the clock advances', async () => {
    const clock = new ManualClock(0);
    const t = manualTimers(clock);
    const server = await udp();
    const got = collect(server);
    const p = await proxy({
      target: server.localAddress,
      random: createSeededRandom(9),
      clock,
      timers: t.timers,
      conditions: { upstream: { bandwidthBytesPerSecond: 10_000, maxQueuedBytes: 1000 } },
    });
    const client = await udp();
    for (let i = 0; i < 20; i++) client.send(datagram(i, 100), p.address);
    await until(() => p.counters.upstream.received === 20);
    // 10 datagrams of 100 bytes fill the 1000-byte queue; time stands still, so the rest are dropped.
    expect(p.counters.upstream.dropped).toBe(10);
    expect(p.pendingDeliveries).toBe(10);
    expect(got.got.length).toBe(0);
    // The idle sweep (30 s default) and one timer for the earliest delivery; none re-armed while
    // time stands still.
    expect(t.armed).toEqual([30_000, 10]);
    t.advance(50); // 10 kB/s: five datagrams are serialized by then
    await got.until(5);
    expect(p.pendingDeliveries).toBe(5);
    expect(t.pending).toBe(2);
    t.advance(50);
    await got.until(10);
    expect(got.got.map((g) => indexOf(g.data))).toEqual([...Array(10).keys()]);
    // One timer per delivery (each 10 ms after the previous), then only the idle sweep is left.
    expect(t.armed).toEqual([30_000, ...Array(10).fill(10)]);
    expect(t.pending).toBe(1);
  });

  it('limits the number of clients and counts the rest', async () => {
    const server = await udp();
    const got = collect(server);
    const p = await proxy({ target: server.localAddress, random: createSeededRandom(1), maxClients: 1 });
    const a = await udp();
    const b = await udp();
    a.send(datagram(1), p.address);
    await got.until(1);
    b.send(datagram(2), p.address);
    await until(() => p.counters.droppedClientLimit === 1);
    a.send(datagram(3), p.address);
    await got.until(2);
    expect(got.got.map((g) => indexOf(g.data))).toEqual([1, 3]);
    expect(p.counters.clients).toBe(1);
  });

  it('forgets idle clients on the injected clock, closing their sockets, so new clients get in', async () => {
    const clock = new ManualClock(0);
    const t = manualTimers(clock);
    const server = await udp();
    const got = collect(server);
    const p = await proxy({
      target: server.localAddress,
      random: createSeededRandom(1),
      clock,
      timers: t.timers,
      maxClients: 1,
      clientIdleTimeoutMs: 1000,
    });
    const a = await udp();
    const b = await udp();
    a.send(datagram(1), p.address);
    await got.until(1);
    const firstUpstream = got.got[0]!.from;
    t.advance(999);
    b.send(datagram(2), p.address);
    await until(() => p.counters.droppedClientLimit === 1);
    expect(p.activeClients).toBe(1);
    // Target -> client traffic keeps the client alive too.
    server.send(datagram(3), firstUpstream);
    await until(() => p.counters.downstream.forwarded === 1);
    t.advance(999);
    expect(p.counters.clientsEvicted).toBe(0);
    t.advance(1);
    expect(p.counters.clientsEvicted).toBe(1);
    expect(p.activeClients).toBe(0);
    expect(t.pending).toBe(0); // no sweep armed without clients
    // The evicted client's upstream socket is closed: the target's datagrams to it go nowhere.
    server.send(datagram(4), firstUpstream);
    b.send(datagram(5), p.address);
    await got.until(2);
    expect(indexOf(got.got[1]!.data)).toBe(5);
    expect(p.counters.clients).toBe(2);
    expect(p.counters.downstream.received).toBe(1);
    // A returning client gets a fresh upstream socket once b has gone idle.
    t.advance(1000);
    expect(p.counters.clientsEvicted).toBe(2);
    a.send(datagram(6), p.address);
    await got.until(3);
    expect(got.got[2]!.from.port).not.toBe(firstUpstream.port);
    expect(p.counters).toMatchObject({ clients: 3, clientsEvicted: 2, droppedClientLimit: 1 });
  });

  it('works over IPv6 loopback', async () => {
    const server = await udp('::1');
    server.onDatagram((data, from) => server.send(data, from));
    const p = await proxy({
      listen: { host: '::1' },
      target: server.localAddress,
      random: createSeededRandom(1),
    });
    const client = await udp('::1');
    const got = collect(client);
    client.send(datagram(77), p.address);
    await got.until(1);
    expect(indexOf(got.got[0]!.data)).toBe(77);
  });

  it('validates options and closes idempotently', async () => {
    const random = createSeededRandom(1);
    const target = { address: '127.0.0.1', port: 9 };
    await expect(LossyUdpProxy.start({ target: { address: 'x', port: 9 }, random })).rejects.toMatchObject({
      option: 'target',
    });
    await expect(LossyUdpProxy.start({ target, random, maxClients: 0 })).rejects.toMatchObject({
      option: 'maxClients',
    });
    await expect(
      LossyUdpProxy.start({ target, random, timers: {} as unknown as LossyUdpProxyOptions['timers'] }),
    ).rejects.toMatchObject({ option: 'timers' });
    await expect(LossyUdpProxy.start({ target, random, clientIdleTimeoutMs: 0 })).rejects.toMatchObject({
      option: 'clientIdleTimeoutMs',
    });
    await expect(
      LossyUdpProxy.start({ target, random, conditions: { upstream: { lossRate: -1 } } }),
    ).rejects.toMatchObject({ option: 'lossRate' });
    const p = await LossyUdpProxy.start({ target, random });
    const first = p.close();
    expect(p.close()).toBe(first);
    await first;
  });
});
