import { type Clock, InvalidOptionError, type Logger } from '../core/index.js';
import {
  DeltaSnapshotter,
  type EntityDefinitions,
  type EntityOf,
  type SnapshotSchema,
} from '../snapshot/index.js';
import type { SnapshotObserver } from '../snapshot/snapshot-observer.js';
import { TokenBucket } from '../transport/address-table.js';
import type { Connection } from '../transport/index.js';
import { InputBuffer } from './input-buffer.js';
import type { RoomContext } from './room-context.js';
import type { InputRejection, RoomCounters, RoomObserver, SeatRefusal } from './room-observer.js';
import {
  type FrameView,
  MAX_FRAME_INPUTS,
  newFrameView,
  RoomMessageType,
  readFrame,
  SnapshotFramer,
  withType,
  writeWelcome,
} from './room-wire.js';
import type { SeatClaim } from './seat-claim.js';

/**
 * Where a seat stands.
 * - `empty`: its player has not arrived, or did not come back within the grace period.
 * - `connected`: its player is here.
 * - `away`: its player's connection ended; the seat is held for them until the grace period ends.
 */
export type SeatState = 'empty' | 'connected' | 'away';

/** One player's place in a room. */
export interface Seat {
  /** Position in {@link Room.seats} (0-based); also what the client's frames name. */
  readonly index: number;
  /** The only player who may take this seat. */
  readonly playerId: string;
  /** Where the seat stands. */
  readonly state: SeatState;
  /** The player's connection while `connected`. */
  readonly connection: Connection | undefined;
}

/** Options of a {@link Room}, besides the host's {@link RoomContext}. */
export interface RoomOptions<D extends EntityDefinitions> {
  /** The room's id (what connect tokens name). */
  roomId: string;
  /** The match the room plays (a token for another match is refused). */
  matchId: string;
  /** The players, one seat each, in seat order (at most 255, ids unique). */
  players: readonly string[];
  /** The snapshot schema of the room's world. */
  schema: SnapshotSchema<D>;
  /** Bytes per input (1 to 255): every input of this game has this size. */
  inputSize: number;
  /** Receives the room's snapshot counters. */
  snapshotObserver?: SnapshotObserver;
}

/** Every room frames its snapshots here, one at a time (a tick runs to completion). */
const framer = new SnapshotFramer();

class SeatSlot implements Seat {
  state: SeatState = 'empty';
  connection: Connection | undefined;
  tokenId: string | undefined;
  awayUntil = 0;
  bucket: TokenBucket;
  constructor(
    readonly index: number,
    readonly playerId: string,
    readonly clientId: string,
    readonly inputs: InputBuffer,
    readonly newBucket: () => TokenBucket,
  ) {
    this.bucket = newBucket();
  }
}

/**
 * A room a game extends: its seats, who may take them, the players' inputs applied at their tick,
 * and a delta snapshot to every seated player at the snapshot rate. The game supplies its rules
 * through the protected hooks ({@link Room.applyInput}, {@link Room.update},
 * {@link Room.snapshotEntities}, and optionally the others); a {@link RoomHost} creates rooms,
 * seats connections and ticks them.
 *
 * Each tick `t` a room: gives every seat's input for `t` to {@link Room.applyInput} (after
 * {@link Room.isInputPossible}), calls {@link Room.update}, and on snapshot ticks captures
 * {@link Room.snapshotEntities} and sends each connected seat its snapshot. A seat whose
 * connection ends is held `reconnectGraceMs` for its player ({@link Room.onLeave}, then
 * {@link Room.onJoin} with `rejoined`, or {@link Room.onSeatLost}).
 *
 * @example
 * ```ts
 * class Counter extends Room<typeof defs> {
 *   private count = 0;
 *   protected applyInput(_seat: Seat, input: Uint8Array) { this.count += input[0]!; }
 *   protected update() {}
 *   protected snapshotEntities() { return [{ id: 0, type: 'counter', value: this.count }]; }
 * }
 * ```
 */
export abstract class Room<D extends EntityDefinitions = EntityDefinitions> {
  /** The room's id. */
  readonly roomId: string;
  /** The match it plays. */
  readonly matchId: string;
  /** Its seats, in the order of `players`. */
  readonly seats: readonly Seat[];
  /** Bytes per input. */
  readonly inputSize: number;
  /** The host's time source. */
  protected readonly clock: Clock;
  /** Where the room logs. */
  protected readonly logger: Logger;
  readonly #slots: SeatSlot[];
  readonly #context: RoomContext;
  readonly #counters: RoomCounters;
  readonly #observer: RoomObserver | undefined;
  readonly #snapshotter: DeltaSnapshotter<D>;
  readonly #frame: FrameView = newFrameView();
  #lastTick = 0;
  #endedAt: number | undefined;
  #lingerMs = 0;
  #disposed = false;

  /**
   * @param context - the host's context, as `createRoom` received it.
   * @param options - see {@link RoomOptions}.
   * @throws InvalidOptionError for no players, duplicate player ids or a bad input size.
   */
  constructor(context: RoomContext, options: RoomOptions<D>) {
    const players = options.players;
    if (!Array.isArray(players) || players.length < 1 || players.length > 255)
      throw new InvalidOptionError('players', 'must list 1 to 255 player ids');
    if (new Set(players).size !== players.length) throw new InvalidOptionError('players', 'must be unique');
    const size = options.inputSize;
    if (!Number.isInteger(size) || size < 1 || size > 255)
      throw new InvalidOptionError('inputSize', 'must be an integer in [1, 255]');
    this.roomId = options.roomId;
    this.matchId = options.matchId;
    this.inputSize = size;
    this.#context = context;
    this.clock = context.clock;
    this.logger = context.logger;
    this.#counters = context.counters;
    this.#observer = context.observer;
    this.#snapshotter = new DeltaSnapshotter({
      schema: options.schema,
      logger: context.logger,
      ...(options.snapshotObserver === undefined ? {} : { observer: options.snapshotObserver }),
    });
    const capacity = context.maxInputLeadTicks + 2;
    const rate = context.inputRate;
    const newBucket = () => new TokenBucket(rate.framesPerSecond, rate.burst, context.clock.now());
    this.#slots = players.map(
      (id, i) => new SeatSlot(i, id, String(i), new InputBuffer(size, capacity), newBucket),
    );
    this.seats = this.#slots;
  }

  // ---- hooks the game implements ----------------------------------------------------------

  /** Applies one seat's input at its tick (a view: copy what you keep). */
  protected abstract applyInput(seat: Seat, input: Uint8Array, tick: number): void;

  /** Advances the world one tick, after this tick's inputs were applied. */
  protected abstract update(tick: number, dt: number): void;

  /** Every entity of the world now: what the snapshot captures. */
  protected abstract snapshotEntities(): Iterable<EntityOf<D>>;

  /**
   * Whether an input is possible at its tick (e.g. no move faster than the game allows); a false
   * answer refuses it as `impossible` and it is not applied. Default: every input is possible.
   */
  protected isInputPossible(_seat: Seat, _input: Uint8Array, _tick: number): boolean {
    return true;
  }

  /** A player took their seat (`rejoined`: they had it before, within the grace period or replacing a connection). */
  protected onJoin(_seat: Seat, _rejoined: boolean): void {}

  /** A seated player's connection ended; the seat is held for `reconnectGraceMs`. */
  protected onLeave(_seat: Seat): void {}

  /** A player did not come back within the grace period; the seat is empty again. */
  protected onSeatLost(_seat: Seat): void {}

  /** A reliable game message from a seated player (a view of the received bytes). */
  protected onMessage(_seat: Seat, _message: Uint8Array): void {}

  /**
   * The room is being dropped (after {@link Room.end} and its linger, or the host stopping): the
   * seats are still connected, so a last message can go out.
   */
  protected onDispose(): void {}

  // ---- what the game calls ----------------------------------------------------------------

  /** The last tick run (0 before the first). */
  get tick(): number {
    return this.#lastTick;
  }

  /** True once {@link Room.end} was called. */
  get ended(): boolean {
    return this.#endedAt !== undefined;
  }

  /** True when every seat is `connected`. */
  get allSeated(): boolean {
    for (const s of this.#slots) if (s.state !== 'connected') return false;
    return true;
  }

  /** Sends a reliable game message to one seat; false when the seat is not connected. */
  send(seat: Seat, message: Uint8Array): boolean {
    const connection = this.#slots[seat.index]?.connection;
    if (connection === undefined || !connection.connected) return false;
    connection.send(withType(RoomMessageType.message, message), 'reliable');
    return true;
  }

  /** Sends a reliable game message to every connected seat. */
  broadcast(message: Uint8Array): void {
    const framed = withType(RoomMessageType.message, message);
    for (const s of this.#slots) if (s.connection?.connected) s.connection.send(framed, 'reliable');
  }

  /**
   * Ends the match: no more inputs, updates or snapshots (this tick's snapshot still goes out);
   * after `lingerMs` (so reliable messages sent now are delivered) the seats are disconnected and
   * the room is dropped. Idempotent.
   */
  end(lingerMs = 2000): void {
    if (this.#endedAt !== undefined) return;
    this.#endedAt = this.clock.now();
    this.#lingerMs = lingerMs;
  }

  // ---- driven by the host -----------------------------------------------------------------

  /**
   * Seats a connection whose token claims `claim`, or says why not.
   * @internal
   */
  admit(connection: Connection, claim: SeatClaim): SeatRefusal | undefined {
    if (this.#endedAt !== undefined || this.#disposed) return 'room_closed';
    if (claim.matchId !== this.matchId) return 'wrong_match';
    const seat = this.#slots.find((s) => s.playerId === claim.playerId);
    if (seat === undefined) return 'no_seat';
    // A live seat changes hands only for the token that took it (its holder, from a new address).
    if (seat.state === 'connected' && seat.tokenId !== claim.tokenId) return 'seat_taken';
    const previous = seat.connection;
    const rejoined = seat.state !== 'empty';
    if (seat.state === 'away') this.#counters.reconnects++;
    seat.connection = connection;
    seat.tokenId = claim.tokenId;
    seat.state = 'connected';
    seat.inputs.reset();
    seat.bucket = seat.newBucket();
    // The old connection's disconnect must not count as leaving: the seat changed hands first.
    previous?.disconnect();
    this.#snapshotter.removeClient(seat.clientId);
    this.#snapshotter.addClient(seat.clientId);
    connection.send(
      writeWelcome({
        seat: seat.index,
        seats: this.#slots.length,
        tickRate: this.#context.tickRate,
        ticksPerSnapshot: this.#context.ticksPerSnapshot,
        tick: this.#lastTick,
      }),
      'reliable',
    );
    connection.on('message', (payload) => this.#receive(seat, connection, payload));
    connection.on('disconnect', () => {
      if (seat.connection !== connection) return;
      seat.connection = undefined;
      if (this.#endedAt !== undefined) {
        seat.state = 'empty';
        return;
      }
      seat.state = 'away';
      seat.awayUntil = this.clock.now() + this.#context.reconnectGraceMs;
      this.onLeave(seat);
    });
    this.onJoin(seat, rejoined);
    return undefined;
  }

  /**
   * Runs tick `tick`. Returns false once the room is done (ended and lingered) and was disposed.
   * @internal
   */
  step(tick: number, dt: number): boolean {
    if (this.#disposed) return false;
    this.#lastTick = tick;
    const now = this.clock.now();
    if (this.#endedAt !== undefined) {
      if (now - this.#endedAt < this.#lingerMs) return true;
      this.dispose();
      return false;
    }
    for (const seat of this.#slots) {
      if (seat.state === 'away' && now >= seat.awayUntil) {
        seat.state = 'empty';
        this.#counters.seatsLost++;
        this.onSeatLost(seat);
      }
      const input = seat.inputs.take(tick);
      if (input === undefined) continue;
      if (!this.isInputPossible(seat, input, tick)) {
        this.#reject('impossible');
        continue;
      }
      this.#counters.inputsApplied++;
      this.applyInput(seat, input, tick);
    }
    this.update(tick, dt);
    if (tick % this.#context.ticksPerSnapshot === 0 || this.#endedAt !== undefined) this.#sendSnapshots(tick);
    return true;
  }

  /** Disconnects every seat and drops the room. Idempotent. @internal */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.onDispose();
    if (this.#endedAt === undefined) this.#endedAt = this.clock.now();
    for (const seat of this.#slots) seat.connection?.disconnect();
  }

  #sendSnapshots(tick: number): void {
    let captured = false;
    for (const seat of this.#slots) {
      const connection = seat.connection;
      if (connection === undefined || !connection.connected) continue;
      if (!captured) {
        this.#snapshotter.capture(tick, this.snapshotEntities());
        captured = true;
      }
      // Framed in a shared scratch buffer (the channel copies what it is given): no allocation.
      connection.send(framer.frame(this.#snapshotter.encodeFor(seat.clientId)), 'unreliable');
      this.#counters.snapshotsSent++;
    }
  }

  #reject(reason: InputRejection): void {
    this.#counters.inputsRejected[reason]++;
    this.#observer?.inputRejected(reason);
  }

  #receive(seat: SeatSlot, connection: Connection, payload: Uint8Array): void {
    if (seat.connection !== connection) {
      this.#counters.badMessages++;
      return;
    }
    const type = payload[0];
    if (type === RoomMessageType.message) {
      if (payload.length < 2 || this.#endedAt !== undefined) this.#counters.badMessages++;
      else this.onMessage(seat, payload.subarray(1));
      return;
    }
    if (type !== RoomMessageType.frame) {
      this.#reject('malformed');
      return;
    }
    if (!seat.bucket.take(this.clock.now())) {
      this.#reject('rate_limited');
      return;
    }
    const frame = this.#frame;
    if (!readFrame(payload, this.inputSize, frame)) {
      this.#reject('malformed');
      return;
    }
    if (frame.seat !== seat.index) {
      this.#reject('wrong_seat');
      return;
    }
    if (this.#endedAt === undefined) this.#bufferInputs(seat, payload, frame);
    if (frame.ackAt < payload.length) {
      const result = this.#snapshotter.receiveAck(seat.clientId, payload.subarray(frame.ackAt));
      if (!result.ok) this.#counters.badAcks++;
    }
  }

  #bufferInputs(seat: SeatSlot, payload: Uint8Array, frame: FrameView): void {
    const inputs = seat.inputs;
    const entry = 1 + this.inputSize;
    const current = this.#lastTick;
    const { maxInputLeadTicks: lead, maxInputAgeTicks: age } = this.#context;
    let highest = inputs.highestSeq;
    for (let i = 0; i < frame.count && i < MAX_FRAME_INPUTS; i++) {
      const seq = frame.newestSeq - i;
      if (seq < 0) break;
      if (seq <= inputs.highestSeq) {
        this.#counters.inputsRedundant++;
        continue;
      }
      if (seq > highest) highest = seq;
      const at = frame.inputsAt + i * entry;
      const tick = frame.newestTick - payload[at]!;
      if (tick > current + lead) this.#reject('future');
      else if (tick < current - age) this.#reject('past');
      else if (tick <= current) {
        // Late but inside the window: applied at the next tick rather than lost.
        this.#counters.inputsLate++;
        inputs.put(current + 1, seq, payload, at + 1);
      } else inputs.put(tick, seq, payload, at + 1);
    }
    inputs.highestSeq = highest;
  }
}
