import type { ChannelCounters } from './channel-counters.js';
import type { ChannelObserver } from './channel-observer.js';
import type { RttEstimator } from './rtt-estimator.js';
import { sequenceGreaterThan, sequenceLessThan } from './sequence.js';
import { SequenceBuffer } from './sequence-buffer.js';

const PENDING = 0;
const ACKED = 1;
const LOST = 2;

/**
 * A sent data packet: when, its fate, and the reliable units (id * 65536 + fragment) it carried,
 * `units[0, unitCount)`. One object per slot of the sent buffer, reused as sequences come round.
 */
interface SentPacket {
  sentAt: number;
  state: number;
  units: number[];
  unitCount: number;
}

/** Late arrivals remembered between two updates (beyond this they are resent instead). */
const MAX_LATE_ACKS = 64;
/** Weight of each settled packet in the loss estimate (exponential moving average). */
const LOSS_SMOOTHING = 0.05;

/**
 * Packet-level reliability, as in reliable.c's endpoint: outgoing sequence numbers, the sent and
 * received packet buffers, ack generation and processing, loss (a packet 32 or more behind the
 * newest ack), RTT samples and the loss estimate. Message-level work (what a packet carried) is
 * left to the `onUnitAcked` callback.
 * @internal
 */
export class PacketAcks {
  /** Next outgoing sequence (16-bit). */
  sequence = 0;
  /** Loss estimate 0..1 (see {@link PacketAcks.settle}). */
  loss = 0;
  readonly sent: SequenceBuffer<SentPacket>;
  /** Received data packets: true = acknowledge, false = seen but some reliable data was skipped. */
  readonly received: SequenceBuffer<boolean>;
  private sentAny = false;
  private lossCursor = 0;
  private settleCursor = 0;
  private readonly late: number[] = [];

  constructor(
    size: number,
    private readonly stats: ChannelCounters,
    private readonly rtt: RttEstimator,
    private readonly observer: ChannelObserver | undefined,
    private readonly onUnitAcked: (unit: number) => void,
  ) {
    this.sent = new SequenceBuffer(size);
    this.received = new SequenceBuffer(size);
  }

  /** The ack and bitfield to put in the next packet (or for the stretch ending at `base`). */
  acks(base?: number): { ack: number; ackBits: number } {
    return this.received.ackBits(base);
  }

  /** An ack field may only acknowledge packets this side has sent. */
  isPlausible(ack: number, ackBits: number): boolean {
    if (ackBits === 0) return true;
    if (!this.sentAny) return false;
    return !sequenceGreaterThan(ack, (this.sequence - 1) & 0xffff);
  }

  /** Records a data packet going out now with the units `units[0, count)`; returns its sequence. */
  recordSent(now: number, units: readonly number[], count: number): number {
    const sequence = this.sequence;
    const evicted = this.sent.atSlot(sequence);
    if (evicted?.state === PENDING) this.markLost(evicted);
    const floor = (sequence - this.sent.size + 1) & 0xffff;
    if (this.sentAny && sequenceLessThan(this.lossCursor, floor)) this.lossCursor = floor;
    let p = this.sent.slotValue(sequence);
    if (p === undefined) {
      p = { sentAt: now, state: PENDING, units: [], unitCount: 0 };
    } else {
      p.sentAt = now;
      p.state = PENDING;
    }
    for (let i = 0; i < count; i++) p.units[i] = units[i]!;
    p.unitCount = count;
    this.sent.insert(sequence, p);
    this.sequence = (sequence + 1) & 0xffff;
    this.sentAny = true;
    return sequence;
  }

  /** Whether an incoming data packet is new, a duplicate, or older than the receive buffer. */
  classify(sequence: number): 'new' | 'duplicate' | 'stale' {
    if (this.received.isStale(sequence)) return 'stale';
    return this.received.exists(sequence) ? 'duplicate' : 'new';
  }

  /**
   * Records an accepted data packet; `complete` false leaves it unacknowledged. A packet that
   * arrives more than 31 behind the newest is outside every ack sent next: it is remembered and
   * its stretch acknowledged separately ({@link PacketAcks.takeLateAcks}), so it is not resent
   * for nothing.
   */
  recordReceived(sequence: number, complete: boolean): void {
    const newest = (this.received.sequence - 1) & 0xffff;
    if (sequenceLessThan(sequence, (newest - 31) & 0xffff) && this.late.length < MAX_LATE_ACKS)
      this.late.push(sequence);
    this.received.insert(sequence, complete);
  }

  /** Bases for extra ack-only packets covering late arrivals, one per stretch of 32; clears them. */
  takeLateAcks(): number[] {
    const bases: number[] = [];
    let covered = -1;
    for (let i = this.late.length - 1; i >= 0; i--) {
      const s = this.late[i]!;
      if (covered >= 0 && !sequenceGreaterThan(s, covered) && !sequenceLessThan(s, (covered - 31) & 0xffff))
        continue;
      if (this.received.isStale(s)) continue;
      bases.push(s);
      covered = s;
    }
    this.late.length = 0;
    return bases;
  }

  /** Applies an ack field from the peer (already checked plausible). */
  process(ack: number, ackBits: number, now: number): void {
    if (ackBits === 0) return;
    for (let i = 0; i < 32; i++) {
      if ((ackBits & (1 << i)) === 0) continue;
      const p = this.sent.find((ack - i) & 0xffff);
      if (!p || p.state === ACKED) continue;
      if (p.state === PENDING) {
        this.stats.packetsAcked++;
        if (i === 0) {
          // Only the packet the ack names times the round trip; older bits may be late by design.
          const sample = now - p.sentAt;
          this.rtt.sample(sample);
          this.observer?.rttSample?.(sample / 1000);
        }
      } else {
        this.stats.packetsAckedLate++;
      }
      p.state = ACKED;
      for (let k = 0; k < p.unitCount; k++) this.onUnitAcked(p.units[k]!);
    }
    // Packets 32 or more behind this ack can no longer be acknowledged by a newest-ack: lost.
    const limit = (ack - 31) & 0xffff;
    while (sequenceLessThan(this.lossCursor, limit) && sequenceLessThan(this.lossCursor, this.sequence)) {
      const p = this.sent.find(this.lossCursor);
      if (p?.state === PENDING) this.markLost(p);
      this.lossCursor = (this.lossCursor + 1) & 0xffff;
    }
  }

  /**
   * Feeds the loss estimate with the final fate of every packet sent at least `age` ms ago
   * (acked, late or not, versus never acked). Counting lost only once late acks can no longer
   * arrive keeps the estimate close to the real loss even under heavy reordering.
   */
  settle(now: number, age: number): void {
    while (this.settleCursor !== this.sequence) {
      const p = this.sent.find(this.settleCursor);
      if (p) {
        if (now - p.sentAt < age) return;
        this.loss += ((p.state === ACKED ? 0 : 1) - this.loss) * LOSS_SMOOTHING;
      }
      this.settleCursor = (this.settleCursor + 1) & 0xffff;
    }
  }

  private markLost(p: SentPacket): void {
    p.state = LOST;
    this.stats.packetsLost++;
    this.observer?.packetLost?.();
  }
}
