import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, InvalidOptionError, ManualClock } from '../../src/core/index.js';
import type { MessageKind } from '../../src/reliability/channel-counters.js';
import { ReliableUdpChannel } from '../../src/reliability/reliable-udp-channel.js';
import { checkPayload, createPair, payloadFor } from './harness.js';

describe('ReliableUdpChannel basics', () => {
  it('refuses a payload that is not a Uint8Array with a typed error, queueing nothing', () => {
    const { a } = createPair();
    expect(() => a.send('hello' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
    expect(() => a.send([1, 2] as unknown as Uint8Array)).toThrow(/invalid argument "payload"/);
    expect(a.counters.reliableSent).toBe(0);
  });

  it('delivers every kind on a perfect link, packing small messages into one packet', () => {
    const { a, b, step } = createPair();
    const got: [number[], MessageKind][] = [];
    b.on('message', (p, k) => got.push([[...p], k]));
    a.send(new Uint8Array([1]));
    a.send(new Uint8Array([2]), 'sequenced');
    a.send(new Uint8Array([3]), 'unreliable');
    a.send(new Uint8Array([]));
    step(0);
    expect(a.counters.packetsSent).toBe(1);
    step(0);
    expect(got).toEqual([
      [[2], 'sequenced'],
      [[3], 'unreliable'],
      [[1], 'reliable'],
      [[], 'reliable'],
    ]);
    expect(b.counters).toMatchObject({ reliableReceived: 2, sequencedReceived: 1, unreliableReceived: 1 });
    // b owes an ack and sends an ack-only packet; a learns both reliable messages arrived.
    expect(b.counters.ackPacketsSent).toBe(1);
    step(0);
    expect(a.counters.packetsAcked).toBe(1);
    expect(a.bufferUsage().sendQueue).toBe(0);
  });

  it('fragments and reassembles a 256 KiB message under loss, duplication and jitter', () => {
    const { a, b, step } = createPair({
      seed: 3,
      conditions: { lossRate: 0.25, duplicateRate: 0.25, latencyMs: 50, jitterMs: 20 },
    });
    const got: Uint8Array[] = [];
    b.on('message', (p) => got.push(p));
    const big = payloadFor(7, 256 * 1024);
    a.send(big);
    a.send(payloadFor(8, 10));
    for (let i = 0; i < 2000 && got.length < 2; i++) step(10);
    expect(got).toHaveLength(2);
    expect(checkPayload(7, got[0]!, 256 * 1024)).toBe(true);
    expect(checkPayload(8, got[1]!, 10)).toBe(true);
    expect(a.counters.fragmentsSent).toBeGreaterThanOrEqual(Math.ceil((256 * 1024) / 1181));
  });

  it('validates options, naming the bad one', () => {
    const clock = new ManualClock();
    const send = () => {};
    const bad: [Record<string, unknown>, string][] = [
      [{ send: 1, clock }, 'send'],
      [{ send }, 'clock'],
      [{ send, clock, maxPacketSize: 10 }, 'maxPacketSize'],
      [{ send, clock, maxMessageSize: 0 }, 'maxMessageSize'],
      [{ send, clock, windowSize: 0 }, 'windowSize'],
      [{ send, clock, windowSize: 512, sendQueueSize: 100 }, 'sendQueueSize'],
      [{ send, clock, packetBufferSize: 1000 }, 'packetBufferSize'],
      [{ send, clock, minRtoMs: 500, maxRtoMs: 100 }, 'maxRtoMs'],
      [{ send, clock, maxRetries: -1 }, 'maxRetries'],
    ];
    for (const [options, name] of bad) {
      let error: unknown;
      try {
        new ReliableUdpChannel(options as never);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InvalidOptionError);
      expect((error as InvalidOptionError).option).toBe(name);
    }
  });
});
