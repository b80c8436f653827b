import type { Clock, Logger } from '../core/index.js';
import type { RoomCounters, RoomObserver } from './room-observer.js';

/** A per-seat token bucket on input frames. */
export interface InputRateLimit {
  /** Sustained frames per second. */
  readonly framesPerSecond: number;
  /** Frames that may arrive at once after a quiet period. */
  readonly burst: number;
}

/**
 * What a {@link RoomHost} hands every room it creates (pass it on to the `Room` constructor):
 * the host's clock, rates, input window and where rooms count and report. One object per host.
 */
export interface RoomContext {
  /** The host's time source. */
  readonly clock: Clock;
  /** Simulation ticks per second. */
  readonly tickRate: number;
  /** A snapshot goes out every this many ticks (`tickRate / snapshotRate`). */
  readonly ticksPerSnapshot: number;
  /** How long a disconnected player's seat is held for them, in ms. */
  readonly reconnectGraceMs: number;
  /** Inputs stamped more than this many ticks ahead of the server are refused (`future`). */
  readonly maxInputLeadTicks: number;
  /** Inputs stamped more than this many ticks behind the server are refused (`past`). */
  readonly maxInputAgeTicks: number;
  /** Per-seat input frame rate limit. */
  readonly inputRate: InputRateLimit;
  /** The host's totals, which every room adds to. */
  readonly counters: RoomCounters;
  /** Receives refusals (e.g. `MetricsCollector.roomObserver`). */
  readonly observer: RoomObserver | undefined;
  /** Where rooms log. */
  readonly logger: Logger;
}
