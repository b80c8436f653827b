import type { Timers } from '../core/index.js';

const EXPIRED = Symbol('deadline expired');

/**
 * One time limit shared by several awaits (a matching round's calls to the allocator and the
 * room store): its timer starts with the first {@link Deadline.race} and is cancelled by
 * {@link Deadline.clear}.
 *
 * @internal
 */
export class Deadline {
  private timer: unknown;
  private expiry: Promise<never> | undefined;
  private passed = false;

  constructor(
    private readonly timers: Timers,
    private readonly ms: number,
  ) {}

  /** Whether the limit passed before {@link Deadline.clear}. */
  get expired(): boolean {
    return this.passed;
  }

  /** Settles like `promise`, or rejects with `onExpiry()` if the limit passes first. */
  async race<T>(promise: Promise<T>, onExpiry: () => Error): Promise<T> {
    this.expiry ??= new Promise<never>((_, reject) => {
      this.timer = this.timers.setTimeout(() => {
        this.passed = true;
        reject(EXPIRED);
      }, this.ms);
    });
    try {
      return await Promise.race([promise, this.expiry]);
    } catch (err) {
      throw err === EXPIRED ? onExpiry() : err;
    }
  }

  /** Cancels the timer (call once the awaits are over). */
  clear(): void {
    if (this.expiry !== undefined) this.timers.clearTimeout(this.timer);
  }
}
