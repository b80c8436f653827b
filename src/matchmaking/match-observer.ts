import type { MatchRefusal } from './caller.js';

/**
 * What a {@link MatchServer} reports. Every member is optional and called synchronously; the
 * metrics module provides an implementation, this module never imports it.
 */
export interface MatchObserver {
  /** A match request arrived (counted whatever its outcome). */
  matchRequest?(): void;
  /** A match was created. */
  matchCreated?(): void;
  /** The number of players waiting in the queue, as last read by the matcher loop. */
  queueSize?(count: number): void;
  /** A player waited `seconds` seconds from first request to being matched. */
  matchWait?(seconds: number): void;
  /** A match was created between players whose ratings differ by `gap` (absolute). */
  matchRatingGap?(gap: number): void;
  /** A request or a connection was refused before reaching the queue (401, 403, 429, closed). */
  requestRefused?(reason: MatchRefusal): void;
}
