/**
 * What a server tick loop reports: {@link TickLoop} calls `tick` after each tick; `activeRooms` is
 * for the program's room code to call. The metrics module's `MetricsCollector` implements it.
 */
export interface TickObserver {
  /** One tick ran for `seconds` seconds of wall time (work only, not the sleep). */
  tick(seconds: number): void;
  /** The number of active rooms changed. */
  activeRooms?(count: number): void;
}
