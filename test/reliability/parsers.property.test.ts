import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/index.js';
import { type Entry, EntryKind, readEntries, writeEntry } from '../../src/reliability/message-codec.js';
import {
  type PacketHeader,
  PacketType,
  readPacketHeader,
  writePacketHeader,
} from '../../src/reliability/packet-header.js';
import { PIECE_OVERHEAD } from '../../src/reliability/reliable-receive-buffer.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';

// 2,000 + 4,000 + 4,000 + 5,000 + 6,000 = 21,000 cases per run.
const freshHeader = (): PacketHeader => ({ type: PacketType.Data, sequence: 0, ack: 0, ackBits: 0 });

/** Valid packets made by a real channel: whole messages, fragments, sequenced and unreliable. */
function samplePackets(): Uint8Array[] {
  const clock = new ManualClock();
  const out: Uint8Array[] = [];
  const ch = new ReliableUdpChannel({ clock, send: (p) => out.push(p), maxPacketSize: 200 });
  const peer = new ReliableUdpChannel({ clock, send: (p) => ch.receive(p), maxPacketSize: 200 });
  for (let i = 0; i < 8; i++) {
    peer.send(new Uint8Array(i * 3 + 1).fill(i));
    peer.update();
  }
  for (let i = 0; i < 30; i++) {
    const kind = i % 3 === 0 ? 'reliable' : i % 3 === 1 ? 'sequenced' : 'unreliable';
    ch.send(new Uint8Array(kind === 'reliable' ? (i * 37) % 700 : i * 5).fill(i), kind);
    if (i % 5 === 4) ch.update();
    clock.advance(10);
  }
  ch.update();
  return out;
}

/** A receiver that has itself sent a few packets, so plausible acks are accepted. */
function receiver(): ReliableUdpChannel {
  const clock = new ManualClock();
  const ch = new ReliableUdpChannel({ clock, send: () => {}, maxPacketSize: 200, maxMessageSize: 4096 });
  for (let i = 0; i < 40; i++) {
    ch.send(new Uint8Array([i]));
    ch.update();
  }
  return ch;
}

function outcomes(ch: ReliableUdpChannel): number {
  const c = ch.counters;
  return c.packetsReceived + c.malformedPacketsDropped + c.stalePacketsDropped + c.duplicatePacketsDropped;
}

/** Feeds one packet; checks it is counted exactly once and held memory grows by at most its size. */
function feed(ch: ReliableUdpChannel, packet: Uint8Array): void {
  const before = outcomes(ch);
  const held = ch.bufferUsage().receiveBufferedBytes;
  let delivered = 0;
  const onMessage = (p: Uint8Array) => {
    delivered += p.length;
  };
  ch.on('message', onMessage);
  try {
    ch.receive(packet);
  } finally {
    ch.off('message', onMessage);
  }
  expect(outcomes(ch)).toBe(before + 1);
  const grew = ch.bufferUsage().receiveBufferedBytes - held;
  expect(grew).toBeLessThanOrEqual(packet.length);
  expect(delivered).toBeLessThanOrEqual(packet.length + Math.max(0, -grew));
}

const samples = samplePackets();

describe('parsers of untrusted bytes (property tests)', () => {
  it('packet header: every valid header round-trips, in at most 9 bytes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(PacketType.Data, PacketType.Ack),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (type, sequence, ack, ackBits) => {
          const buf = new Uint8Array(9);
          const n = writePacketHeader(buf, 0, type, sequence, ack, ackBits);
          expect(n).toBeLessThanOrEqual(type === PacketType.Data ? 9 : 7);
          const h = freshHeader();
          expect(readPacketHeader(buf.subarray(0, n), h)).toBe(n);
          if (type === PacketType.Data && ackBits === 0) {
            // acknowledges nothing: written without an ack (3 bytes), read back as ack 0
            expect(n).toBe(3);
            expect(h).toEqual({ type, sequence, ack: 0, ackBits: 0 });
          } else {
            expect(h).toEqual({ type, sequence: type === PacketType.Data ? sequence : 0, ack, ackBits });
          }
          // every truncation is rejected
          for (let cut = 0; cut < n; cut++)
            expect(readPacketHeader(buf.subarray(0, cut), freshHeader())).toBe(-1);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('packet header and message entries: random bytes never throw and stay in bounds', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const h = freshHeader();
        const n = readPacketHeader(bytes, h);
        expect(n === -1 || (n >= 3 && n <= Math.min(9, bytes.length))).toBe(true);
        const entries: Entry[] = [];
        const count = readEntries(bytes, 0, entries);
        if (count >= 0) {
          expect(count).toBeLessThanOrEqual(bytes.length);
          for (const e of entries.slice(0, count)) {
            expect(e.start).toBeLessThanOrEqual(e.end);
            expect(e.end).toBeLessThanOrEqual(bytes.length);
            if (e.kind === EntryKind.Fragment) {
              expect(e.fragmentCount).toBeGreaterThanOrEqual(2);
              expect(e.fragmentIndex).toBeLessThan(e.fragmentCount);
              expect(e.end).toBeGreaterThan(e.start);
            }
          }
        }
      }),
      { numRuns: 4000 },
    );
  });

  it('message entries: written entries read back exactly', () => {
    const entry = fc.record({
      kind: fc.constantFrom(
        EntryKind.Reliable,
        EntryKind.Fragment,
        EntryKind.Sequenced,
        EntryKind.Unreliable,
      ),
      id: fc.integer({ min: 0, max: 0xffff }),
      count: fc.integer({ min: 2, max: 0xffff }),
      payload: fc.uint8Array({ minLength: 1, maxLength: 20_000 }),
    });
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 4 }), (list) => {
        const buf = new Uint8Array(list.reduce((n, e) => n + e.payload.length + 10, 0));
        let p = 0;
        for (const e of list) p = writeEntry(buf, p, e.kind, e.payload, e.id, e.count - 1, e.count);
        const out: Entry[] = [];
        expect(readEntries(buf.subarray(0, p), 0, out)).toBe(list.length);
        list.forEach((e, i) => {
          const r = out[i]!;
          expect(r.kind).toBe(e.kind);
          expect([...buf.subarray(r.start, r.end)]).toEqual([...e.payload]);
          if (e.kind !== EntryKind.Unreliable) expect(r.id).toBe(e.id);
          if (e.kind === EntryKind.Fragment)
            expect([r.fragmentIndex, r.fragmentCount]).toEqual([e.count - 1, e.count]);
        });
      }),
      { numRuns: 4000 },
    );
  });

  it('receive: random bytes never throw, are counted once and allocate at most their size', () => {
    const ch = receiver();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1300 }), (bytes) => feed(ch, bytes)),
      { numRuns: 5000 },
    );
    expect(ch.counters.malformedPacketsDropped).toBeGreaterThan(4000);
  });

  it('receive: valid packets with flipped bits, truncations and injected garbage never throw and are counted', () => {
    const mutation = fc.oneof(
      fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({
        op: fc.constant('inject' as const),
        at: fc.nat(),
        garbage: fc.uint8Array({ minLength: 1, maxLength: 16 }),
      }),
    );
    const ch = receiver();
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        (index, mutations) => {
          let packet = samples[index]!.slice();
          for (const m of mutations) {
            const at = m.at % Math.max(1, packet.length);
            if (m.op === 'flip' && packet.length > 0) packet[at] = packet[at]! ^ (1 << m.bit);
            else if (m.op === 'truncate') packet = packet.slice(0, at);
            else if (m.op === 'inject')
              packet = new Uint8Array([...packet.subarray(0, at), ...m.garbage, ...packet.subarray(at)]);
          }
          feed(ch, packet);
        },
      ),
      { numRuns: 6000 },
    );
    const c = ch.counters;
    expect(c.malformedPacketsDropped).toBeGreaterThan(1000);
    // many mutants still parse (a flipped payload bit); most of those repeat a sequence: duplicates
    expect(c.packetsReceived + c.duplicatePacketsDropped + c.stalePacketsDropped).toBeGreaterThan(500);
  });

  it('a fragment claiming 65,535 fragments is held by what it carries, not what it claims', () => {
    const ch = receiver();
    const buf = new Uint8Array(64);
    const n = writePacketHeader(buf, 0, PacketType.Data, 5, 0, 0);
    // message 1 (not next in order, so it is buffered), fragment 0 of 65,535, 10 bytes
    const end = writeEntry(buf, n, EntryKind.Fragment, new Uint8Array(10), 1, 0, 65_535);
    feed(ch, buf.subarray(0, end));
    // 65,535 fragments can never fit in maxMessageSize (4096 bytes): rejected before anything is stored
    expect(ch.counters.malformedPacketsDropped).toBe(1);
    const ok = writeEntry(buf, n, EntryKind.Fragment, new Uint8Array(10), 1, 0, 400);
    feed(ch, buf.subarray(0, ok));
    expect(ch.counters.packetsReceived).toBe(1);
    expect(ch.bufferUsage().receiveBufferedBytes).toBe(10);
  });

  it('a flood of 1-byte fragments holds no more than the receive cap, overhead included', () => {
    const clock = new ManualClock();
    const ch = new ReliableUdpChannel({
      clock,
      send: () => {},
      maxReceiveBufferBytes: 4096,
      maxMessageSize: 1024,
      windowSize: 1024,
    });
    const usable = 4096 - ch.bufferUsage().receiveReserveBytes; // 4096 - (1024 + 256)
    const buf = new Uint8Array(1200);
    for (let sequence = 0; sequence < 200; sequence++) {
      let p = writePacketHeader(buf, 0, PacketType.Data, sequence, 0, 0);
      // fragments of messages 1..1000 (never message 0, the one next in order), 1 byte each
      for (let k = 0; p + 9 <= buf.length; k++)
        p = writeEntry(
          buf,
          p,
          EntryKind.Fragment,
          new Uint8Array(1),
          1 + ((sequence * 7 + k) % 1000),
          k,
          1000,
        );
      ch.receive(buf.slice(0, p));
    }
    const usage = ch.bufferUsage();
    expect(usage.receiveBufferedPieces).toBeGreaterThan(0);
    expect(usage.receiveBufferedBytes + usage.receiveBufferedPieces * PIECE_OVERHEAD).toBeLessThanOrEqual(
      usable,
    );
    // Pieces of 1 + 256 bytes: as many as fit in the 2,816 bytes early data may use.
    expect(usage.receiveBufferedPieces).toBe(Math.floor(usable / (1 + PIECE_OVERHEAD)));
    expect(ch.counters.receiveBufferOverflows).toBeGreaterThan(150);
    expect(ch.counters.malformedPacketsDropped).toBe(0);
  });
});
