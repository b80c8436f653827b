import { InvalidOptionError, type Logger, silentLogger } from '../core/index.js';
import { BitReader } from './bit-reader.js';
import { decodeDelta } from './delta-codec.js';
import { MAX_DISTANCE, readBaselineTick, readDeltaHeader, TICK_BITS } from './delta-header.js';
import {
  SnapshotDecodeError,
  SnapshotMalformedError,
  SnapshotSchemaMismatchError,
  SnapshotStaleError,
  SnapshotUnknownBaselineError,
} from './errors.js';
import { type Frame, FrameRing } from './frame-ring.js';
import { predictRecords } from './prediction.js';
import type { EntityDefinitions, EntityOf, EntityRecord, SnapshotSchema } from './schema.js';
import type { SnapshotObserver } from './snapshot-observer.js';
import { decodePacket, encodeAck } from './wire.js';

/** Options of {@link SnapshotClient}. */
export interface SnapshotClientOptions<D extends EntityDefinitions> {
  /** The state schema; must hash equal to the server's. */
  readonly schema: SnapshotSchema<D>;
  /** Decoded snapshots kept as baselines (2 to 1024, default 32); at least the server's `bufferSize`. */
  readonly bufferSize?: number;
  /** Receives debug events (default: silent). */
  readonly logger?: Logger;
  /** Optional hooks for metrics. */
  readonly observer?: SnapshotObserver;
}

/** Counters kept by {@link SnapshotClient}; they only grow. */
export interface SnapshotClientCounters {
  /** Snapshots decoded (full + delta). */
  decoded: number;
  /** Full snapshots decoded. */
  full: number;
  /** Rejected as late or duplicate (`ERR_SNAPSHOT_STALE`). */
  stale: number;
  /** Rejected as truncated (`ERR_SNAPSHOT_TRUNCATED`). */
  truncated: number;
  /** Rejected as malformed (`ERR_SNAPSHOT_MALFORMED`). */
  malformed: number;
  /** Rejected for a schema hash mismatch (`ERR_SNAPSHOT_SCHEMA_MISMATCH`). */
  schemaMismatch: number;
  /** Rejected for a baseline not held (`ERR_SNAPSHOT_UNKNOWN_BASELINE`). */
  unknownBaseline: number;
}

/**
 * A snapshot as reconstructed by the client: the server's state at `tick`, every float on its
 * quantization grid.
 * @typeParam D - the schema's entity definitions.
 */
export interface DecodedSnapshot<D extends EntityDefinitions> {
  /** Server tick. */
  readonly tick: number;
  /** True when it was sent full (no baseline). */
  readonly full: boolean;
  /** Every entity, by id (frozen objects, shared between snapshots while unchanged). */
  readonly entities: ReadonlyMap<number, EntityOf<D>>;
}

/** Outcome of {@link SnapshotClient.receive}. */
export type SnapshotReceiveResult<D extends EntityDefinitions> =
  | {
      /** Decoded. */
      readonly ok: true;
      /** The reconstructed state. */
      readonly snapshot: DecodedSnapshot<D>;
    }
  | {
      /** Rejected; the client state is unchanged. */
      readonly ok: false;
      /** Why; switch on `error.code`. */
      readonly error: SnapshotDecodeError;
    };

const COUNTER_BY_CODE: Record<string, keyof SnapshotClientCounters> = {
  ERR_SNAPSHOT_STALE: 'stale',
  ERR_SNAPSHOT_TRUNCATED: 'truncated',
  ERR_SNAPSHOT_MALFORMED: 'malformed',
  ERR_SNAPSHOT_SCHEMA_MISMATCH: 'schemaMismatch',
  ERR_SNAPSHOT_UNKNOWN_BASELINE: 'unknownBaseline',
};

/**
 * Client side of delta snapshots. {@link receive} decodes each `SnapshotPacket` against the
 * client's own copy of the baseline and returns the server's state; {@link createAck} returns
 * the `SnapshotAck` to send back after each packet. Bad, stale or undecodable packets are
 * returned as typed errors (never thrown), counted, and leave the state untouched; any error
 * but a stale packet makes the acks ask for a full snapshot until one arrives.
 *
 * @example
 * ```ts
 * const client = new SnapshotClient({ schema });
 * channel.on('message', (bytes) => {
 *   const result = client.receive(bytes);
 *   if (result.ok) interpolator.push(result.snapshot);
 *   channel.send(client.createAck(), 'unreliable');
 * });
 * ```
 * @typeParam D - the schema's entity definitions.
 */
export class SnapshotClient<D extends EntityDefinitions> {
  private readonly schema: SnapshotSchema<D>;
  private readonly ring: FrameRing;
  private readonly logger: Logger;
  private readonly observer: SnapshotObserver | undefined;
  private newest: Frame | undefined;
  private newestSnapshot: DecodedSnapshot<D> | undefined;
  private needFull = false;
  /**
   * The distance of the delta that delivered each decoded tick (0: full snapshot), for the last
   * 2^TICK_BITS ticks (as far back as a delta can name its baseline), by `tick % 2^TICK_BITS`:
   * a delta's header may say "as before", that is, the distance that delivered its baseline.
   */
  private readonly deliveredTicks = new Uint32Array(2 ** TICK_BITS);
  private readonly deliveredDistances = new Uint8Array(2 ** TICK_BITS);
  private readonly stats: SnapshotClientCounters = {
    decoded: 0,
    full: 0,
    stale: 0,
    truncated: 0,
    malformed: 0,
    schemaMismatch: 0,
    unknownBaseline: 0,
  };

  /**
   * @param options - schema, buffer size, logger and observer.
   * @throws InvalidOptionError when an option is invalid.
   */
  constructor(options: SnapshotClientOptions<D>) {
    if (options?.schema === undefined) throw new InvalidOptionError('schema', 'is required');
    this.schema = options.schema;
    this.ring = FrameRing.fromOption(options.bufferSize);
    this.logger = options.logger ?? silentLogger;
    this.observer = options.observer;
  }

  /** The newest decoded snapshot, if any. */
  get latest(): DecodedSnapshot<D> | undefined {
    return this.newestSnapshot;
  }

  /** True while the acks ask the server for a full snapshot. */
  get wantsFullSnapshot(): boolean {
    return this.needFull;
  }

  /** A snapshot of the counters. */
  get counters(): Readonly<SnapshotClientCounters> {
    return { ...this.stats };
  }

  /**
   * Decodes a `SnapshotPacket` from the server. Never throws on the bytes; allocates at most in
   * proportion to them (plus sharing the baseline's entities).
   * @param bytes - the packet as received.
   * @returns the reconstructed snapshot, or a {@link SnapshotDecodeError} saying why not.
   */
  receive(bytes: Uint8Array): SnapshotReceiveResult<D> {
    const result = this.decode(bytes);
    if (result.ok) {
      this.observer?.onSnapshotDecoded?.(result.snapshot.tick, bytes.length, result.snapshot.full);
      return result;
    }
    const counter = COUNTER_BY_CODE[result.error.code];
    if (counter !== undefined) this.stats[counter]++;
    if (!(result.error instanceof SnapshotStaleError)) this.needFull = true;
    this.logger.debug({ code: result.error.code }, result.error.message);
    this.observer?.onRejected?.(result.error);
    return result;
  }

  /**
   * The `SnapshotAck` for the current state: the newest tick held (0 if none), the schema hash,
   * and whether a full snapshot is needed. Send it after every received packet; it is
   * idempotent, so losing or duplicating it is harmless.
   */
  createAck(): Uint8Array {
    return encodeAck({
      tick: this.newest?.tick ?? 0,
      schemaHash: this.schema.hash,
      requestFull: this.needFull,
    });
  }

  private decode(bytes: Uint8Array): SnapshotReceiveResult<D> {
    const packet = decodePacket(bytes);
    if (!packet.ok) return packet;
    const { tick: fullTick, schemaHash, payload, delta } = packet.value;
    const full = delta.length === 0;
    if (full) {
      if (fullTick === 0) return fail(new SnapshotMalformedError('snapshot tick 0'));
      if (schemaHash !== this.schema.hash)
        return fail(new SnapshotSchemaMismatchError(this.schema.hash, schemaHash));
    } else if (fullTick !== 0 || schemaHash !== 0 || payload.length !== 0) {
      return fail(new SnapshotMalformedError('delta with full-snapshot fields'));
    }
    const newestTick = this.newest?.tick ?? 0;
    const reader = full ? new BitReader(payload) : new BitReader(delta, true);
    let tick = fullTick;
    let distance = 0;
    const alternatives: EntityRecord[] = [];
    let base: Frame['records'] = [];
    let records: Frame['records'];
    try {
      if (!full) {
        const baselineTick = readBaselineTick(reader, newestTick);
        // Below tick 1: the client holds nothing that old (or nothing at all).
        if (baselineTick < 1) return fail(new SnapshotUnknownBaselineError(baselineTick + 2 ** TICK_BITS));
        const slot = baselineTick & (2 ** TICK_BITS - 1);
        const header = readDeltaHeader(
          reader,
          baselineTick,
          this.deliveredTicks[slot] === baselineTick ? this.deliveredDistances[slot] : undefined,
        );
        if (header === undefined) {
          // "As before" of a baseline this client never decoded (one its predecessor acknowledged,
          // before a restart): stale if even the latest tick such a delta can have is not newer.
          const latestPossible = baselineTick + MAX_DISTANCE;
          return fail(
            latestPossible <= newestTick
              ? new SnapshotStaleError(latestPossible, newestTick)
              : new SnapshotUnknownBaselineError(baselineTick),
          );
        }
        tick = header.tick;
        distance = header.distance;
        if (tick <= newestTick) return fail(new SnapshotStaleError(tick, newestTick));
        const baseline = this.ring.get(baselineTick);
        if (baseline === undefined) return fail(new SnapshotUnknownBaselineError(baselineTick));
        base = baseline.records;
        if (header.refDistance !== 0) {
          const far = this.ring.get(baseline.tick - header.refDistance);
          const near = this.ring.get(baseline.tick - header.nearDistance);
          if (far === undefined || near === undefined)
            return fail(new SnapshotUnknownBaselineError(baseline.tick - header.refDistance));
          base = predictRecords(
            this.schema,
            base,
            { records: far.records, distance: header.refDistance },
            { records: near.records, distance: header.nearDistance },
            header.distance,
            alternatives,
          );
        }
      } else if (tick <= newestTick) {
        return fail(new SnapshotStaleError(tick, newestTick));
      }
      records = decodeDelta(reader, this.schema, base, full, alternatives);
    } catch (err) {
      if (err instanceof SnapshotDecodeError) return fail(err);
      return fail(new SnapshotMalformedError(`payload: ${String(err)}`));
    }
    const frame: Frame = { tick, records };
    this.ring.put(frame);
    this.newest = frame;
    this.deliveredTicks[tick & (2 ** TICK_BITS - 1)] = tick;
    this.deliveredDistances[tick & (2 ** TICK_BITS - 1)] = distance;
    if (full) {
      this.needFull = false;
      this.stats.full++;
    }
    this.stats.decoded++;
    const entities = new Map<number, EntityOf<D>>();
    for (const r of records) entities.set(r.id, this.schema.toEntity(r));
    this.newestSnapshot = { tick, full, entities };
    return { ok: true, snapshot: this.newestSnapshot };
  }
}

function fail(error: SnapshotDecodeError): { ok: false; error: SnapshotDecodeError } {
  return { ok: false, error };
}
