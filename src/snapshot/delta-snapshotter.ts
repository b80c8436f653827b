import { InvalidOptionError, InvalidStateError, type Logger, silentLogger } from '../core/index.js';
import { BitWriter } from './bit-writer.js';
import { encodeDelta } from './delta-codec.js';
import { MAX_DISTANCE, writeDeltaHeader } from './delta-header.js';
import {
  InvalidEntityError,
  type SnapshotDecodeError,
  SnapshotMalformedError,
  SnapshotSchemaMismatchError,
} from './errors.js';
import { type Frame, FrameRing } from './frame-ring.js';
import { predictRecords } from './prediction.js';
import type { EntityDefinitions, EntityOf, EntityRecord, SnapshotSchema } from './schema.js';
import type { SnapshotObserver } from './snapshot-observer.js';
import { decodeAck, encodeDeltaPacket, encodePacket } from './wire.js';

/** Options of {@link DeltaSnapshotter}. */
export interface DeltaSnapshotterOptions<D extends EntityDefinitions> {
  /** The state schema, shared with the clients. */
  readonly schema: SnapshotSchema<D>;
  /**
   * Snapshots kept as possible baselines (2 to 1024, default 32). A client whose newest ack is
   * older than this many ticks gets a full snapshot. Give clients at least the same size.
   */
  readonly bufferSize?: number;
  /** Receives debug and warning events (default: silent). */
  readonly logger?: Logger;
  /** Optional hooks for metrics. */
  readonly observer?: SnapshotObserver;
}

/** Counters kept by {@link DeltaSnapshotter}; they only grow. */
export interface SnapshotterCounters {
  /** Snapshots captured. */
  captured: number;
  /** Full snapshots encoded (client had no usable baseline). */
  fullSnapshots: number;
  /** Delta snapshots encoded. */
  deltaSnapshots: number;
  /** Full snapshots sent because the client's baseline had left the buffer or was too old for a delta. */
  baselinesExpired: number;
  /** Bytes of every packet returned by `encodeFor`. */
  bytesEncoded: number;
  /** Acks accepted. */
  acksAccepted: number;
  /** Acks rejected (malformed, truncated, impossible tick or schema mismatch). */
  acksRejected: number;
  /** Acks that asked for a full snapshot. */
  fullRequests: number;
}

/** Outcome of {@link DeltaSnapshotter.receiveAck}: the client's baseline tick (0 = none), or why the ack was rejected. */
export type AckResult =
  | {
      /** Accepted. */
      readonly ok: true;
      /** The client's baseline tick after the ack, 0 when it has none. */
      readonly baselineTick: number;
    }
  | {
      /** Rejected. */
      readonly ok: false;
      /** Why; switch on `error.code`. */
      readonly error: SnapshotDecodeError;
    };

interface ClientState {
  /** Newest acknowledged tick, 0 when none. */
  baselineTick: number;
  /** Acknowledged ticks (ascending, at most `bufferSize`): the references deltas predict along. */
  acked: number[];
  /** By `tick % bufferSize`: ticks sent to the client, with... */
  readonly sentTicks: Uint32Array;
  /** ...the distance of the packet sent (0: full), -1 when packets of several distances went out. */
  readonly sentDistances: Int8Array;
}

/**
 * Server side of delta snapshots (the Quake 3 model). Each tick the program {@link capture}s the
 * world; for every client, {@link encodeFor} returns the changes since the newest snapshot that
 * client acknowledged, or a full snapshot when it has none or it left the ring buffer. Packets
 * go out as unreliable messages: a lost one is never resent, the next delta covers it.
 *
 * Memory: `bufferSize` snapshots (unchanged entities shared between them) plus, per client, its
 * acknowledged ticks and a record of the packets sent to it (`bufferSize` entries each).
 *
 * @example
 * ```ts
 * const server = new DeltaSnapshotter({ schema });
 * server.addClient('alice');
 * server.capture(tick, world.entities());
 * channel.send(server.encodeFor('alice'), 'unreliable');
 * // on a message from alice's ack channel:
 * server.receiveAck('alice', bytes);
 * ```
 * @typeParam D - the schema's entity definitions.
 */
export class DeltaSnapshotter<D extends EntityDefinitions> {
  private readonly schema: SnapshotSchema<D>;
  private readonly ring: FrameRing;
  private readonly logger: Logger;
  private readonly observer: SnapshotObserver | undefined;
  private readonly clients = new Map<string, ClientState>();
  private readonly writer = new BitWriter();
  /** Packets already encoded for the latest tick, by baseline and reference distances (0 = full). */
  private readonly encoded = new Map<number, Uint8Array>();
  private latest: Frame | undefined;
  private readonly stats: SnapshotterCounters = {
    captured: 0,
    fullSnapshots: 0,
    deltaSnapshots: 0,
    baselinesExpired: 0,
    bytesEncoded: 0,
    acksAccepted: 0,
    acksRejected: 0,
    fullRequests: 0,
  };

  /**
   * @param options - schema, buffer size, logger and observer.
   * @throws InvalidOptionError when an option is invalid.
   */
  constructor(options: DeltaSnapshotterOptions<D>) {
    if (options?.schema === undefined) throw new InvalidOptionError('schema', 'is required');
    this.schema = options.schema;
    this.ring = FrameRing.fromOption(options.bufferSize);
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer;
  }

  /** Tick of the newest captured snapshot, 0 before the first. */
  get latestTick(): number {
    return this.latest?.tick ?? 0;
  }

  /** Number of registered clients. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** A snapshot of the counters. */
  get counters(): Readonly<SnapshotterCounters> {
    return { ...this.stats };
  }

  /**
   * Records the world state of a tick. Entities are validated and quantized; nothing is kept if
   * one is invalid.
   * @param tick - integer in `[1, 2^32 - 1]`, greater than the previous capture's.
   * @param entities - every entity alive at this tick (ids unique).
   * @throws InvalidOptionError for a bad tick; InvalidEntityError for an entity that does not fit the schema.
   */
  capture(tick: number, entities: Iterable<EntityOf<D>>): void {
    if (!Number.isInteger(tick) || tick < 1 || tick > 0xffff_ffff || tick <= this.latestTick)
      throw new InvalidOptionError(
        'tick',
        `must be an integer in [1, 2^32 - 1] above ${this.latestTick}, got ${tick}`,
      );
    const records: EntityRecord[] = [];
    for (const e of entities) records.push(this.schema.toRecord(e));
    records.sort((a, b) => a.id - b.id);
    for (let i = 1; i < records.length; i++)
      if (records[i]!.id === records[i - 1]!.id)
        throw new InvalidEntityError(`duplicate entity id ${records[i]!.id}`);
    // Share unchanged records with the previous frame: cheaper deltas and materialization.
    const prev = this.latest?.records;
    if (prev !== undefined) shareUnchanged(prev, records);
    this.latest = { tick, records };
    this.ring.put(this.latest);
    this.encoded.clear();
    this.stats.captured++;
  }

  /**
   * Registers a client with no baseline: its first snapshot will be full.
   * @param clientId - caller-chosen id (e.g. the connection's address key).
   * @throws InvalidStateError when the id is already registered.
   */
  addClient(clientId: string): void {
    if (this.clients.has(clientId)) throw new InvalidStateError(`client "${clientId}" is already registered`);
    this.clients.set(clientId, {
      baselineTick: 0,
      acked: [],
      sentTicks: new Uint32Array(this.ring.size),
      sentDistances: new Int8Array(this.ring.size),
    });
  }

  /**
   * Forgets a client.
   * @param clientId - the client.
   * @returns whether it was registered.
   */
  removeClient(clientId: string): boolean {
    return this.clients.delete(clientId);
  }

  /**
   * Encodes the latest captured snapshot for a client, as a delta against its acknowledged
   * baseline or as a full snapshot. Clients sharing a baseline share the (cached) bytes.
   * @param clientId - a registered client.
   * @returns the `SnapshotPacket` bytes to send unreliably. Do not modify them.
   * @throws InvalidStateError when nothing was captured yet or the client is unknown.
   */
  encodeFor(clientId: string): Uint8Array {
    const client = this.client(clientId);
    const latest = this.latest;
    if (latest === undefined) throw new InvalidStateError('encodeFor before the first capture');
    let baseline: Frame | undefined;
    if (client.baselineTick !== 0 && client.baselineTick < latest.tick) {
      baseline = this.ring.get(client.baselineTick);
      if (baseline === undefined || latest.tick - baseline.tick > MAX_DISTANCE) {
        baseline = undefined;
        this.stats.baselinesExpired++;
        this.logger.debug(
          { clientId, baselineTick: client.baselineTick },
          'snapshot baseline left the buffer',
        );
        client.baselineTick = 0;
        client.acked.length = 0;
      }
    }
    const refs = baseline === undefined ? undefined : this.references(client, baseline.tick, latest.tick);
    const refDistance = refs === undefined ? 0 : baseline!.tick - refs.far.tick;
    const nearDistance = refs === undefined ? 0 : baseline!.tick - refs.near.tick;
    const distance = baseline === undefined ? 0 : latest.tick - baseline.tick;
    // The header's one-bit "as before" stands for the distance of the packet that delivered the
    // baseline: only usable when that is known for sure (this client, one distance sent that tick).
    const baselineDistance = baseline === undefined ? 0 : deliveredDistance(client, baseline.tick);
    const key =
      baseline === undefined
        ? 0
        : ((baseline.tick * 128 + refDistance) * 128 + nearDistance) * 2 +
          (distance === baselineDistance ? 1 : 0);
    let bytes = this.encoded.get(key);
    if (bytes === undefined) {
      this.writer.reset();
      if (baseline === undefined) {
        encodeDelta(this.writer, this.schema, [], latest.records, true);
        bytes = encodePacket({
          tick: latest.tick,
          schemaHash: this.schema.hash,
          payload: this.writer.finish(),
        });
      } else {
        writeDeltaHeader(
          this.writer,
          { tick: latest.tick, distance, refDistance, nearDistance },
          baselineDistance,
        );
        const alternatives: (EntityRecord | undefined)[] = [];
        const predicted =
          refs === undefined
            ? baseline.records
            : predictRecords(
                this.schema,
                baseline.records,
                { records: refs.far.records, distance: refDistance },
                { records: refs.near.records, distance: nearDistance },
                distance,
                alternatives,
              );
        encodeDelta(this.writer, this.schema, predicted, latest.records, false, alternatives);
        bytes = encodeDeltaPacket(this.writer);
      }
      this.encoded.set(key, bytes);
    }
    const slot = latest.tick % this.ring.size;
    if (client.sentTicks[slot] !== latest.tick) {
      client.sentTicks[slot] = latest.tick;
      client.sentDistances[slot] = distance;
    } else if (client.sentDistances[slot] !== distance) {
      client.sentDistances[slot] = -1;
    }
    if (baseline === undefined) this.stats.fullSnapshots++;
    else this.stats.deltaSnapshots++;
    this.stats.bytesEncoded += bytes.length;
    this.observer?.onSnapshotEncoded?.(clientId, bytes.length, baseline === undefined);
    return bytes;
  }

  /**
   * Applies a client's `SnapshotAck`. Never throws on the bytes: a bad ack is counted, reported
   * to the observer and returned as an error, and the client's baseline is left alone (or reset
   * to none on a schema mismatch).
   * @param clientId - a registered client.
   * @param bytes - the ack as received.
   * @throws InvalidStateError when the client is unknown.
   */
  receiveAck(clientId: string, bytes: Uint8Array): AckResult {
    const client = this.client(clientId);
    const decoded = decodeAck(bytes);
    let error: SnapshotDecodeError | undefined;
    if (!decoded.ok) error = decoded.error;
    else if (decoded.value.schemaHash !== this.schema.hash) {
      error = new SnapshotSchemaMismatchError(this.schema.hash, decoded.value.schemaHash);
      client.baselineTick = 0;
      this.logger.warn({ clientId, code: error.code }, error.message);
    } else if (decoded.value.tick > this.latestTick)
      error = new SnapshotMalformedError(
        `ack of tick ${decoded.value.tick} beyond latest ${this.latestTick}`,
      );
    if (error !== undefined || !decoded.ok) {
      this.stats.acksRejected++;
      this.observer?.onRejected?.(error!, clientId);
      return { ok: false, error: error! };
    }
    this.stats.acksAccepted++;
    const tick = decoded.value.tick;
    if (decoded.value.requestFull || tick === 0) {
      // Tick 0: the client holds nothing (e.g. it restarted), so deltas would be undecodable.
      if (decoded.value.requestFull) this.stats.fullRequests++;
      client.baselineTick = 0;
      client.acked.length = 0;
    } else {
      if (tick > client.baselineTick) client.baselineTick = tick;
      rememberAck(client.acked, tick, this.ring.size);
    }
    return { ok: true, baselineTick: client.baselineTick };
  }

  /**
   * The client's baseline tick: the tick the next delta for it is coded against, 0 when its next
   * packet will be full.
   * @param clientId - a registered client.
   * @throws InvalidStateError when the client is unknown.
   */
  baselineTick(clientId: string): number {
    return this.client(clientId).baselineTick;
  }

  /**
   * The frames to predict along: acknowledged ticks before the baseline (so the client holds them
   * as long as the server does): `far` at the distance closest to the delta's own (a long line
   * averages out quantization), `near` the newest (it sees changes of motion first).
   */
  private references(
    client: ClientState,
    baselineTick: number,
    tick: number,
  ): { far: Frame; near: Frame } | undefined {
    const want = tick - baselineTick;
    let far: Frame | undefined;
    let near: Frame | undefined;
    for (const t of client.acked) {
      const e = baselineTick - t;
      if (e < 1 || e > MAX_DISTANCE) continue;
      const frame = this.ring.get(t);
      if (frame === undefined) continue;
      if (far === undefined || Math.abs(e - want) < Math.abs(baselineTick - far.tick - want)) far = frame;
      if (near === undefined || t > near.tick) near = frame;
    }
    return far === undefined || near === undefined ? undefined : { far, near };
  }

  private client(clientId: string): ClientState {
    const client = this.clients.get(clientId);
    if (client === undefined) throw new InvalidStateError(`client "${clientId}" is not registered`);
    return client;
  }
}

/** The distance of the one delta sent to the client at `tick`, or 0 (full, several, or not known). */
function deliveredDistance(client: ClientState, tick: number): number {
  const slot = tick % client.sentTicks.length;
  if (client.sentTicks[slot] !== tick) return 0;
  return Math.max(0, client.sentDistances[slot]!);
}

/** Inserts `tick` into the ascending list `acked`, keeping its newest `limit` entries. */
function rememberAck(acked: number[], tick: number, limit: number): void {
  let i = acked.length;
  while (i > 0 && acked[i - 1]! > tick) i--;
  if (i > 0 && acked[i - 1] === tick) return;
  acked.splice(i, 0, tick);
  if (acked.length > limit) acked.shift();
}

/** Replaces records of `next` equal to their counterpart in `prev` by that counterpart. */
function shareUnchanged(prev: readonly EntityRecord[], next: EntityRecord[]): void {
  let i = 0;
  for (let j = 0; j < next.length; j++) {
    const n = next[j]!;
    while (i < prev.length && prev[i]!.id < n.id) i++;
    const p = prev[i];
    if (p === undefined || p.id !== n.id || p.type !== n.type) continue;
    let same = true;
    for (let k = 0; k < n.q.length; k++)
      if (n.q[k] !== p.q[k]) {
        same = false;
        break;
      }
    if (same) next[j] = p;
  }
}
