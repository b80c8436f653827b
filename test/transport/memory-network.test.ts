import { describe, expect, it } from 'vitest';
import {
  createSeededRandom,
  InvalidOptionError,
  InvalidStateError,
  ManualClock,
} from '../../src/core/index.js';
import type { PeerAddress } from '../../src/transport/datagram-transport.js';
import { PacketTooLargeError } from '../../src/transport/errors.js';
import { MemoryNetwork } from '../../src/transport/memory-network.js';

function setup(seed = 1) {
  const clock = new ManualClock();
  const net = new MemoryNetwork({ clock, random: createSeededRandom(seed) });
  return { clock, net };
}

describe('MemoryNetwork', () => {
  it('delivers datagrams with the sender address, only when pumped at their time', () => {
    const { clock, net } = setup();
    const a = net.createEndpoint('a');
    const b = net.createEndpoint({ address: 'b', port: 9 });
    net.setLink(a.localAddress, b.localAddress, { latencyMs: 30 });
    const got: [number[], PeerAddress][] = [];
    b.onDatagram((data, from) => got.push([[...data], from]));
    const buf = new Uint8Array([1, 2, 3]);
    a.send(buf, b.localAddress);
    buf[0] = 99; // the network copied it
    expect(net.pump()).toBe(0);
    clock.advance(29);
    expect(net.pump()).toBe(0);
    clock.advance(1);
    expect(net.pump()).toBe(1);
    expect(got).toEqual([[[1, 2, 3], { address: 'a', port: 40_000 }]]);
    expect(net.counters).toMatchObject({ sent: 1, delivered: 1 });
  });

  it('links are directed: conditions on a->b do not affect b->a', () => {
    const { net } = setup();
    const a = net.createEndpoint('a');
    const b = net.createEndpoint('b');
    net.setLink(a.localAddress, b.localAddress, { lossRate: 1 });
    let atA = 0;
    let atB = 0;
    a.onDatagram(() => atA++);
    b.onDatagram(() => atB++);
    for (let i = 0; i < 10; i++) {
      a.send(new Uint8Array(1), b.localAddress);
      b.send(new Uint8Array(1), a.localAddress);
    }
    net.pump();
    expect([atA, atB]).toEqual([10, 0]);
    expect(net.counters.droppedByLink).toBe(10);
    expect(net.linkCounters(a.localAddress, b.localAddress).droppedByLoss).toBe(10);
  });

  it('delivers in (arrival time, send order) order and defers datagrams sent during a pump', () => {
    const { clock, net } = setup();
    const a = net.createEndpoint('a');
    const b = net.createEndpoint('b');
    const order: number[] = [];
    b.onDatagram((d, from) => {
      order.push(d[0]!);
      b.send(d, from); // echo with zero latency
    });
    let echoes = 0;
    a.onDatagram(() => echoes++);
    net.setLink(a.localAddress, b.localAddress, { latencyMs: 10 });
    a.send(new Uint8Array([1]), b.localAddress);
    clock.advance(5);
    net.setLink(a.localAddress, b.localAddress, { latencyMs: 0 });
    a.send(new Uint8Array([2]), b.localAddress);
    a.send(new Uint8Array([3]), b.localAddress);
    clock.advance(5);
    expect(net.pump()).toBe(3);
    expect(order).toEqual([2, 3, 1]);
    expect(echoes).toBe(0);
    expect(net.inFlight).toBe(3);
    expect(net.pump()).toBe(3);
    expect(echoes).toBe(3);
  });

  it('throws PacketTooLargeError for oversized sends and counts oversized arrivals', () => {
    const { net } = setup();
    const a = net.createEndpoint('a', { maxDatagramSize: 2000 });
    const b = net.createEndpoint('b');
    let got = 0;
    b.onDatagram(() => got++);
    expect(b.maxDatagramSize).toBe(1200);
    expect(() => b.send(new Uint8Array(1201), a.localAddress)).toThrow(PacketTooLargeError);
    try {
      b.send(new Uint8Array(1201), a.localAddress);
    } catch (err) {
      expect((err as PacketTooLargeError).code).toBe('ERR_PACKET_TOO_LARGE');
    }
    a.send(new Uint8Array(1500), b.localAddress);
    a.send(new Uint8Array(1200), b.localAddress);
    net.pump();
    expect(got).toBe(1);
    expect(net.counters).toMatchObject({ sent: 2, delivered: 1, droppedOversized: 1 });
  });

  it('counts datagrams to unbound or closed endpoints and rejects sends after close', async () => {
    const { net } = setup();
    const a = net.createEndpoint('a');
    const b = net.createEndpoint('b');
    b.onDatagram(() => {});
    a.send(new Uint8Array(1), { address: 'nowhere', port: 1 });
    a.send(new Uint8Array(1), b.localAddress);
    await b.close();
    await b.close();
    net.pump();
    expect(net.counters.droppedNoRoute).toBe(2);
    expect(() => b.send(new Uint8Array(1), a.localAddress)).toThrow(InvalidStateError);
    // the address is free again
    expect(net.createEndpoint(b.localAddress).localAddress).toEqual(b.localAddress);
  });

  it('validates options', () => {
    const clock = new ManualClock();
    const random = createSeededRandom(1);
    expect(() => new MemoryNetwork({ clock, random, defaultConditions: { lossRate: 3 } })).toThrow(
      InvalidOptionError,
    );
    expect(() => new MemoryNetwork({ clock: undefined as never, random })).toThrow(InvalidOptionError);
    const net = new MemoryNetwork({ clock, random });
    net.createEndpoint({ address: 'x', port: 1 });
    expect(() => net.createEndpoint({ address: 'x', port: 1 })).toThrow(InvalidOptionError);
    expect(() => net.createEndpoint({ address: 'y', port: 70_000 })).toThrow(InvalidOptionError);
    expect(() => net.createEndpoint('z', { maxDatagramSize: 0 })).toThrow(InvalidOptionError);
  });

  it('the same seed and calls give the same run; default conditions apply to unset links', () => {
    const run = (seed: number) => {
      const { clock, net } = setup(seed);
      net.setDefaultConditions({ lossRate: 0.25, duplicateRate: 0.25, latencyMs: 250, jitterMs: 100 });
      const a = net.createEndpoint('a');
      const b = net.createEndpoint('b');
      const log: string[] = [];
      b.onDatagram((d) => log.push(`${clock.now()}:${d[0]}`));
      for (let t = 0; t < 1000; t += 10) {
        a.send(new Uint8Array([t % 256]), b.localAddress);
        clock.advance(10);
        net.pump();
      }
      clock.advance(1000);
      net.pump();
      return { log, counters: { ...net.counters } };
    };
    const first = run(5);
    expect(run(5)).toEqual(first);
    expect(run(6)).not.toEqual(first);
    expect(first.counters.droppedByLink).toBeGreaterThan(10);
    expect(first.counters.delivered).toBeGreaterThan(first.counters.sent - first.counters.droppedByLink);
  });
});
