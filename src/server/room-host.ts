import {
  type Clock,
  InvalidOptionError,
  type Logger,
  silentLogger,
  systemClock,
  type Timers,
} from '../core/index.js';
import type { Connection, ConnectionServer } from '../transport/index.js';
import type { Room } from './room.js';
import type { InputRateLimit, RoomContext } from './room-context.js';
import { newRoomCounters, type RoomCounters, type RoomObserver, type SeatRefusal } from './room-observer.js';
import { type ClaimReader, readSeatClaim, type SeatClaim } from './seat-claim.js';
import { TickLoop } from './tick-loop.js';
import type { TickObserver } from './tick-observer.js';

/** Options of {@link RoomHost}. */
export interface RoomHostOptions<R extends Room> {
  /** The connection server whose clients are seated (its token check decides who connects at all). */
  connections: ConnectionServer;
  /**
   * The game's verdict on a claim for a room that is not open here: a new room (built with
   * `context`), or `undefined` to refuse (`no_room`; so is a throw, which is logged). Called once
   * per room; later claims for the same room go to the room's own seat check.
   */
  createRoom: (claim: SeatClaim, context: RoomContext) => R | undefined;
  /** Reads a connection's claim (default {@link readSeatClaim}: its verified connect token). */
  readClaim?: ClaimReader;
  /** Simulation ticks per second (default 60). */
  tickRate?: number;
  /** Snapshots per second; must divide `tickRate` (default `tickRate`). */
  snapshotRate?: number;
  /** Most rooms at once (default 500); a claim for another room is refused `full`. */
  maxRooms?: number;
  /** How long a disconnected player's seat is held for them (default 10,000 ms). */
  reconnectGraceMs?: number;
  /** Inputs stamped further ahead than this are refused `future` (default `tickRate / 2` ticks, 0.5 s). */
  maxInputLeadTicks?: number;
  /** Inputs stamped further back than this are refused `past` (default `tickRate / 4` ticks, 0.25 s). */
  maxInputAgeTicks?: number;
  /** Per-seat input frame limit (default `2 * tickRate` frames/s, burst `tickRate / 2`). */
  inputRate?: InputRateLimit;
  /** Time source (default `systemClock`). */
  clock?: Clock;
  /** Timers of the tick loop (default the global ones). */
  timers?: Timers;
  /** Where the host and its rooms log (default silent). */
  logger?: Logger;
  /** Receives each tick's duration and the room count (e.g. `MetricsCollector.tickObserver`). */
  tickObserver?: TickObserver;
  /** Receives refused inputs and seats (e.g. `MetricsCollector.roomObserver`). */
  roomObserver?: RoomObserver;
  /** Called when a room is dropped (ended and lingered, or the host stopped). */
  onRoomClosed?: (room: R) => void;
}

/** Room ids remembered after their room closed, so a late connect cannot reopen a finished match. */
const CLOSED_MEMORY = 4096;

/**
 * Hosts rooms on one {@link ConnectionServer}: seats each new connection in the room its connect
 * token names (creating the room through `createRoom` on its first claim), runs one
 * {@link TickLoop} whose every tick steps every room and then the connection server, and reports
 * tick durations and the room count to a {@link TickObserver}.
 *
 * @example
 * ```ts
 * const host = new RoomHost({
 *   connections,
 *   tickRate: 60,
 *   snapshotRate: 30,
 *   createRoom: (claim, context) => new MyRoom(context, { roomId: claim.roomId, ... }),
 * });
 * host.start();
 * ```
 */
export class RoomHost<R extends Room = Room> {
  /** The tick loop (its `ticks`, `skippedTicks`, `failedTicks`). */
  readonly loop: TickLoop;
  /** The connection server. */
  readonly connections: ConnectionServer;
  /** Totals over every room, plain numbers. */
  readonly counters: RoomCounters;
  /** What rooms are handed. */
  readonly context: RoomContext;
  private readonly options: RoomHostOptions<R>;
  private readonly readClaim: ClaimReader;
  private readonly maxRooms: number;
  private readonly open = new Map<string, R>();
  private readonly closed = new Set<string>();
  private readonly onConnect = (connection: Connection) => this.seat(connection);

  /**
   * @param options - see {@link RoomHostOptions}.
   * @throws InvalidOptionError for a bad rate, a snapshot rate that does not divide the tick rate,
   *   or a bad limit.
   */
  constructor(options: RoomHostOptions<R>) {
    if (typeof options.createRoom !== 'function')
      throw new InvalidOptionError('createRoom', 'must be a function');
    const tickRate = options.tickRate ?? 60;
    if (!(Number.isInteger(tickRate) && tickRate >= 1 && tickRate <= 1000))
      throw new InvalidOptionError('tickRate', 'must be an integer in [1, 1000]');
    const snapshotRate = options.snapshotRate ?? tickRate;
    const ticksPerSnapshot = tickRate / snapshotRate;
    if (!(Number.isInteger(ticksPerSnapshot) && ticksPerSnapshot >= 1 && ticksPerSnapshot <= 255))
      throw new InvalidOptionError('snapshotRate', `must divide the tick rate (${tickRate})`);
    const int = (name: string, value: number | undefined, fallback: number, min: number, max: number) => {
      const v = value ?? fallback;
      if (!(Number.isInteger(v) && v >= min && v <= max))
        throw new InvalidOptionError(name, `must be an integer in [${min}, ${max}], got ${String(v)}`);
      return v;
    };
    this.maxRooms = int('maxRooms', options.maxRooms, 500, 1, 1_000_000);
    const inputRate = options.inputRate ?? { framesPerSecond: 2 * tickRate, burst: Math.ceil(tickRate / 2) };
    if (!(inputRate.framesPerSecond > 0 && inputRate.burst >= 1))
      throw new InvalidOptionError('inputRate', 'framesPerSecond must be > 0 and burst >= 1');
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.options = options;
    this.connections = options.connections;
    this.readClaim = options.readClaim ?? readSeatClaim;
    this.counters = newRoomCounters();
    this.context = {
      clock,
      tickRate,
      ticksPerSnapshot,
      reconnectGraceMs: int('reconnectGraceMs', options.reconnectGraceMs, 10_000, 0, 3_600_000),
      maxInputLeadTicks: int('maxInputLeadTicks', options.maxInputLeadTicks, Math.ceil(tickRate / 2), 1, 255),
      maxInputAgeTicks: int('maxInputAgeTicks', options.maxInputAgeTicks, Math.ceil(tickRate / 4), 0, 255),
      inputRate: { framesPerSecond: inputRate.framesPerSecond, burst: inputRate.burst },
      counters: this.counters,
      observer: options.roomObserver,
      logger,
    };
    this.loop = new TickLoop({
      rate: tickRate,
      clock,
      logger,
      onTick: (tick, dt) => this.tick(tick + 1, dt),
      ...(options.tickObserver === undefined ? {} : { observer: options.tickObserver }),
      ...(options.timers === undefined ? {} : { timers: options.timers }),
    });
  }

  /** Open rooms by id. */
  get rooms(): ReadonlyMap<string, R> {
    return this.open;
  }

  /** Starts seating connections and ticking. */
  start(): void {
    this.connections.on('connect', this.onConnect);
    this.loop.start();
  }

  /** Stops ticking, drops every room (disconnecting its players) and stops seating. */
  stop(): void {
    this.loop.stop();
    this.connections.off('connect', this.onConnect);
    for (const id of [...this.open.keys()]) this.drop(id);
  }

  /**
   * Runs one tick of every room, then the connection server's update. The loop calls it; call it
   * yourself only when not using {@link RoomHost.start}'s loop.
   * @param tick - the tick number (from 1, increasing by one).
   * @param dt - the fixed step, in seconds.
   */
  tick(tick: number, dt: number): void {
    // values(), not entries(): no [id, room] array per room per tick.
    for (const room of this.open.values()) {
      let alive = false;
      try {
        alive = room.step(tick, dt);
      } catch (err) {
        // One room's bug ends that room, not the server.
        this.context.logger.error({ err, roomId: room.roomId }, 'room tick threw; closing the room');
      }
      if (!alive) this.drop(room.roomId);
    }
    this.connections.update();
  }

  private seat(connection: Connection): void {
    const claim = this.readClaim(connection);
    const refusal = claim === undefined ? 'unclaimed' : this.admit(connection, claim);
    if (refusal === undefined) return;
    this.counters.seatsRefused[refusal]++;
    this.options.roomObserver?.seatRefused(refusal);
    this.context.logger.info({ refusal, connection: connection.id }, 'connection refused a seat');
    connection.disconnect();
  }

  private admit(connection: Connection, claim: SeatClaim): SeatRefusal | undefined {
    let room = this.open.get(claim.roomId);
    if (room === undefined) {
      if (this.closed.has(claim.roomId)) return 'room_closed';
      if (this.open.size >= this.maxRooms) return 'full';
      try {
        room = this.options.createRoom(claim, this.context);
      } catch (err) {
        // A game that cannot build the room refuses the claim; the server goes on.
        this.context.logger.error({ err, roomId: claim.roomId }, 'createRoom threw');
        room = undefined;
      }
      if (room === undefined) return 'no_room';
      this.open.set(claim.roomId, room);
      this.options.tickObserver?.activeRooms?.(this.open.size);
    }
    return room.admit(connection, claim);
  }

  private drop(id: string): void {
    const room = this.open.get(id);
    if (room === undefined) return;
    this.open.delete(id);
    room.dispose();
    this.closed.add(id);
    if (this.closed.size > CLOSED_MEMORY) this.closed.delete(this.closed.values().next().value!);
    this.options.tickObserver?.activeRooms?.(this.open.size);
    this.options.onRoomClosed?.(room);
  }
}
