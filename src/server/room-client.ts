import { EventEmitter } from 'node:events';
import { type Clock, InvalidOptionError, InvalidStateError } from '../core/index.js';
import {
  type DecodedSnapshot,
  type EntityDefinitions,
  SnapshotClient,
  type SnapshotSchema,
} from '../snapshot/index.js';
import type { SnapshotObserver } from '../snapshot/snapshot-observer.js';
import type { Connection } from '../transport/index.js';
import {
  FRAME_HEADER_BYTES,
  MAX_FRAME_INPUTS,
  RoomMessageType,
  readWelcome,
  type Welcome,
  withType,
  writeFrameHeader,
} from './room-wire.js';

const EMPTY = new Uint8Array(0);

/** Options of {@link RoomClient}. */
export interface RoomClientOptions<D extends EntityDefinitions> {
  /** The connection to the room's server (the client's, after `connect()`). */
  connection: Connection;
  /** The room's snapshot schema. */
  schema: SnapshotSchema<D>;
  /** Bytes per input, as the room has it. */
  inputSize: number;
  /** Time source (the client's). */
  clock: Clock;
  /** Inputs each frame carries, the newest and those before it, so a lost frame loses no input (default 3, at most 8). */
  redundancy?: number;
  /** Ticks of margin added to the estimate of when an input reaches the server (default 2). */
  leadTicks?: number;
  /** Receives the snapshot decoder's counters. */
  snapshotObserver?: SnapshotObserver;
}

/** Events of a {@link RoomClient}. */
export interface RoomClientEvents<D extends EntityDefinitions> {
  /** The room seated this client. */
  welcome: [welcome: Welcome];
  /** A snapshot was decoded. */
  snapshot: [snapshot: DecodedSnapshot<D>];
  /** A reliable game message from the room (yours to keep). */
  message: [message: Uint8Array];
}

/** Running totals of a {@link RoomClient}. */
export interface RoomClientCounters {
  /** Frames sent (each one packet: inputs and the snapshot ack). */
  framesSent: number;
  /** Messages from the room that were not room messages, or a bad welcome (dropped). */
  badMessages: number;
}

/**
 * The client half of a room: reads the welcome and the snapshots, and each tick sends one frame
 * holding the player's input, stamped with the server tick it should apply at and a sequence,
 * the few inputs before it (against loss) and the snapshot ack: one packet per tick.
 *
 * The tick an input is stamped for is estimated from the newest snapshot's tick, the time since it
 * arrived and the round trip: the server tick when the frame will arrive, plus `leadTicks`.
 *
 * @example
 * ```ts
 * const room = new RoomClient({ connection, schema, inputSize: 1, clock });
 * room.on('snapshot', (s) => draw(s.entities));
 * setInterval(() => room.sendInput(Uint8Array.of(direction)), 1000 / 60);
 * ```
 */
export class RoomClient<D extends EntityDefinitions> extends EventEmitter<RoomClientEvents<D>> {
  /** The snapshot decoder (its `latest`, `counters`). */
  readonly snapshots: SnapshotClient<D>;
  /** Totals, plain numbers. */
  readonly counters: RoomClientCounters = { framesSent: 0, badMessages: 0 };
  private readonly connection: Connection;
  private readonly clock: Clock;
  private readonly inputSize: number;
  private readonly redundancy: number;
  private readonly leadTicks: number;
  private readonly historyTicks: Float64Array;
  private readonly historyBytes: Uint8Array;
  private frame: Uint8Array;
  private joined: Welcome | undefined;
  /** Inputs made so far; the newest has sequence `made - 1`. */
  private made = 0;
  private anchorTick = 0;
  private anchorAt = 0;

  /**
   * @param options - see {@link RoomClientOptions}.
   * @throws InvalidOptionError for a bad input size, redundancy or lead.
   */
  constructor(options: RoomClientOptions<D>) {
    super();
    const size = options.inputSize;
    if (!Number.isInteger(size) || size < 1 || size > 255)
      throw new InvalidOptionError('inputSize', 'must be an integer in [1, 255]');
    const redundancy = options.redundancy ?? 3;
    if (!Number.isInteger(redundancy) || redundancy < 1 || redundancy > MAX_FRAME_INPUTS)
      throw new InvalidOptionError('redundancy', `must be an integer in [1, ${MAX_FRAME_INPUTS}]`);
    const lead = options.leadTicks ?? 2;
    if (!Number.isInteger(lead) || lead < 0 || lead > 60)
      throw new InvalidOptionError('leadTicks', 'must be an integer in [0, 60]');
    this.connection = options.connection;
    this.clock = options.clock;
    this.inputSize = size;
    this.redundancy = redundancy;
    this.leadTicks = lead;
    this.historyTicks = new Float64Array(redundancy);
    this.historyBytes = new Uint8Array(redundancy * size);
    this.frame = new Uint8Array(FRAME_HEADER_BYTES + redundancy * (1 + size) + 64);
    this.snapshots = new SnapshotClient({
      schema: options.schema,
      ...(options.snapshotObserver === undefined ? {} : { observer: options.snapshotObserver }),
    });
    this.connection.on('message', (payload) => this.receive(payload));
  }

  /** The welcome (seat, rates), once seated. */
  get welcome(): Welcome | undefined {
    return this.joined;
  }

  /** This client's seat index, once seated. */
  get seat(): number | undefined {
    return this.joined?.seat;
  }

  /** The newest decoded snapshot. */
  get latest(): DecodedSnapshot<D> | undefined {
    return this.snapshots.latest;
  }

  /** The estimated server tick now (0 before the welcome). */
  serverTick(): number {
    const w = this.joined;
    if (w === undefined) return 0;
    const periodMs = 1000 / w.tickRate;
    const elapsed = this.clock.now() - this.anchorAt + this.connection.channel.rttMs / 2;
    return this.anchorTick + Math.max(0, Math.floor(elapsed / periodMs));
  }

  /** The tick an input made now is stamped for: when it will reach the server, plus `leadTicks`. */
  inputTick(): number {
    const w = this.joined;
    if (w === undefined) return 0;
    const oneWay = this.connection.channel.rttMs / 2 / (1000 / w.tickRate);
    return this.serverTick() + Math.ceil(oneWay) + this.leadTicks;
  }

  /**
   * Stamps `input` and sends a frame with it, the inputs before it and the snapshot ack.
   * @returns the tick it was stamped for.
   * @throws InvalidStateError before the welcome; InvalidOptionError for an input of the wrong size.
   */
  sendInput(input: Uint8Array): number {
    if (this.joined === undefined)
      throw new InvalidStateError('sendInput before the room seated this client');
    if (input.length !== this.inputSize)
      throw new InvalidOptionError('input', `must be ${this.inputSize} bytes, got ${input.length}`);
    const r = this.redundancy;
    const slot = this.made % r;
    const newestBefore = this.made === 0 ? 0 : this.historyTicks[(this.made - 1) % r]!;
    // Never older than the input before it (the estimate may step back when the round trip grows).
    const tick = Math.max(this.inputTick(), newestBefore);
    this.historyTicks[slot] = tick;
    this.historyBytes.set(input, slot * this.inputSize);
    this.made++;
    this.sendFrame();
    return tick;
  }

  /**
   * Sends a frame with no new input: the snapshot ack (and the last inputs again). Returns false,
   * sending nothing, before the welcome (a snapshot can overtake it: it is unreliable, the welcome
   * reliable).
   */
  sendAck(): boolean {
    if (this.joined === undefined) return false;
    this.sendFrame();
    return true;
  }

  /** Sends a reliable game message to the room. */
  send(message: Uint8Array): void {
    this.connection.send(withType(RoomMessageType.message, message), 'reliable');
  }

  private sendFrame(): void {
    const r = this.redundancy;
    const size = this.inputSize;
    const newestSeq = Math.max(0, this.made - 1);
    const newestTick = this.made === 0 ? 0 : this.historyTicks[newestSeq % r]!;
    const ack = this.snapshots.latest === undefined ? EMPTY : this.snapshots.createAck();
    const needed = FRAME_HEADER_BYTES + r * (1 + size) + ack.length;
    if (needed > this.frame.length) this.frame = new Uint8Array(needed);
    const out = this.frame;
    let at = FRAME_HEADER_BYTES;
    let count = 0;
    // Newest first; an entry more than 255 ticks older than the newest is left out.
    for (; count < Math.min(this.made, r); count++) {
      const slot = (newestSeq - count) % r;
      const back = newestTick - this.historyTicks[slot]!;
      if (back > 255) break;
      out[at++] = back;
      out.set(this.historyBytes.subarray(slot * size, (slot + 1) * size), at);
      at += size;
    }
    writeFrameHeader(out, this.joined!.seat, newestTick, newestSeq, count, size);
    out.set(ack, at);
    this.connection.send(out.subarray(0, at + ack.length), 'unreliable');
    this.counters.framesSent++;
  }

  private receive(payload: Uint8Array): void {
    const type = payload[0];
    if (type === RoomMessageType.snapshot) {
      const result = this.snapshots.receive(payload.subarray(1));
      if (!result.ok) return;
      if (result.snapshot.tick > this.anchorTick) {
        this.anchorTick = result.snapshot.tick;
        this.anchorAt = this.clock.now();
      }
      this.emit('snapshot', result.snapshot);
    } else if (type === RoomMessageType.message && payload.length > 1) {
      this.emit('message', payload.subarray(1));
    } else if (type === RoomMessageType.welcome) {
      const welcome = readWelcome(payload);
      if (welcome === undefined) {
        this.counters.badMessages++;
        return;
      }
      this.joined = welcome;
      this.made = 0;
      // A snapshot sent after the welcome may have overtaken it (unreliable vs reliable).
      if (welcome.tick > this.anchorTick) {
        this.anchorTick = welcome.tick;
        this.anchorAt = this.clock.now();
      }
      this.emit('welcome', welcome);
    } else this.counters.badMessages++;
  }
}
