/**
 * Issue 9, "Receive-buffer bound": whatever a peer sends, the receive buffer holds at most
 * `maxReceiveBufferBytes`, counting each held array's fixed overhead, the next in-order message
 * included; refused data is counted, and an honest peer still gets every message through.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { EntryKind, writeEntry } from '../../src/reliability/message-codec.js';
import { PacketType, writePacketHeader } from '../../src/reliability/packet-header.js';
import { PIECE_OVERHEAD } from '../../src/reliability/reliable-receive-buffer.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';
import { createWire } from './wire-harness.js';

const CAP = 1 << 20;

/** A data packet of `count` one-byte fragments of message `id` (claimed `fragmentCount`), from index `first`. */
function tinyFragments(sequence: number, id: number, first: number, count: number, fragmentCount: number) {
  const buf = new Uint8Array(1200);
  let p = writePacketHeader(buf, 0, PacketType.Data, sequence, 0, 0);
  for (let i = 0; i < count; i++)
    p = writeEntry(buf, p, EntryKind.Fragment, Uint8Array.of(i & 0xff), id, first + i, fragmentCount);
  return buf.subarray(0, p);
}

/** What the channel holds, as it charges it: payload bytes plus a fixed overhead per array. */
const held = (ch: ReliableUdpChannel) => {
  const u = ch.bufferUsage();
  return u.receiveBufferedBytes + u.receiveBufferedPieces * PIECE_OVERHEAD;
};

function victim() {
  const ch = new ReliableUdpChannel({ clock: new ManualClock(), send: () => {} });
  const delivered: Uint8Array[] = [];
  ch.on('message', (m) => delivered.push(m));
  return { ch, delivered };
}

describe('receive-buffer bound (issue 9)', () => {
  it('charges at least the measured heap cost of a held array (~212-236 bytes on Node 20)', () => {
    expect(PIECE_OVERHEAD).toBe(256);
  });

  it('1-byte fragments of the next in-order message cannot hold more than the cap', () => {
    const { ch, delivered } = victim();
    // The attack: 65,534 fragments of a 65,535-fragment message (so it never completes),
    // 149 a packet (3-byte header + 149 × 8-byte entries = 1,195 bytes): 440 packets.
    const PER_PACKET = 149;
    let refusedPackets = 0;
    for (let s = 0; s < 440; s++) {
      const before = ch.counters.receiveBufferOverflows;
      const first = s * PER_PACKET;
      ch.receive(tinyFragments(s, 0, first, Math.min(PER_PACKET, 65_534 - first), 65_535));
      refusedPackets += ch.counters.receiveBufferOverflows - before;
      expect(held(ch)).toBeLessThanOrEqual(CAP);
    }
    // The message next in order may use the whole cap (nothing else is held): 4,080 pieces of
    // 1 + 256 bytes is 1,048,560 bytes; one more would pass 1 MiB. Before: 65,534 pieces, ~14 MB.
    const pieces = Math.floor(CAP / (1 + PIECE_OVERHEAD));
    expect(ch.bufferUsage().receiveBufferedPieces).toBe(pieces);
    expect(ch.bufferUsage().receiveBufferedBytes).toBe(pieces);
    expect(ch.counters.fragmentsReceived).toBe(pieces);
    // Every packet from the one that crossed the cap on is refused (left unacked) and counted.
    const firstRefused = Math.floor(pieces / PER_PACKET);
    expect(refusedPackets).toBe(440 - firstRefused);
    expect(ch.counters.receiveBufferOverflows).toBe(440 - firstRefused);
    expect(ch.counters.malformedPacketsDropped).toBe(0);
    expect(delivered).toEqual([]);
  });

  it('1-byte fragments of later messages stay under the cap less one largest message', () => {
    const { ch } = victim();
    for (let s = 0; s < 440; s++) {
      ch.receive(tinyFragments(s, 1 + (s % 8), (s >> 3) * 149, 149, 65_535));
      expect(held(ch)).toBeLessThanOrEqual(CAP);
    }
    // Kept for the next message: 262,144 + 222 fragments × 256 = 318,976; early data gets the
    // other 729,600 bytes: 2,838 pieces of 257. Packets 0-18 fit whole, 19 on are refused.
    const reserve = ch.bufferUsage().receiveReserveBytes;
    expect(reserve).toBe(318_976);
    expect(ch.bufferUsage().receiveBufferedPieces).toBe(Math.floor((CAP - reserve) / (1 + PIECE_OVERHEAD)));
    expect(ch.bufferUsage().receiveBufferedPieces).toBe(2838);
    expect(ch.counters.receiveBufferOverflows).toBe(440 - 19);
  });

  it('an honest largest message still arrives after early data filled the rest of the buffer', () => {
    const { a, b, take, toB, toA, clock, received } = createWire({ maxMessageSize: 64 * 1024 });
    // Message 0 is lost; messages 1.. arrive early and fill what early data may use.
    a.send(new Uint8Array(64 * 1024).fill(1));
    a.update();
    take(toB);
    for (let i = 0; i < 40; i++) a.send(new Uint8Array(64 * 1024).fill(i + 2));
    for (let i = 0; i < 40; i++) {
      a.update();
      for (const p of take(toB)) b.receive(p);
      b.update();
      for (const p of take(toA)) a.receive(p);
    }
    expect(b.counters.receiveBufferOverflows).toBeGreaterThan(0);
    expect(held(b)).toBeLessThanOrEqual(
      b.bufferUsage().receiveBufferCapacity - b.bufferUsage().receiveReserveBytes,
    );
    for (let round = 0; round < 200 && received.b.length < 41; round++) {
      clock.advance(a.rtoMs);
      a.update();
      for (const p of take(toB)) {
        b.receive(p);
        expect(held(b)).toBeLessThanOrEqual(b.bufferUsage().receiveBufferCapacity);
      }
      b.update();
      for (const p of take(toA)) a.receive(p);
    }
    expect(received.b.map(([m]) => m[0])).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });
});
