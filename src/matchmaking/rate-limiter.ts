import { type Clock, InvalidOptionError } from '../core/index.js';

/** A token bucket's size and refill rate. */
export interface RequestRateLimit {
  /** Tokens a fresh bucket holds: the burst allowed before the rate applies (a positive integer). */
  readonly burst: number;
  /** Tokens added back per second (positive). */
  readonly perSecond: number;
}

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions extends RequestRateLimit {
  /** Time source. */
  readonly clock: Clock;
  /**
   * The most keys tracked at once (default 100 000). Past it, buckets that have refilled are
   * forgotten (a full bucket is the same as none); if every bucket is still draining, new keys
   * are refused until some refill, so an attacker rotating keys cannot grow memory without bound.
   */
  readonly maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Token buckets by key (an address, a player id): each key may spend `burst` requests at once,
 * then `perSecond` on average. Pure logic on an injected clock.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;
  private readonly perMs: number;
  private readonly clock: Clock;
  private readonly maxKeys: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  /** @param options - see {@link RateLimiterOptions}. */
  constructor(options: RateLimiterOptions) {
    if (!Number.isInteger(options.burst) || options.burst <= 0)
      throw new InvalidOptionError('burst', `must be a positive integer, got ${options.burst}`);
    if (!(options.perSecond > 0) || !Number.isFinite(options.perSecond))
      throw new InvalidOptionError('perSecond', `must be a positive number, got ${options.perSecond}`);
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isInteger(maxKeys) || maxKeys <= 0)
      throw new InvalidOptionError('maxKeys', `must be a positive integer, got ${maxKeys}`);
    this.burst = options.burst;
    this.perMs = options.perSecond / 1000;
    this.clock = options.clock;
    this.maxKeys = maxKeys;
  }

  /** Keys currently tracked. */
  get size(): number {
    return this.buckets.size;
  }

  /**
   * Spends one token of `key`'s bucket.
   *
   * @returns 0 when the request may go ahead, else the milliseconds until a token is back.
   */
  take(key: string): number {
    const now = this.clock.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys && !this.sweep(now)) return Math.ceil(1 / this.perMs);
      bucket = { tokens: this.burst, at: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perMs);
  }

  /**
   * Forgets refilled buckets; true when that made room. Runs at most once per token interval, so
   * a stream of new keys against a full table costs O(1) each, not a scan each.
   */
  private sweep(now: number): boolean {
    if (now - this.lastSweep < 1 / this.perMs) return false;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (now - bucket.at) * this.perMs >= this.burst) this.buckets.delete(key);
    }
    return this.buckets.size < this.maxKeys;
  }
}
