/**
 * A token bucket: `ratePerSecond` tokens per second up to `burst`; each packet takes one.
 * @internal
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.refilledAt = now;
  }

  /** Takes one token if there is one. */
  take(now: number): boolean {
    if (now > this.refilledAt) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.ratePerSecond) / 1000);
      this.refilledAt = now;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * What the server tracks for an address that has not completed the handshake: its rate limit and
 * the bytes exchanged with it (anti-amplification: never send more than was received).
 * @internal
 */
export interface AddressState {
  readonly bucket: TokenBucket;
  bytesReceived: number;
  bytesSent: number;
}

/**
 * A bounded map from address key to {@link AddressState} with least-recently-used eviction, so a
 * flood of spoofed source addresses costs at most `capacity` entries.
 * @internal
 */
export class AddressTable {
  private readonly entries = new Map<string, AddressState>();
  private evicted = 0;

  constructor(private readonly capacity: number) {}

  /** Entries evicted to make room, in total. */
  get evictions(): number {
    return this.evicted;
  }

  /** Number of tracked addresses. */
  get size(): number {
    return this.entries.size;
  }

  /** The state of `key`, marked most recently used, or `undefined`. */
  get(key: string): AddressState | undefined {
    const state = this.entries.get(key);
    if (state !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, state);
    }
    return state;
  }

  /** Adds a state for `key`, evicting the least recently used entry when full. */
  add(key: string, state: AddressState): void {
    if (this.entries.size >= this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) {
        this.entries.delete(oldest.value);
        this.evicted++;
      }
    }
    this.entries.set(key, state);
  }

  /** Forgets `key` (it completed the handshake). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.clear();
  }
}
