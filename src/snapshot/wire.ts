/**
 * @internal The protobuf envelopes (proto/snapshot.proto). The messages sent every tick (a delta
 * `SnapshotPacket` and a `SnapshotAck`) are written and read here directly, byte for byte as
 * protobufjs writes them (fields in number order, default values left out): one allocation per
 * message instead of protobufjs's writer chain. Anything else, and any input that is not in that
 * canonical form, goes through the generated static code, so what is accepted or rejected is
 * exactly what protobufjs accepts or rejects. Decoding never throws: protobufjs errors become
 * typed results.
 */
import type { BitWriter } from './bit-writer.js';
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

/** Field keys (field number << 3 | wire type) as protobufjs writes them. */
const KEY = {
  packetTick: 0x08, // 1, varint
  packetSchemaHash: 0x1d, // 3, fixed32
  packetPayload: 0x22, // 4, length-delimited
  packetDelta: 0x2a, // 5, length-delimited
  ackTick: 0x08, // 1, varint
  ackSchemaHash: 0x15, // 2, fixed32
  ackRequestFull: 0x18, // 3, varint
} as const;

const EMPTY = new Uint8Array(0);

/** Encodes the fields given (a full snapshot's three, or a delta's one); absent fields cost nothing. */
export function encodePacket(fields: Partial<PacketFields>): Uint8Array {
  return SnapshotPacket.encode(fields).finish();
}

/**
 * A delta `SnapshotPacket` holding the writer's bytes without their trailing zeros (as
 * `encodePacket({ delta: writer.finishTrimmed() })`), written in one allocation.
 */
export function encodeDeltaPacket(writer: BitWriter): Uint8Array {
  const length = writer.trimmedLength();
  const out = new Uint8Array(1 + varintSize(length) + length);
  out[0] = KEY.packetDelta;
  const at = writeVarint(out, 1, length);
  writer.copyTo(out, at, length);
  return out;
}

export function encodeAck(fields: AckFields): Uint8Array {
  const { tick, schemaHash, requestFull } = fields;
  const out = new Uint8Array(
    (tick !== 0 ? 1 + varintSize(tick) : 0) + (schemaHash !== 0 ? 5 : 0) + (requestFull ? 2 : 0),
  );
  let at = 0;
  if (tick !== 0) {
    out[at++] = KEY.ackTick;
    at = writeVarint(out, at, tick);
  }
  if (schemaHash !== 0) {
    out[at++] = KEY.ackSchemaHash;
    at = writeFixed32(out, at, schemaHash);
  }
  if (requestFull) {
    out[at++] = KEY.ackRequestFull;
    out[at++] = 1;
  }
  return out;
}

function failure(what: string, err: unknown): { ok: false; error: SnapshotDecodeError } {
  const message = err instanceof Error ? err.message : String(err);
  // protobufjs reports reads past the end as RangeError "index out of range".
  if (err instanceof RangeError && message.includes('index out of range'))
    return { ok: false, error: new SnapshotTruncatedError(`${what}: ${message}`) };
  return { ok: false, error: new SnapshotMalformedError(`${what}: ${message}`) };
}

export function decodePacket(bytes: Uint8Array): Decoded<PacketFields> {
  const fast = readCanonicalPacket(bytes);
  if (fast !== undefined) return { ok: true, value: fast };
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
  const fast = readCanonicalAck(bytes);
  if (fast !== undefined) return { ok: true, value: fast };
  try {
    const m = SnapshotAck.decode(bytes);
    return { ok: true, value: { tick: m.tick, schemaHash: m.schemaHash, requestFull: m.requestFull } };
  } catch (err) {
    return failure('snapshot ack', err);
  }
}

/** Read position of the canonical readers (they run to completion, never re-entered). */
const cursor = { pos: 0 };

/** The byte at the cursor, or -1 at the end (no out-of-bounds read). */
function peek(bytes: Uint8Array): number {
  return cursor.pos < bytes.length ? bytes[cursor.pos]! : -1;
}

/**
 * A `SnapshotPacket` whose fields are in number order, each at most once, every varint a uint32
 * and every length inside the input; else undefined (the caller falls back to protobufjs).
 */
function readCanonicalPacket(bytes: Uint8Array): PacketFields | undefined {
  cursor.pos = 0;
  let tick = 0;
  let schemaHash = 0;
  let payload: Uint8Array = EMPTY;
  let delta: Uint8Array = EMPTY;
  if (peek(bytes) === KEY.packetTick) {
    cursor.pos++;
    tick = readUint32(bytes);
    if (tick < 0) return undefined;
  }
  if (peek(bytes) === KEY.packetSchemaHash) {
    schemaHash = readFixed32(bytes, cursor.pos + 1);
    if (schemaHash < 0) return undefined;
    cursor.pos += 5;
  }
  if (peek(bytes) === KEY.packetPayload) {
    cursor.pos++;
    const view = readBytes(bytes);
    if (view === undefined) return undefined;
    payload = view;
  }
  if (peek(bytes) === KEY.packetDelta) {
    cursor.pos++;
    const view = readBytes(bytes);
    if (view === undefined) return undefined;
    delta = view;
  }
  return cursor.pos === bytes.length ? { tick, schemaHash, payload, delta } : undefined;
}

/** A `SnapshotAck` in canonical form (as {@link readCanonicalPacket}), the bool one byte 0 or 1. */
function readCanonicalAck(bytes: Uint8Array): AckFields | undefined {
  cursor.pos = 0;
  let tick = 0;
  let schemaHash = 0;
  let requestFull = false;
  if (peek(bytes) === KEY.ackTick) {
    cursor.pos++;
    tick = readUint32(bytes);
    if (tick < 0) return undefined;
  }
  if (peek(bytes) === KEY.ackSchemaHash) {
    schemaHash = readFixed32(bytes, cursor.pos + 1);
    if (schemaHash < 0) return undefined;
    cursor.pos += 5;
  }
  if (peek(bytes) === KEY.ackRequestFull) {
    if (cursor.pos + 1 >= bytes.length) return undefined;
    const v = bytes[cursor.pos + 1]!;
    if (v !== 0 && v !== 1) return undefined;
    requestFull = v === 1;
    cursor.pos += 2;
  }
  return cursor.pos === bytes.length ? { tick, schemaHash, requestFull } : undefined;
}

/** A varint of at most 5 bytes whose value fits 32 bits, at the cursor (advanced); -1 if not one. */
function readUint32(bytes: Uint8Array): number {
  let at = cursor.pos;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 5; i++) {
    if (at >= bytes.length) return -1;
    const b = bytes[at++]!;
    if (i === 4 && b > 0x0f) return -1;
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      cursor.pos = at;
      return value;
    }
    scale *= 128;
  }
  return -1;
}

/** Four little-endian bytes at `at`; -1 past the end. */
function readFixed32(bytes: Uint8Array, at: number): number {
  if (at + 4 > bytes.length) return -1;
  return (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16)) + bytes[at + 3]! * 0x1000000;
}

/** A length-prefixed view at the cursor (advanced past it); undefined when it does not fit. */
function readBytes(bytes: Uint8Array): Uint8Array | undefined {
  const length = readUint32(bytes);
  if (length < 0 || cursor.pos + length > bytes.length) return undefined;
  const view = bytes.subarray(cursor.pos, cursor.pos + length);
  cursor.pos += length;
  return view;
}

function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

function writeVarint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) {
    out[at++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  out[at++] = v;
  return at;
}

function writeFixed32(out: Uint8Array, at: number, v: number): number {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
  return at + 4;
}
