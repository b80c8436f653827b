import { markError } from '../core/errors.js';
import { NetcodeError } from '../core/index.js';

/**
 * A snapshot or ack from the network was rejected. The decoders return these (they never throw
 * on bytes from the network); switch on `code`. Each rejection is also counted.
 */
export class SnapshotDecodeError extends NetcodeError {
  static {
    markError(SnapshotDecodeError, 'SnapshotDecodeError');
  }
}
/** The packet ended before its last field or bit: `ERR_SNAPSHOT_TRUNCATED`. */
export class SnapshotTruncatedError extends SnapshotDecodeError {
  static {
    markError(SnapshotTruncatedError, 'SnapshotTruncatedError');
  }

  /** @param message - where the data ran out. */
  constructor(message: string) {
    super('ERR_SNAPSHOT_TRUNCATED', message);
  }
}

/**
 * The packet is not a valid message: bad protobuf, out-of-range value, unknown entity type,
 * update of an entity the baseline lacks, trailing garbage: `ERR_SNAPSHOT_MALFORMED`.
 */
export class SnapshotMalformedError extends SnapshotDecodeError {
  static {
    markError(SnapshotMalformedError, 'SnapshotMalformedError');
  }

  /** @param message - what is wrong. */
  constructor(message: string) {
    super('ERR_SNAPSHOT_MALFORMED', message);
  }
}

/** The peer encodes with a different schema (hash differs): `ERR_SNAPSHOT_SCHEMA_MISMATCH`. */
export class SnapshotSchemaMismatchError extends SnapshotDecodeError {
  static {
    markError(SnapshotSchemaMismatchError, 'SnapshotSchemaMismatchError');
  }

  /** Our schema hash. */
  readonly expected: number;
  /** The hash on the wire. */
  readonly actual: number;

  /**
   * @param expected - our schema hash.
   * @param actual - the hash the peer sent.
   */
  constructor(expected: number, actual: number) {
    super(
      'ERR_SNAPSHOT_SCHEMA_MISMATCH',
      `schema hash mismatch: expected 0x${expected.toString(16)}, got 0x${actual.toString(16)}`,
    );
    this.expected = expected;
    this.actual = actual;
  }
}

/** A delta refers to a baseline tick the client does not hold: `ERR_SNAPSHOT_UNKNOWN_BASELINE`. */
export class SnapshotUnknownBaselineError extends SnapshotDecodeError {
  static {
    markError(SnapshotUnknownBaselineError, 'SnapshotUnknownBaselineError');
  }

  /** The baseline tick the packet refers to. */
  readonly baselineTick: number;

  /** @param baselineTick - the missing baseline tick. */
  constructor(baselineTick: number) {
    super('ERR_SNAPSHOT_UNKNOWN_BASELINE', `baseline tick ${baselineTick} is not held`);
    this.baselineTick = baselineTick;
  }
}

/** The snapshot is not newer than the newest one decoded (late or duplicate): `ERR_SNAPSHOT_STALE`. */
export class SnapshotStaleError extends SnapshotDecodeError {
  static {
    markError(SnapshotStaleError, 'SnapshotStaleError');
  }

  /**
   * The packet's tick (for a delta whose header gives its distance only relative to a baseline the
   * client never decoded: the latest tick it can have).
   */
  readonly tick: number;

  /**
   * @param tick - the packet's tick.
   * @param newestTick - the newest tick already decoded.
   */
  constructor(tick: number, newestTick: number) {
    super('ERR_SNAPSHOT_STALE', `snapshot tick ${tick} is not newer than ${newestTick}`);
    this.tick = tick;
  }
}

/**
 * The server program passed an entity that does not fit the schema (unknown type, missing or
 * out-of-range field, bad or duplicate id): `ERR_SNAPSHOT_INVALID_ENTITY`. Thrown by
 * {@link DeltaSnapshotter.capture}; nothing is captured.
 */
export class InvalidEntityError extends NetcodeError {
  static {
    markError(InvalidEntityError, 'InvalidEntityError');
  }

  /** @param message - which entity and field. */
  constructor(message: string) {
    super('ERR_SNAPSHOT_INVALID_ENTITY', message);
  }
}
