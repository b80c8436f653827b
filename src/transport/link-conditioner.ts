import { InvalidOptionError, type RandomSource } from '../core/index.js';

/**
 * The conditions of one directed link, as a network simulator applies them. Every field is
 * optional and defaults to a perfect link (no loss, no delay, unlimited bandwidth).
 *
 * Reordering is the natural result of jitter (a later datagram may draw a shorter delay);
 * `reorderRate` adds more on top.
 */
export interface LinkConditions {
  /** Probability in [0, 1] that a datagram is lost. */
  readonly lossRate?: number;
  /** Probability in [0, 1] that a delivered datagram arrives a second time (independent delay). */
  readonly duplicateRate?: number;
  /** One-way base latency in milliseconds (>= 0). */
  readonly latencyMs?: number;
  /** Each delivery's delay is `latencyMs` plus a uniform draw in `[-jitterMs, +jitterMs]`, clamped at 0. */
  readonly jitterMs?: number;
  /**
   * Probability in [0, 1] that a datagram is held back an extra `latencyMs + jitterMs + 1` ms,
   * so that datagrams sent after it overtake it.
   */
  readonly reorderRate?: number;
  /**
   * Serialization rate of the link in bytes per second; `0` or absent means unlimited. Datagrams
   * queue behind each other at this rate.
   */
  readonly bandwidthBytesPerSecond?: number;
  /**
   * With a bandwidth cap: how many bytes may wait in the link's queue; a datagram that does not
   * fit is dropped and counted in `droppedByBandwidth`. Default 65,536.
   */
  readonly maxQueuedBytes?: number;
}

/** One scheduled arrival of a datagram: when, and which bytes (the same array that was submitted). */
export interface LinkDelivery {
  /** Arrival time in milliseconds, on the same clock as the `now` passed to `submit`. */
  readonly deliverAt: number;
  /** The datagram's bytes (not copied). */
  readonly data: Uint8Array;
}

/** What a {@link LinkConditioner} has done so far. Plain numbers. */
export interface LinkCounters {
  /** Datagrams submitted. */
  submitted: number;
  /** Deliveries scheduled (duplicates included). */
  delivered: number;
  /** Datagrams lost to `lossRate`. */
  droppedByLoss: number;
  /** Datagrams dropped because the bandwidth queue was full. */
  droppedByBandwidth: number;
  /** Extra copies scheduled by `duplicateRate`. */
  duplicated: number;
  /** Datagrams held back by `reorderRate`. */
  reordered: number;
}

/** Options of {@link LinkConditioner}. */
export interface LinkConditionerOptions {
  /** Initial conditions (default: a perfect link). */
  conditions?: LinkConditions;
  /** The source of chance; pass a seeded one for reproducible runs. */
  random: RandomSource;
}

const DEFAULT_MAX_QUEUED_BYTES = 65_536;

/**
 * Decides, for each datagram put on a link, whether and when it arrives: loss, duplication,
 * latency, jitter, extra reordering and a bandwidth cap with a bounded queue. Pure logic: it is
 * given the time and a random source and never touches a socket or timer, so `MemoryNetwork` and
 * the loopback `LossyUdpProxy` apply identical conditions. Same random sequence and same calls
 * give the same deliveries.
 */
export class LinkConditioner {
  private conditions: Required<LinkConditions>;
  private readonly random: RandomSource;
  /** Time at which the bandwidth-limited link finishes serializing what is already queued. */
  private busyUntil = 0;
  private readonly stats: LinkCounters = {
    submitted: 0,
    delivered: 0,
    droppedByLoss: 0,
    droppedByBandwidth: 0,
    duplicated: 0,
    reordered: 0,
  };

  /** @param options - conditions and random source. */
  constructor(options: LinkConditionerOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'required');
    if (!options.random || typeof options.random.next !== 'function')
      throw new InvalidOptionError('random', 'must be a RandomSource');
    this.random = options.random;
    this.conditions = normalizeConditions(options.conditions ?? {});
  }

  /** What this link has done so far (a live, read-only view). */
  get counters(): Readonly<LinkCounters> {
    return this.stats;
  }

  /** The current conditions, defaults filled in. */
  getConditions(): Readonly<Required<LinkConditions>> {
    return this.conditions;
  }

  /**
   * Replaces the conditions; applies to datagrams submitted from now on.
   * @param conditions - the new conditions (validated; throws `InvalidOptionError`).
   */
  setConditions(conditions: LinkConditions): void {
    this.conditions = normalizeConditions(conditions);
  }

  /**
   * Puts one datagram on the link.
   * @param data - the datagram (not copied; copy it first if the caller may reuse the buffer).
   * @param now - current time in milliseconds.
   * @returns zero (lost), one, or two (duplicated) deliveries, in no particular order.
   */
  submit(data: Uint8Array, now: number): LinkDelivery[] {
    const c = this.conditions;
    this.stats.submitted++;
    if (c.lossRate > 0 && this.random.next() < c.lossRate) {
      this.stats.droppedByLoss++;
      return [];
    }
    let departAt = now;
    if (c.bandwidthBytesPerSecond > 0) {
      const start = Math.max(now, this.busyUntil);
      const queuedBytes = ((start - now) * c.bandwidthBytesPerSecond) / 1000;
      if (queuedBytes + data.length > c.maxQueuedBytes) {
        this.stats.droppedByBandwidth++;
        return [];
      }
      this.busyUntil = start + (data.length * 1000) / c.bandwidthBytesPerSecond;
      departAt = this.busyUntil;
    }
    const deliveries: LinkDelivery[] = [{ deliverAt: departAt + this.delay(), data }];
    if (c.reorderRate > 0 && this.random.next() < c.reorderRate) {
      this.stats.reordered++;
      deliveries[0] = { deliverAt: deliveries[0]!.deliverAt + c.latencyMs + c.jitterMs + 1, data };
    }
    if (c.duplicateRate > 0 && this.random.next() < c.duplicateRate) {
      this.stats.duplicated++;
      deliveries.push({ deliverAt: departAt + this.delay(), data });
    }
    this.stats.delivered += deliveries.length;
    return deliveries;
  }

  private delay(): number {
    const c = this.conditions;
    if (c.jitterMs === 0) return c.latencyMs;
    return Math.max(0, c.latencyMs + (this.random.next() * 2 - 1) * c.jitterMs);
  }
}

/**
 * Validates conditions and fills in the defaults; throws `InvalidOptionError` naming the field.
 * @internal
 */
export function normalizeConditions(conditions: LinkConditions): Required<LinkConditions> {
  if (conditions === null || typeof conditions !== 'object')
    throw new InvalidOptionError('conditions', 'must be an object');
  const probability = (name: keyof LinkConditions): number => {
    const v = conditions[name] ?? 0;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new InvalidOptionError(name, `must be a number in [0, 1], got ${String(v)}`);
    return v;
  };
  const nonNegative = (name: keyof LinkConditions, fallback: number): number => {
    const v = conditions[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new InvalidOptionError(name, `must be a finite number >= 0, got ${String(v)}`);
    return v;
  };
  return {
    lossRate: probability('lossRate'),
    duplicateRate: probability('duplicateRate'),
    reorderRate: probability('reorderRate'),
    latencyMs: nonNegative('latencyMs', 0),
    jitterMs: nonNegative('jitterMs', 0),
    bandwidthBytesPerSecond: nonNegative('bandwidthBytesPerSecond', 0),
    maxQueuedBytes: nonNegative('maxQueuedBytes', DEFAULT_MAX_QUEUED_BYTES),
  };
}
