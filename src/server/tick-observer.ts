/**
 * What a server tick loop reports each tick. The server frame (tick loop and rooms) implements
 * the producer side; the metrics module implements this interface.
 */
export interface TickObserver {
  /** One tick ran for `seconds` seconds of wall time (work only, not the sleep). */
  tick(seconds: number): void;
  /** The number of active rooms changed. */
  activeRooms?(count: number): void;
}
