import { beforeAll, describe, expect, it } from 'vitest';
import { createSeededRandom } from '../../src/core/index.js';
import { PIECE_OVERHEAD } from '../../src/reliability/reliable-receive-buffer.js';
import type { ChannelBufferUsage } from '../../src/reliability/reliable-udp-channel.js';
import { checkPayload, createPair, payloadFor } from './harness.js';

const MESSAGES = 100_000;
const STEP_MS = 10;
/** Pacing: 800 data packets per simulated second. */
const PACKETS_PER_UPDATE = 8;
/** Small packets, so the run sends enough of them for the 16-bit sequence to wrap several times. */
const MAX_PACKET_SIZE = 96;
const WINDOW = 1024;
const SEND_QUEUE = 4096;
const PACKET_BUFFER = 1024;
const MAX_MESSAGE = 3600;
const RECEIVE_BUFFER_BYTES = 1 << 20;

/** Sizes: mostly small, some larger than one packet (fragmented), a few of several KiB. */
function sizeFor(random: { next(): number }): number {
  const r = random.next();
  if (r < 0.85) return 1 + Math.floor(random.next() * 64);
  if (r < 0.97) return 65 + Math.floor(random.next() * 400);
  return 465 + Math.floor(random.next() * (MAX_MESSAGE - 465));
}

function soak(seed: number) {
  const { a, b, step, net } = createPair({
    seed,
    conditions: { lossRate: 0.25, duplicateRate: 0.25, latencyMs: 250, jitterMs: 100 },
    channel: {
      maxPacketSize: MAX_PACKET_SIZE,
      windowSize: WINDOW,
      sendQueueSize: SEND_QUEUE,
      packetBufferSize: PACKET_BUFFER,
      maxReceiveBufferBytes: RECEIVE_BUFFER_BYTES,
      maxMessageSize: MAX_MESSAGE,
      maxPacketsPerUpdate: PACKETS_PER_UPDATE,
    },
  });
  const sizes = createSeededRandom(seed ^ 0x5eed);
  const sentSizes = new Uint16Array(MESSAGES);
  let received = 0;
  let bad = 0;
  let fragmented = 0;
  b.on('message', (payload, kind) => {
    if (kind !== 'reliable' || received >= MESSAGES || !checkPayload(received, payload, sentSizes[received]!))
      bad++;
    received++;
  });
  let sent = 0;
  let steps = 0;
  let lossSum = 0;
  let lossSamples = 0;
  const peak = {} as Record<keyof ChannelBufferUsage, number>;
  let midway: ChannelBufferUsage[] = [];
  const trackPeak = () => {
    for (const channel of [a, b])
      for (const [k, v] of Object.entries(channel.bufferUsage()) as [keyof ChannelBufferUsage, number][])
        peak[k] = Math.max(peak[k] ?? 0, v);
  };
  while (received < MESSAGES && steps < 400_000) {
    while (sent < MESSAGES && a.sendQueueFree() > 0) {
      const size = sizeFor(sizes);
      if (size > a.maxMessageSize('sequenced')) fragmented++;
      sentSizes[sent] = size;
      a.send(payloadFor(sent, size));
      sent++;
    }
    step(STEP_MS);
    steps++;
    if (steps % 50 === 0) {
      trackPeak();
      lossSum += a.packetLoss;
      lossSamples++;
    }
    if (midway.length === 0 && received >= MESSAGES / 2) midway = [a.bufferUsage(), b.bufferUsage()];
  }
  trackPeak();
  const receivedAtEnd = received;
  // Keep running: nothing more may arrive (exactly once), and both sides drain.
  for (let i = 0; i < 1000; i++) step(STEP_MS);
  return {
    receivedAtEnd,
    received,
    bad,
    fragmented,
    steps,
    dataPackets: a.counters.packetsSent - a.counters.ackPacketsSent,
    meanPacketLoss: lossSum / lossSamples,
    peak,
    midway,
    end: [a.bufferUsage(), b.bufferUsage()],
    counters: { a: { ...a.counters }, b: { ...b.counters } },
    network: { ...net.counters },
  };
}

function expectBounded(usage: ChannelBufferUsage) {
  expect(usage.sendQueue).toBeLessThanOrEqual(SEND_QUEUE);
  expect(usage.unreliableQueue).toBe(0);
  expect(usage.receiveWindowSlots).toBeLessThanOrEqual(WINDOW);
  // Everything held, the message next in order included, each array charged its overhead.
  expect(usage.receiveBufferedBytes + usage.receiveBufferedPieces * PIECE_OVERHEAD).toBeLessThanOrEqual(
    RECEIVE_BUFFER_BYTES,
  );
  expect(usage.sentPacketsTracked).toBeLessThanOrEqual(PACKET_BUFFER);
  expect(usage.receivedPacketsTracked).toBeLessThanOrEqual(PACKET_BUFFER);
}

describe('soak: yojimbo conditions (25% loss, 25% duplicates, 250 ms latency, 100 ms jitter)', () => {
  let run: ReturnType<typeof soak>;
  beforeAll(() => {
    run = soak(2024);
    if (process.env.SOAK_PRINT) console.log(JSON.stringify(run, null, 1));
  });

  it(`delivers ${MESSAGES.toLocaleString('en-US')} self-checking reliable messages exactly once, in order`, () => {
    expect(run.receivedAtEnd).toBe(MESSAGES);
    expect(run.received).toBe(MESSAGES);
    expect(run.bad).toBe(0);
    expect(run.counters.b.reliableReceived).toBe(MESSAGES);
    expect(run.counters.a.timeouts).toBe(0);
    // Some messages were fragmented; the network really lost, duplicated and reordered.
    expect(run.fragmented).toBeGreaterThan(10_000);
    expect(run.counters.b.fragmentsReceived).toBeGreaterThan(100_000);
    expect(run.network.droppedByLink).toBeGreaterThan(50_000);
    expect(run.counters.b.duplicatePacketsDropped).toBeGreaterThan(40_000);
    expect(run.counters.a.retries).toBeGreaterThan(50_000);
    // Every data packet is acked in time or counted lost (some of those acked late, after leaving
    // the 32-packet window)
    const a = run.counters.a;
    // (at most 31 of the last packets may stay undecided: nothing newer was acked after them)
    expect(a.packetsAcked + a.packetsLost).toBeLessThanOrEqual(run.dataPackets);
    expect(a.packetsAcked + a.packetsLost).toBeGreaterThan(run.dataPackets - 32);
    expect((a.packetsLost - a.packetsAckedLate) / run.dataPackets).toBeGreaterThan(0.2);
    // The loss estimate (averaged over the run) tracks the link's 25%, not the window's count.
    expect(run.meanPacketLoss).toBeGreaterThan(0.2);
    expect(run.meanPacketLoss).toBeLessThan(0.3);
    // The sender's queue drained completely once everything was acknowledged.
    expect(run.end[0]!.sendQueue).toBe(0);
  });

  it('wraps the 16-bit packet sequence at least three times (and the message id at least once)', () => {
    expect(Math.floor(run.dataPackets / 65_536)).toBeGreaterThanOrEqual(3);
    expect(run.counters.a.reliableSent).toBeGreaterThan(65_536);
  });

  it('keeps every buffer under its fixed cap, midway, at the peak and at the end', () => {
    expect(run.midway).toHaveLength(2);
    for (const usage of [...run.midway, run.peak, ...run.end]) expectBounded(usage);
  });

  it('is deterministic: the same seed gives identical counters', () => {
    const again = soak(2024);
    expect(again.counters).toEqual(run.counters);
    expect(again.network).toEqual(run.network);
    expect(again.steps).toBe(run.steps);
  });
});
