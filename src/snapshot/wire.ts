/**
 * @internal The protobuf envelopes (proto/snapshot.proto) through the generated static code.
 * Decoding never throws: protobufjs errors become typed results.
 */
import { type SnapshotDecodeError, SnapshotMalformedError, SnapshotTruncatedError } from './errors.js';
import { pong } from './generated/snapshot.js';

const { SnapshotAck, SnapshotPacket } = pong.netcode.snapshot;

/** A decoded {@link SnapshotPacket}: a full snapshot (`delta` empty) or a delta (only `delta`). */
export interface PacketFields {
  readonly tick: number;
  readonly schemaHash: number;
  readonly payload: Uint8Array;
  readonly delta: Uint8Array;
}

/** A decoded {@link SnapshotAck}. */
export interface AckFields {
  readonly tick: number;
  readonly schemaHash: number;
  readonly requestFull: boolean;
}

/** Outcome of decoding an envelope. */
export type Decoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: SnapshotDecodeError };

/** Encodes the fields given (a full snapshot's three, or a delta's one); absent fields cost nothing. */
export function encodePacket(fields: Partial<PacketFields>): Uint8Array {
  return SnapshotPacket.encode(fields).finish();
}

export function encodeAck(fields: AckFields): Uint8Array {
  return SnapshotAck.encode(fields).finish();
}

function failure(what: string, err: unknown): { ok: false; error: SnapshotDecodeError } {
  const message = err instanceof Error ? err.message : String(err);
  // protobufjs reports reads past the end as RangeError "index out of range".
  if (err instanceof RangeError && message.includes('index out of range'))
    return { ok: false, error: new SnapshotTruncatedError(`${what}: ${message}`) };
  return { ok: false, error: new SnapshotMalformedError(`${what}: ${message}`) };
}

export function decodePacket(bytes: Uint8Array): Decoded<PacketFields> {
  try {
    const m = SnapshotPacket.decode(bytes);
    return {
      ok: true,
      value: {
        tick: m.tick,
        schemaHash: m.schemaHash,
        payload: m.payload,
        delta: m.delta,
      },
    };
  } catch (err) {
    return failure('snapshot packet', err);
  }
}

export function decodeAck(bytes: Uint8Array): Decoded<AckFields> {
  try {
    const m = SnapshotAck.decode(bytes);
    return { ok: true, value: { tick: m.tick, schemaHash: m.schemaHash, requestFull: m.requestFull } };
  } catch (err) {
    return failure('snapshot ack', err);
  }
}
