import {
  type Clock,
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  silentLogger,
  systemClock,
  systemTimers,
  type Timers,
} from '../core/index.js';
import type { TickObserver } from './tick-observer.js';

/** Options of {@link TickLoop}. */
export interface TickLoopOptions {
  /** Ticks per second (default 60). */
  rate?: number;
  /** Work to do each tick; gets the tick number (from 0) and the fixed step in seconds. */
  onTick: (tick: number, dt: number) => void;
  /** Time source (default {@link systemClock}). */
  clock?: Clock;
  /** Receives each tick's duration (work only). */
  observer?: TickObserver;
  /**
   * When the loop falls behind by more than this many ticks (a stalled process), it skips ahead
   * instead of running a burst of catch-up ticks; skipped ticks are counted (default 5).
   */
  maxCatchUpTicks?: number;
  /** Timer functions (default {@link systemTimers}): inject to drive the loop by hand. */
  timers?: Timers;
  /** Where an exception thrown by `onTick` is logged (default silent); the loop keeps ticking. */
  logger?: Logger;
}

/**
 * A drift-free fixed-rate loop: tick `n` is due at `start + n / rate`, whatever the timer's
 * jitter, so over an hour the loop runs exactly `rate * 3600` ticks. Late ticks are run at once
 * (up to `maxCatchUpTicks`), then the loop skips ahead and counts what it skipped.
 */
export class TickLoop {
  /** Ticks per second. */
  readonly rate: number;
  private readonly periodMs: number;
  private readonly onTick: (tick: number, dt: number) => void;
  private readonly clock: Clock;
  private readonly observer: TickObserver | undefined;
  private readonly maxCatchUp: number;
  private readonly timers: Timers;
  private readonly logger: Logger;
  private startMs = 0;
  private nextTick = 0;
  private handle: unknown;
  private running = false;
  private ran = 0;
  private skipped = 0;
  private failed = 0;

  /** @param options - see {@link TickLoopOptions}. */
  constructor(options: TickLoopOptions) {
    const rate = options.rate ?? 60;
    if (!(Number.isFinite(rate) && rate > 0 && rate <= 1000))
      throw new InvalidOptionError('rate', 'must be in (0, 1000]');
    const maxCatchUp = options.maxCatchUpTicks ?? 5;
    if (!(Number.isInteger(maxCatchUp) && maxCatchUp >= 1)) {
      throw new InvalidOptionError('maxCatchUpTicks', 'must be an integer >= 1');
    }
    if (typeof options.onTick !== 'function') throw new InvalidOptionError('onTick', 'must be a function');
    this.rate = rate;
    this.periodMs = 1000 / rate;
    this.onTick = options.onTick;
    this.clock = options.clock ?? systemClock;
    this.observer = options.observer;
    this.maxCatchUp = maxCatchUp;
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? silentLogger;
  }

  /** Ticks run so far. */
  get ticks(): number {
    return this.ran;
  }

  /** Ticks skipped because the loop fell too far behind. */
  get skippedTicks(): number {
    return this.skipped;
  }

  /** Ticks whose `onTick` threw (each one logged; the loop went on). */
  get failedTicks(): number {
    return this.failed;
  }

  /** Starts ticking; the first tick runs at once. */
  start(): void {
    if (this.running) throw new InvalidStateError('TickLoop is already running');
    this.running = true;
    this.startMs = this.clock.now();
    this.nextTick = 0;
    this.run();
  }

  /** Stops the loop; a tick in progress completes. Idempotent. */
  stop(): void {
    this.running = false;
    if (this.handle !== undefined) this.timers.clearTimeout(this.handle);
    this.handle = undefined;
  }

  private run(): void {
    if (!this.running) return;
    const now = this.clock.now();
    const due = Math.floor((now - this.startMs) / this.periodMs);
    if (due - this.nextTick > this.maxCatchUp) {
      this.skipped += due - this.nextTick - this.maxCatchUp;
      this.nextTick = due - this.maxCatchUp;
    }
    const dt = 1 / this.rate;
    while (this.running && this.nextTick <= due) {
      const began = this.clock.now();
      try {
        this.onTick(this.nextTick, dt);
      } catch (err) {
        // One bad tick must not stop the server: log it, count it, keep the schedule.
        this.failed++;
        this.logger.error({ err, tick: this.nextTick }, 'onTick threw');
      }
      this.observer?.tick((this.clock.now() - began) / 1000);
      this.nextTick++;
      this.ran++;
    }
    if (!this.running) return;
    const wait = Math.max(0, this.startMs + this.nextTick * this.periodMs - this.clock.now());
    this.handle = this.timers.setTimeout(() => this.run(), wait);
  }
}
