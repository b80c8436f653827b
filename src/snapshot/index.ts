/**
 * Delta-compressed, loss-tolerant state snapshots (the Quake 3 model): a typed schema,
 * {@link DeltaSnapshotter} on the server, {@link SnapshotClient} and
 * {@link SnapshotInterpolator} on the client. Wire format: `proto/snapshot.proto` and
 * `docs/snapshots.md`.
 *
 * @module @pong/netcode/snapshot
 */
export {
  type AckResult,
  DeltaSnapshotter,
  type DeltaSnapshotterOptions,
  type SnapshotterCounters,
} from './delta-snapshotter.js';
export {
  InvalidEntityError,
  SnapshotDecodeError,
  SnapshotMalformedError,
  SnapshotSchemaMismatchError,
  SnapshotStaleError,
  SnapshotTruncatedError,
  SnapshotUnknownBaselineError,
} from './errors.js';
export {
  type BoolField,
  boolField,
  type EnumField,
  enumField,
  type FieldSpec,
  type FieldValue,
  type FloatField,
  type FloatFieldOptions,
  type FloatPrediction,
  floatField,
  type IntField,
  intField,
} from './fields.js';
export {
  defineSchema,
  type EntityDefinitions,
  type EntityOf,
  type SchemaDefinition,
  SnapshotSchema,
} from './schema.js';
export {
  type DecodedSnapshot,
  SnapshotClient,
  type SnapshotClientCounters,
  type SnapshotClientOptions,
  type SnapshotReceiveResult,
} from './snapshot-client.js';
export {
  type InterpolatedFrame,
  SnapshotInterpolator,
  type SnapshotInterpolatorOptions,
} from './snapshot-interpolator.js';
export type { SnapshotObserver } from './snapshot-observer.js';
