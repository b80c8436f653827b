import { describe, expect, it } from 'vitest';
import { InvalidOptionError, ManualClock } from '../../src/core/index.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';
import { createWire, header } from './wire-harness.js';

describe('ReliableUdpChannel buffers: headroom, packet views, adopted packets', () => {
  it('leaves `headroom` bytes in front of every packet, outside maxPacketSize and the counters', () => {
    const clock = new ManualClock();
    const sent: Uint8Array[] = [];
    const a = new ReliableUdpChannel({ clock, send: (p) => sent.push(p), headroom: 3, maxPacketSize: 100 });
    a.send(new Uint8Array(100 - 9 - 4).fill(1), 'unreliable'); // the largest unreliable message
    a.send(new Uint8Array(10).fill(2)); // entry of 13 bytes: no longer fits the first packet
    a.update();
    // headroom + 3-byte header + entries (1 + 1-byte length + 87, then 1 + 2-byte id + 10)
    expect(sent.map((p) => p.length)).toEqual([3 + 3 + 89, 3 + 3 + 13]);
    expect(a.counters.bytesSent).toBe(3 + 89 + 3 + 13);
    expect(a.counters.headerBytesSent).toBe(3 + 3);
    expect(sent.map((p) => header(p.subarray(3)).sequence)).toEqual([0, 1]);
    // The headroom is zeroed (slab memory is not), and packets are distinct views: filling one's
    // headroom touches no other packet.
    expect(sent.map((p) => [...p.subarray(0, 3)])).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    for (const p of sent) p.fill(0xee, 0, 3);
    expect(header(sent[0]!.subarray(3)).sequence).toBe(0);
    expect([...sent[1]!.subarray(3 + 3 + 3)]).toEqual(Array.from({ length: 10 }, () => 2));
    expect(() => new ReliableUdpChannel({ clock, send: () => {}, headroom: 65 })).toThrow(InvalidOptionError);
  });

  it('delivers every message of a packet that continues the in-order run without copying it apart', () => {
    for (const adopt of [false, true]) {
      const { a, b, toB, take } = createWire({ adoptReceivedPackets: adopt });
      const seen: Uint8Array[] = [];
      b.on('message', (p) => seen.push(p));
      const batch = (...ids: number[]) => {
        for (const id of ids) a.send(new Uint8Array(100).fill(id));
        a.update();
        return take(toB)[0]!;
      };
      const first = batch(0, 1, 2);
      const second = batch(3, 4);
      const third = batch(5, 6);
      b.receive(second); // 3 and 4 wait for 0..2: held apart, in arrays of their own
      b.receive(first); // 0..2 complete the run, and 3 and 4 follow
      b.receive(third); // 5 and 6 continue it
      expect(seen.map((p) => p[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
      const held = seen.slice(3, 5);
      for (const p of held) expect(p.byteLength).toBe(p.buffer.byteLength);
      const [run1, run2] = [seen.slice(0, 3), seen.slice(5)];
      if (adopt) {
        expect(run1.map((p) => p.buffer === first.buffer)).toEqual([true, true, true]);
        expect(run2.map((p) => p.buffer === third.buffer)).toEqual([true, true]);
      } else {
        // Copies carved from one shared slab, not one ArrayBuffer per message.
        expect(new Set([...run1, ...run2].map((p) => p.buffer)).size).toBe(1);
      }
    }
  });

  it('keeps what a throwing listener left undelivered as copies of its own, and delivers it next', () => {
    for (const adopt of [false, true]) {
      for (const throwOn of ['unreliable', 'reliable'] as const) {
        const { a, b, toB, take } = createWire({ adoptReceivedPackets: adopt });
        const seen: number[] = [];
        let thrown = false;
        b.on('message', (p, kind) => {
          if (kind === throwOn && !thrown) {
            thrown = true;
            throw new Error('listener failed');
          }
          seen.push(p[0]!);
        });
        a.send(new Uint8Array(100).fill(9), 'unreliable');
        for (const id of [0, 1, 2]) a.send(new Uint8Array(100).fill(id));
        a.update();
        const [packet] = take(toB);
        expect(() => b.receive(packet!)).toThrow('listener failed');
        const usage = b.bufferUsage();
        // Messages 0-2 (or 1-2 when the first reliable delivery threw) wait in the ring.
        expect(usage.receiveBufferedBytes).toBe(throwOn === 'reliable' ? 200 : 300);
        a.send(new Uint8Array(100).fill(3));
        a.update();
        packet!.fill(0xee); // the caller reuses the packet: held messages must not change
        b.receive(take(toB)[0]!);
        expect(seen).toEqual(throwOn === 'reliable' ? [9, 1, 2, 3] : [0, 1, 2, 3]);
      }
    }
  });

  it('copies what it delivers unless told the packets are its own', () => {
    for (const adopt of [false, true]) {
      const { a, b, toB, take, received } = createWire({ adoptReceivedPackets: adopt });
      const seen: Uint8Array[] = [];
      b.on('message', (p) => seen.push(p));
      a.send(Uint8Array.of(1, 1, 1));
      a.send(Uint8Array.of(2, 2, 2), 'unreliable');
      a.update();
      const [first] = take(toB);
      a.send(Uint8Array.of(3, 3, 3));
      a.update();
      a.send(Uint8Array.of(4, 4, 4));
      a.update();
      const [second, third] = take(toB);
      b.receive(third!); // message 2 arrives before 1: held
      b.receive(first!); // delivers 0 (in order) and the unreliable one at once
      expect(seen.map((p) => p.buffer === first!.buffer)).toEqual([adopt, adopt]);
      first!.fill(0);
      third!.fill(0);
      expect(seen.map((p) => [...p])).toEqual([adopt ? [0, 0, 0] : [2, 2, 2], adopt ? [0, 0, 0] : [1, 1, 1]]);
      // The held message was copied either way: its packet being overwritten does not matter.
      b.receive(second!);
      expect(seen.slice(2).map((p) => [...p])).toEqual([
        [3, 3, 3],
        [4, 4, 4],
      ]);
      expect(received.b.map(([p]) => p[0])).toEqual([2, 1, 3, 4]);
    }
    expect(
      () =>
        new ReliableUdpChannel({
          clock: new ManualClock(),
          send: () => {},
          adoptReceivedPackets: 1 as never,
        }),
    ).toThrow(InvalidOptionError);
  });
});
