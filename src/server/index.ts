/**
 * The game server frame: a drift-free {@link TickLoop}, a {@link RoomHost} that seats connections
 * by their connect token and ticks every room, the {@link Room} base a game extends (seats,
 * reconnects, inputs applied at their tick, delta snapshots at their own rate) and the
 * {@link RoomClient} a game's client uses. Guide: the Server guide (`docs/server.md`).
 *
 * @module @pong/netcode/server
 */
export { Room, type RoomOptions, type Seat, type SeatState } from './room.js';
export {
  RoomClient,
  type RoomClientCounters,
  type RoomClientEvents,
  type RoomClientOptions,
} from './room-client.js';
export type { InputRateLimit, RoomContext } from './room-context.js';
export { RoomHost, type RoomHostOptions } from './room-host.js';
export {
  INPUT_REJECTIONS,
  type InputRejection,
  type RoomCounters,
  type RoomObserver,
  SEAT_REFUSALS,
  type SeatRefusal,
} from './room-observer.js';
export type { Welcome } from './room-wire.js';
export { type ClaimReader, isSeatClaim, readSeatClaim, type SeatClaim } from './seat-claim.js';
export { TickLoop, type TickLoopOptions } from './tick-loop.js';
export type { TickObserver } from './tick-observer.js';
