import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, InvalidStateError } from '../../src/core/index.js';
import type { PeerAddress } from '../../src/transport/datagram-transport.js';
import { PacketTooLargeError } from '../../src/transport/errors.js';
import type { DropReason } from '../../src/transport/transport-observer.js';
import { UdpTransport } from '../../src/transport/udp-transport.js';

const open: UdpTransport[] = [];
async function bind(options: Parameters<typeof UdpTransport.bind>[0]): Promise<UdpTransport> {
  const t = await UdpTransport.bind(options);
  open.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((t) => t.close()));
});

/** Resolves with the next `n` datagrams received by `t`. */
function receive(t: UdpTransport, n: number): Promise<{ data: Uint8Array; from: PeerAddress }[]> {
  return new Promise((resolve) => {
    const got: { data: Uint8Array; from: PeerAddress }[] = [];
    t.onDatagram((data, from) => {
      got.push({ data, from });
      if (got.length === n) resolve(got);
    });
  });
}

describe.each([
  ['IPv4', '127.0.0.1'],
  ['IPv6', '::1'],
] as const)('UdpTransport over %s loopback', (_family, host) => {
  it('binds an ephemeral port and exchanges datagrams with the sender address', async () => {
    const a = await bind({ host });
    const b = await bind({ host });
    expect(a.localAddress.address).toBe(host);
    expect(a.localAddress.port).toBeGreaterThan(0);
    const received = receive(b, 2);
    a.send(new Uint8Array([1, 2, 3]), b.localAddress);
    a.send(new Uint8Array(1200).fill(7), b.localAddress);
    const got = await received;
    const sizes = got.map((g) => g.data.byteLength).sort((x, y) => x - y);
    expect(sizes).toEqual([3, 1200]);
    for (const g of got) expect(g.from).toEqual(a.localAddress);
    expect(a.counters.datagramsSent).toBe(2);
    expect(a.counters.bytesSent).toBe(1203);
    expect(b.counters.datagramsReceived).toBe(2);
    expect(b.counters.bytesReceived).toBe(1203);
  });

  it('never sends a datagram over the maximum and drops and counts oversized arrivals', async () => {
    const drops: DropReason[] = [];
    const small = await bind({
      host,
      maxDatagramSize: 100,
      observer: { datagramDropped: (r) => drops.push(r) },
    });
    const big = await bind({ host, maxDatagramSize: 1200 });
    let err: unknown;
    try {
      small.send(new Uint8Array(101), big.localAddress);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PacketTooLargeError);
    expect((err as PacketTooLargeError).code).toBe('ERR_PACKET_TOO_LARGE');
    expect(small.counters.datagramsSent).toBe(0);

    const received = receive(small, 1);
    big.send(new Uint8Array(101), small.localAddress); // over the receiver's maximum: dropped
    big.send(new Uint8Array(100), small.localAddress); // exactly the maximum: accepted
    const [only] = await received;
    expect(only!.data.byteLength).toBe(100);
    // Datagrams from one sender on loopback arrive in order, so the oversized one came first.
    expect(small.counters.droppedOversized).toBe(1);
    expect(small.counters.datagramsReceived).toBe(1);
    expect(drops).toEqual(['oversized']);
  });
});

describe('UdpTransport', () => {
  it('validates options with typed errors naming the option', async () => {
    await expect(UdpTransport.bind({ maxDatagramSize: 0 })).rejects.toMatchObject({
      option: 'maxDatagramSize',
    });
    await expect(UdpTransport.bind({ maxDatagramSize: 70_000 })).rejects.toBeInstanceOf(InvalidOptionError);
    await expect(UdpTransport.bind({ port: 70_000 })).rejects.toMatchObject({ option: 'port' });
    await expect(UdpTransport.bind({ host: 'localhost' })).rejects.toMatchObject({ option: 'host' });
    await expect(UdpTransport.bind({ host: '::1', type: 'udp4' })).rejects.toMatchObject({ option: 'host' });
  });

  it('rejects binding a port in use with the socket error', async () => {
    const a = await bind({ host: '127.0.0.1' });
    await expect(UdpTransport.bind({ host: '127.0.0.1', port: a.localAddress.port })).rejects.toMatchObject({
      code: 'EADDRINUSE',
    });
  });

  it('close is idempotent and send after close is a typed error', async () => {
    const a = await bind({ host: '127.0.0.1' });
    const first = a.close();
    expect(a.close()).toBe(first);
    await first;
    expect(() => a.send(new Uint8Array(1), { address: '127.0.0.1', port: 9 })).toThrow(InvalidStateError);
  });

  it('reports socket errors as events and keeps running', async () => {
    const a = await bind({ host: '127.0.0.1' });
    const b = await bind({ host: '127.0.0.1' });
    const errored = once(a, 'error');
    a.send(new Uint8Array(1), { address: '::1', port: 9 }); // IPv6 destination on an IPv4 socket
    const [err] = (await errored) as [Error];
    expect(err).toBeInstanceOf(Error);
    expect(a.counters.socketErrors).toBe(1);
    const received = receive(b, 1);
    a.send(new Uint8Array([42]), b.localAddress);
    expect([...(await received)[0]!.data]).toEqual([42]);
  });

  it('logs socket errors when nobody listens instead of crashing', async () => {
    let onLogged: (o: object) => void = () => {};
    const logged = new Promise<object>((resolve) => {
      onLogged = resolve;
    });
    const logger = { debug() {}, info() {}, warn() {}, error: (o: object) => onLogged(o) };
    const a = await bind({ host: '127.0.0.1', logger });
    a.send(new Uint8Array(1), { address: '::1', port: 9 });
    expect(await logged).toMatchObject({ err: { code: 'EINVAL' } });
    expect(a.counters.socketErrors).toBe(1);
  });

  it('reports a throwing handler as an error event', async () => {
    const a = await bind({ host: '127.0.0.1' });
    const b = await bind({ host: '127.0.0.1' });
    b.onDatagram(() => {
      throw new Error('boom');
    });
    const errored = once(b, 'error');
    a.send(new Uint8Array(1), b.localAddress);
    const [err] = (await errored) as [Error];
    expect(err.message).toBe('boom');
  });
});
