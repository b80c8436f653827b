/**
 * Why an input frame or an input was refused.
 * - `malformed`: the frame could not be parsed (a frame).
 * - `wrong_seat`: the frame names a seat that is not the sender's (a frame).
 * - `rate_limited`: the sender's seat exceeded its input frame rate (a frame).
 * - `future`: an input stamped more than `maxInputLeadTicks` ahead of the server (an input).
 * - `past`: an input stamped more than `maxInputAgeTicks` behind the server (an input).
 * - `impossible`: the game's `isInputPossible` refused it when it was due (an input).
 */
export type InputRejection = 'malformed' | 'wrong_seat' | 'rate_limited' | 'future' | 'past' | 'impossible';

/** Every {@link InputRejection}, in a fixed order (metrics export each from the start, at 0). */
export const INPUT_REJECTIONS: readonly InputRejection[] = Object.freeze([
  'malformed',
  'wrong_seat',
  'rate_limited',
  'future',
  'past',
  'impossible',
]);

/**
 * Why a connection was not seated.
 * - `unclaimed`: the connection carries no seat claim (no verified token).
 * - `no_room`: the claim's room is not here and the game would not open it.
 * - `full`: the host already runs `maxRooms` rooms.
 * - `wrong_match`: the claim names another match than the room's.
 * - `no_seat`: the claim's player has no seat in the room.
 * - `seat_taken`: the seat is held by a live connection with another token (a takeover attempt).
 * - `room_closed`: the room has ended.
 */
export type SeatRefusal =
  | 'unclaimed'
  | 'no_room'
  | 'full'
  | 'wrong_match'
  | 'no_seat'
  | 'seat_taken'
  | 'room_closed';

/** Every {@link SeatRefusal}, in a fixed order. */
export const SEAT_REFUSALS: readonly SeatRefusal[] = Object.freeze([
  'unclaimed',
  'no_room',
  'full',
  'wrong_match',
  'no_seat',
  'seat_taken',
  'room_closed',
]);

/**
 * What rooms report: refused inputs and seats. The metrics module implements it
 * (`MetricsCollector.roomObserver`); calls must be cheap (plain counting).
 */
export interface RoomObserver {
  /** An input frame or input was refused (see {@link InputRejection} for which it counts). */
  inputRejected(reason: InputRejection): void;
  /** A connection was refused a seat (and disconnected). */
  seatRefused(reason: SeatRefusal): void;
}

/** Running totals of a room host, over all its rooms. Plain numbers. */
export interface RoomCounters {
  /** Inputs applied at their tick (or, late but in the window, at the next tick). */
  inputsApplied: number;
  /** Inputs that arrived after their tick but inside the window, applied at the next tick. */
  inputsLate: number;
  /** Copies of inputs already received (each frame repeats the last few): expected, not refused. */
  inputsRedundant: number;
  /** Refused inputs and frames, by reason. */
  inputsRejected: Record<InputRejection, number>;
  /** Connections refused a seat, by reason. */
  seatsRefused: Record<SeatRefusal, number>;
  /** Snapshot acks the room's snapshotter rejected. */
  badAcks: number;
  /** Reliable game messages that were empty or came from a replaced connection. */
  badMessages: number;
  /** Seats given back to their player within the grace period. */
  reconnects: number;
  /** Seats whose player did not come back within the grace period. */
  seatsLost: number;
  /** Snapshots sent. */
  snapshotsSent: number;
}

/** New all-zero {@link RoomCounters}. @internal */
export function newRoomCounters(): RoomCounters {
  const zeros = <K extends string>(keys: readonly K[]) =>
    Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  return {
    inputsApplied: 0,
    inputsLate: 0,
    inputsRedundant: 0,
    inputsRejected: zeros(INPUT_REJECTIONS),
    seatsRefused: zeros(SEAT_REFUSALS),
    badAcks: 0,
    badMessages: 0,
    reconnects: 0,
    seatsLost: 0,
    snapshotsSent: 0,
  };
}
