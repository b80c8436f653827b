import { describe, expect, it } from 'vitest';
import { InvalidStateError } from '../../src/core/index.js';
import type { ChannelObserver } from '../../src/reliability/channel-observer.js';
import { MessageTooLargeError, SendQueueFullError } from '../../src/reliability/errors.js';
import { PacketType } from '../../src/reliability/packet-header.js';
import { createWire, header } from './wire-harness.js';

const msg = (n: number) => new Uint8Array([n & 0xff, n >> 8]);

describe('ReliableUdpChannel exact counts', () => {
  it('header sizes: 3 bytes one-way (no ack to carry), acks only once data flows back', () => {
    const { a, b, toA, toB, take, clock } = createWire();
    for (let i = 0; i < 40; i++) {
      a.send(msg(i));
      a.update();
    }
    const oneWay = take(toB);
    // 3-byte header + entry byte + id + 2 payload bytes
    expect(oneWay.map((p) => p.length)).toEqual(Array.from({ length: 40 }, () => 3 + 3 + 2));
    expect(header(oneWay[39]!)).toEqual({ type: PacketType.Data, sequence: 39, ack: 0, ackBits: 0 });
    for (const p of oneWay) b.receive(p);
    b.update();
    // Ack-only packets after 16 and 32 owed acks, then from update. At ack 15, bits 16-31 name
    // sequences never sent (bytes 2 and 3 are 0x00: written); from ack 31 on nothing is missing.
    expect(take(toA).map((p) => [p.length, header(p).ack, header(p).ackBits])).toEqual([
      [5, 15, 0x0000ffff],
      [3, 31, 0xffffffff],
      [3, 39, 0xffffffff],
    ]);
    expect(a.counters.headerBytesSent).toBe(40 * 3);
    expect(b.counters.headerBytesSent).toBe(5 + 3 + 3);
    // b sends data: its ack (39) is too far below its sequence (0) for a one-byte distance.
    b.send(msg(100));
    b.update();
    const reply = take(toA)[0]!;
    expect(header(reply)).toEqual({ type: PacketType.Data, sequence: 0, ack: 39, ackBits: 0xffffffff });
    expect(reply.length - 3 - 2).toBe(1 + 2 + 2);
    a.receive(reply);
    clock.advance(1);
    a.send(msg(40));
    a.update();
    // a's packet 40 now acks b's packet 0 (distance 40), only bit 0 set: 1 + 2 + 1 + 4 bitfield bytes.
    const next = take(toB)[0]!;
    expect(header(next)).toEqual({ type: PacketType.Data, sequence: 40, ack: 0, ackBits: 1 });
    expect(next.length - 3 - 2).toBe(1 + 2 + 1 + 4);
  });

  it('drop every other packet: the peer acks 0x55555555; exact acked, lost and retried counts', () => {
    const { a, b, toA, toB, take, clock, received } = createWire();
    for (let i = 0; i < 40; i++) {
      a.send(msg(i));
      a.update();
    }
    const packets = take(toB);
    expect(packets.map((p) => header(p).sequence)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    packets.forEach((p, i) => {
      if (i % 2 === 0) b.receive(p);
    });
    b.update();
    const acks = take(toA);
    // One ack-only packet after 16 unacknowledged data packets (from receive), one from update.
    expect(acks.map(header)).toEqual([
      { type: PacketType.Ack, sequence: 0, ack: 30, ackBits: 0x55555555 },
      { type: PacketType.Ack, sequence: 0, ack: 38, ackBits: 0x55555555 },
    ]);
    // Message 0 is delivered; 2, 4, ... wait in the reorder buffer for 1, 3, ...
    expect(received.b.map(([p]) => p[0])).toEqual([0]);
    expect(b.bufferUsage().receiveWindowSlots).toBe(19);
    for (const p of acks) a.receive(p);
    // 20 even packets acked; 1, 3, 5 (< 38 - 31) can no longer be acked: lost. 7..39 odd still pending.
    expect(a.counters).toMatchObject({
      packetsSent: 40,
      packetsReceived: 2,
      packetsAcked: 20,
      packetsLost: 3,
    });
    expect(a.bufferUsage().sendQueue).toBe(39); // message 0 acked, 1 is the oldest unacked
    // After the RTO the 20 odd messages are retransmitted, by message, packed into one packet.
    clock.advance(a.rtoMs);
    a.update();
    expect(a.counters.retries).toBe(20);
    const resent = take(toB);
    expect(resent).toHaveLength(1);
    b.receive(resent[0]!);
    expect(received.b.map(([p]) => p[0])).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(b.counters).toMatchObject({ reliableReceived: 40, duplicateMessagesDropped: 0 });
  });

  it('an ack that falls out of the 32-packet window counts the packet lost, and the message is resent', () => {
    const { a, b, toA, toB, take, clock, received } = createWire();
    for (let i = 0; i < 40; i++) {
      a.send(msg(i));
      a.update();
    }
    const packets = take(toB);
    b.receive(packets[0]!);
    b.receive(packets[39]!);
    b.update();
    const acks = take(toA);
    expect(acks.map(header)).toEqual([{ type: PacketType.Ack, sequence: 0, ack: 39, ackBits: 1 }]);
    a.receive(acks[0]!);
    // Packet 0 did arrive, but its ack fell out of the window of ack 39: 0..7 are all counted lost.
    expect(a.counters).toMatchObject({ packetsAcked: 1, packetsLost: 8 });
    clock.advance(a.rtoMs);
    a.update();
    expect(a.counters.retries).toBe(39);
    for (const p of take(toB)) b.receive(p);
    expect(b.counters.duplicateMessagesDropped).toBe(1); // message 0, a second time
    expect(received.b).toHaveLength(40);
  });

  it('counts duplicate packets, duplicate messages, stale packets and stale sequenced messages exactly', () => {
    const { a, b, take, toB, clock, received } = createWire({ packetBufferSize: 32 });
    a.send(msg(1));
    a.update();
    const [first] = take(toB);
    b.receive(first!);
    b.receive(first!);
    b.receive(first!);
    expect(b.counters).toMatchObject({ duplicatePacketsDropped: 2, reliableReceived: 1, packetsReceived: 1 });
    // The same message in a new packet (a retransmission after a lost ack) is a duplicate message.
    clock.advance(a.rtoMs);
    a.update();
    b.receive(take(toB)[0]!);
    expect(b.counters).toMatchObject({
      duplicatePacketsDropped: 2,
      duplicateMessagesDropped: 1,
      reliableReceived: 1,
    });
    // Sequenced: three in three packets, delivered newest first; the two older ones are stale.
    const seq: Uint8Array[] = [];
    for (let i = 0; i < 3; i++) {
      a.send(msg(100 + i), 'sequenced');
      a.update();
      seq.push(...take(toB));
    }
    b.receive(seq[2]!);
    b.receive(seq[0]!);
    b.receive(seq[1]!);
    expect(b.counters.staleMessagesDropped).toBe(2);
    expect(received.b.filter(([, k]) => k === 'sequenced')).toEqual([[[102, 0], 'sequenced']]);
    // Stale packets: older than the 32-packet receive buffer.
    const many: Uint8Array[] = [];
    for (let i = 0; i < 40; i++) {
      a.send(msg(i), 'unreliable');
      a.update();
      many.push(...take(toB));
    }
    b.receive(many[39]!);
    b.receive(many[0]!);
    b.receive(many[5]!);
    expect(b.counters.stalePacketsDropped).toBe(2);
    expect(b.counters.unreliableReceived).toBe(1);
  });

  it('survives sequence roll-over: 70,000 packets, every message in order, acks still working', () => {
    const { a, b, toA, toB, take, clock, received } = createWire();
    let delivered = 0;
    let outOfOrder = 0;
    b.removeAllListeners('message');
    b.on('message', (p) => {
      if (p[0] !== (delivered & 0xff) || p[1] !== (delivered >> 8) % 256) outOfOrder++;
      delivered++;
    });
    for (let i = 0; i < 70_000; i++) {
      a.send(msg(i));
      a.update();
      for (const p of take(toB)) b.receive(p);
      b.update();
      for (const p of take(toA)) a.receive(p);
      clock.advance(1);
    }
    expect(received.a).toHaveLength(0);
    expect(delivered).toBe(70_000);
    expect(outOfOrder).toBe(0);
    expect(a.counters).toMatchObject({
      packetsSent: 70_000,
      packetsAcked: 70_000,
      packetsLost: 0,
      retries: 0,
    });
    expect(a.bufferUsage().sendQueue).toBe(0);
    expect(b.counters.ackPacketsSent).toBe(70_000);
  });

  it('leaves a packet unacked when its early reliable data overflows the receive buffer, then recovers', () => {
    // Messages of at most 200 bytes cost at most 200 + 256 (one array): that much is kept for the
    // message next in order, 800 - 456 = 344 for early data.
    const { a, b, take, toB, toA, clock, received } = createWire({
      maxMessageSize: 200,
      maxReceiveBufferBytes: 800,
    });
    a.send(msg(0));
    a.update();
    take(toB); // lost
    a.send(new Uint8Array(200).fill(7));
    a.send(msg(2), 'unreliable');
    a.update();
    b.receive(take(toB)[0]!);
    // The unreliable message is delivered; the 200-byte reliable one is skipped, the packet not acked.
    expect(b.counters).toMatchObject({
      receiveBufferOverflows: 1,
      packetsReceived: 1,
      unreliableReceived: 1,
    });
    expect(b.bufferUsage().receiveBufferedBytes).toBe(0);
    b.update();
    expect(toA.map(header)).toEqual([{ type: PacketType.Ack, sequence: 0, ack: 1, ackBits: 0 }]);
    clock.advance(a.rtoMs);
    a.update();
    const resent = take(toB);
    // Both messages in one packet: 0 is next in order, so 1 becomes next too and may use the
    // whole cap: 2 + 256 + 200 + 256 = 714 <= 800.
    expect(resent).toHaveLength(1);
    b.receive(resent[0]!);
    expect(received.b.map(([p]) => p.length)).toEqual([2, 2, 200]);
    expect(b.counters.receiveBufferOverflows).toBe(1);
  });

  it('is loud about limits: typed errors and counters', () => {
    const { a } = createWire({
      maxPacketSize: 100,
      maxMessageSize: 1000,
      windowSize: 2,
      sendQueueSize: 3,
      unreliableQueueSize: 2,
    });
    expect(a.maxMessageSize('unreliable')).toBe(100 - 9 - 4);
    expect(a.maxMessageSize('sequenced')).toBe(100 - 9 - 6);
    expect(a.maxMessageSize('reliable')).toBe(1000);
    const tooLarge = (size: number, kind: 'reliable' | 'sequenced' | 'unreliable') => {
      try {
        a.send(new Uint8Array(size), kind);
      } catch (err) {
        return err;
      }
      return undefined;
    };
    const e1 = tooLarge(88, 'unreliable') as MessageTooLargeError;
    expect(e1).toBeInstanceOf(MessageTooLargeError);
    expect([e1.code, e1.kind, e1.size, e1.limit]).toEqual(['ERR_MESSAGE_TOO_LARGE', 'unreliable', 88, 87]);
    expect(tooLarge(86, 'sequenced')).toBeInstanceOf(MessageTooLargeError);
    expect(tooLarge(1001, 'reliable')).toBeInstanceOf(MessageTooLargeError);
    expect(a.counters.sendTooLarge).toBe(3);
    a.send(new Uint8Array(87), 'unreliable');
    a.send(new Uint8Array(1000)); // fragmented: allowed
    for (let i = 0; i < 2; i++) a.send(msg(i));
    const full = tooLarge(1, 'reliable') as SendQueueFullError;
    expect(full).toBeInstanceOf(SendQueueFullError);
    expect([full.code, full.capacity]).toEqual(['ERR_SEND_QUEUE_FULL', 3]);
    a.send(msg(0), 'sequenced');
    expect(tooLarge(1, 'unreliable')).toBeInstanceOf(SendQueueFullError);
    expect(a.counters.sendQueueFull).toBe(2);
    expect(a.sendQueueFree('reliable')).toBe(0);
    expect(a.counters).toMatchObject({ reliableSent: 3, unreliableSent: 1, sequencedSent: 1 });
  });

  it('times out exactly at the give-up limit, once, and then refuses to send', () => {
    const calls: string[] = [];
    const observer: ChannelObserver = {
      timeout: () => calls.push('timeout'),
      retry: () => calls.push('retry'),
    };
    const { a, clock, toB } = createWire({ maxRetries: 3, initialRtoMs: 1000, maxRtoMs: 2000, observer });
    let timeouts = 0;
    a.on('timeout', () => {
      timeouts++;
      calls.push('event');
    });
    a.send(msg(1));
    const sentAt: number[] = [];
    for (let t = 0; t <= 10_000; t += 100) {
      clock.set(t);
      const before = toB.length;
      a.update();
      if (toB.length > before) sentAt.push(t);
      if (timeouts > 0 && sentAt.length < 100) sentAt.push(-t);
      if (timeouts > 0) break;
    }
    // sent at 0, resent after 1000, 2000 (backoff), 2000 (capped); gives up when the next is due
    expect(sentAt).toEqual([0, 1000, 3000, 5000, -7000]);
    expect(calls).toEqual(['retry', 'retry', 'retry', 'timeout', 'event']);
    expect(a.counters).toMatchObject({ timeouts: 1, retries: 3 });
    expect(a.isTimedOut).toBe(true);
    a.update();
    expect(timeouts).toBe(1);
    expect(() => a.send(msg(2))).toThrow(InvalidStateError);
  });

  it('measures RTT with RFC 6298 smoothing and reports to the observer', () => {
    const samples: number[] = [];
    let sent = 0;
    let receivedPackets = 0;
    const observer: ChannelObserver = {
      rttSample: (s) => samples.push(s),
      packetSent: () => sent++,
      packetReceived: () => receivedPackets++,
    };
    const { a, b, toA, toB, take, clock } = createWire({ observer, minRtoMs: 100 });
    for (let i = 0; i < 5; i++) {
      a.send(msg(i));
      a.update();
      clock.advance(50);
      for (const p of take(toB)) b.receive(p);
      b.update();
      clock.advance(50);
      for (const p of take(toA)) a.receive(p);
    }
    expect(samples).toEqual([0.1, 0.1, 0.1, 0.1, 0.1]);
    expect(a.rttMs).toBe(100);
    // RTTVAR: 50, then 37.5, 28.125, 21.09375, 15.8203125 -> RTO = 100 + 4 * RTTVAR
    expect(a.rtoMs).toBeCloseTo(100 + 4 * 15.8203125, 9);
    expect(sent).toBe(a.counters.packetsSent + b.counters.packetsSent);
    expect(receivedPackets).toBe(a.counters.packetsReceived + b.counters.packetsReceived);
    expect(a.packetLoss).toBe(0);
  });
});
