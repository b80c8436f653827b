import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW, ReplayWindow } from '../../src/transport/connection-replay.js';
import {
  MAX_PACKET_NUMBER,
  PacketSeal,
  readPacketNumber,
  SEAL_OVERHEAD_BYTES,
  writePacketNumber,
} from '../../src/transport/connection-seal.js';
import { PROTOCOL_ID } from './connection-harness.js';

const KEY_A = new Uint8Array(32).fill(1);
const KEY_B = new Uint8Array(32).fill(2);
/** A sender and a receiver of one direction; `inPlace` opens datagrams in place (as over UdpTransport). */
const pair = (inPlace: boolean) => ({
  sender: new PacketSeal({ send: KEY_A, receive: KEY_B }, PROTOCOL_ID, 1200, inPlace),
  receiver: new PacketSeal({ send: KEY_B, receive: KEY_A }, PROTOCOL_ID, 1200, inPlace),
});
const prefix = fc.constantFrom(0x25, 0x26, 0x27);
const plain = fc.uint8Array({ maxLength: 200 });

describe('sealed framing (fast-check)', () => {
  it('opens exactly what was sealed, in place or into scratch, whatever the prefix', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(prefix, plain), { minLength: 1, maxLength: 20 }),
        (inPlace, packets) => {
          const { sender, receiver } = pair(inPlace);
          for (const [p, bytes] of packets) {
            const sealed = sender.seal(p, bytes);
            expect(sealed.length).toBe(bytes.length + SEAL_OVERHEAD_BYTES);
            expect(sealed[0]).toBe(p);
            const opened = receiver.open(sealed.slice());
            expect(opened).toEqual(bytes);
          }
        },
      ),
    );
  });

  it('refuses every truncated, extended or bit-flipped packet, and the original still opens afterwards', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({
        kind: fc.constant('extend' as const),
        junk: fc.uint8Array({ minLength: 1, maxLength: 32 }),
      }),
    );
    fc.assert(
      fc.property(fc.boolean(), prefix, plain, mutation, (inPlace, p, bytes, m) => {
        const { sender, receiver } = pair(inPlace);
        const sealed = sender.seal(p, bytes);
        let bad: Uint8Array;
        if (m.kind === 'truncate') bad = sealed.slice(0, m.at % sealed.length);
        else if (m.kind === 'flip') {
          bad = sealed.slice();
          bad[m.at % bad.length]! ^= 1 << m.bit;
        } else {
          bad = new Uint8Array(sealed.length + m.junk.length);
          bad.set(sealed);
          bad.set(m.junk, sealed.length);
        }
        const result = receiver.open(bad);
        expect(typeof result).toBe('string');
        // A flipped packet-number bit may land on a number the window refuses or one past 2^53.
        expect(['malformed', 'unauthenticated', 'replayed']).toContain(result);
        if (bad.length < SEAL_OVERHEAD_BYTES) expect(result).toBe('malformed');
        expect(receiver.open(sealed.slice())).toEqual(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('opens each packet number once: replays and numbers 256 behind the newest are refused as replayed', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 599 }), { minLength: 1, maxLength: 400 }), (order) => {
        const { sender, receiver } = pair(false);
        const sealed = Array.from({ length: 600 }, (_, i) =>
          sender.seal(0x25, Uint8Array.of(i & 0xff, i >> 8)),
        );
        const opened = new Set<number>();
        let newest = -1;
        for (const i of order) {
          const result = receiver.open(sealed[i]!);
          const expected = opened.has(i) || i + REPLAY_WINDOW <= newest ? 'replayed' : 'opened';
          if (expected === 'replayed') expect(result).toBe('replayed');
          else {
            expect(result).toEqual(Uint8Array.of(i & 0xff, i >> 8));
            opened.add(i);
            newest = Math.max(newest, i);
          }
        }
      }),
    );
  });

  it('a packet sealed under another key, protocol id or direction never opens', () => {
    const { sender } = pair(false);
    const stranger = new PacketSeal({ send: KEY_B, receive: KEY_B }, PROTOCOL_ID, 1200, false);
    const otherProtocol = new PacketSeal({ send: KEY_A, receive: KEY_A }, PROTOCOL_ID + 1, 1200, false);
    const packet = sender.seal(0x25, Uint8Array.of(1, 2, 3));
    expect(stranger.open(packet)).toBe('unauthenticated');
    expect(otherProtocol.open(packet)).toBe('unauthenticated');
    const self = new PacketSeal({ send: KEY_A, receive: KEY_B }, PROTOCOL_ID, 1200, false);
    expect(self.open(packet)).toBe('unauthenticated'); // a packet reflected back to its sender
  });
});

describe('packet numbers and the replay window', () => {
  it('round-trip u64 packet numbers up to 2^53 - 1 and read larger ones as above the limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_PACKET_NUMBER }), (n) => {
        const bytes = new Uint8Array(9);
        writePacketNumber(bytes, 1, n);
        expect(readPacketNumber(bytes, 1)).toBe(n);
        expect(new DataView(bytes.buffer).getBigUint64(1, true)).toBe(BigInt(n));
      }),
    );
    const huge = new Uint8Array(8).fill(0xff);
    expect(readPacketNumber(huge, 0)).toBeGreaterThan(MAX_PACKET_NUMBER);
  });

  it('refuses a number already accepted or 256 behind the newest, and nothing moves on seen() alone', () => {
    const window = new ReplayWindow();
    expect(window.seen(5)).toBeUndefined();
    expect(window.seen(5)).toBeUndefined(); // checking records nothing
    window.accept(5);
    expect(window.seen(5)).toBe('duplicate');
    window.accept(300);
    expect(window.seen(44)).toBe('too_old');
    expect(window.seen(45)).toBeUndefined();
    expect(window.seen(299)).toBeUndefined();
    window.accept(45);
    expect(window.seen(45)).toBe('duplicate');
  });
});
