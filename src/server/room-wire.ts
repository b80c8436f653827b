/**
 * The room envelope: the first byte of every message a room and its clients exchange over a
 * connection says what follows. Layout in docs/server.md ("Wire format"); all integers little-endian.
 *
 * | type | direction | kind | body |
 * |---|---|---|---|
 * | 1 frame | client to server | unreliable | u8 seat, u32 newest tick, u32 newest sequence, u8 count, u8 input size, count x (u8 ticks before newest, input), snapshot ack (rest) |
 * | 2 snapshot | server to client | unreliable | the snapshot module's `SnapshotPacket` |
 * | 3 message | both | reliable | the game's bytes |
 * | 4 welcome | server to client | reliable | u8 seat, u8 seat count, u16 tick rate, u8 ticks per snapshot, u32 tick |
 *
 * Parsing never throws and never allocates: a bad message reads as `undefined`/`false`, which the
 * caller counts.
 * @internal
 */
export const RoomMessageType = { frame: 1, snapshot: 2, message: 3, welcome: 4 } as const;

/** Bytes of a frame before its inputs. */
export const FRAME_HEADER_BYTES = 12;
/** Most inputs one frame carries (the newest and the ones before it, against loss). */
export const MAX_FRAME_INPUTS = 8;
/** Bytes of a welcome message. */
export const WELCOME_BYTES = 10;

/** The server's view of one input frame, filled in place by {@link readFrame}. */
export interface FrameView {
  seat: number;
  newestTick: number;
  newestSeq: number;
  count: number;
  inputSize: number;
  /** Offset of the first input entry in the frame. */
  inputsAt: number;
  /** Offset of the snapshot ack (the frame's end when there is none). */
  ackAt: number;
}

/** A fresh {@link FrameView} to reuse across calls. */
export function newFrameView(): FrameView {
  return { seat: 0, newestTick: 0, newestSeq: 0, count: 0, inputSize: 0, inputsAt: 0, ackAt: 0 };
}

const u32 = (b: Uint8Array, at: number) =>
  (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

/**
 * Parses a frame (type byte included) into `out`; false when it is malformed: too short, a count
 * over {@link MAX_FRAME_INPUTS}, an input size other than `inputSize`, inputs that overrun the
 * frame, or entries newer than the one before them (entries go newest first; two may share a tick,
 * the later sequence winning).
 */
export function readFrame(bytes: Uint8Array, inputSize: number, out: FrameView): boolean {
  if (bytes.length < FRAME_HEADER_BYTES || bytes[0] !== RoomMessageType.frame) return false;
  const count = bytes[10]!;
  if (count > MAX_FRAME_INPUTS || bytes[11] !== inputSize) return false;
  const ackAt = FRAME_HEADER_BYTES + count * (1 + inputSize);
  if (ackAt > bytes.length) return false;
  let previous = -1;
  for (let i = 0; i < count; i++) {
    const back = bytes[FRAME_HEADER_BYTES + i * (1 + inputSize)]!;
    if (back < previous) return false;
    previous = back;
  }
  const newestTick = u32(bytes, 2);
  if (count > 0 && previous > newestTick) return false;
  out.seat = bytes[1]!;
  out.newestTick = newestTick;
  out.newestSeq = u32(bytes, 6);
  out.count = count;
  out.inputSize = inputSize;
  out.inputsAt = FRAME_HEADER_BYTES;
  out.ackAt = ackAt;
  return true;
}

/** Writes a frame's header into `out`; the caller writes the `count` entries after it. */
export function writeFrameHeader(
  out: Uint8Array,
  seat: number,
  newestTick: number,
  newestSeq: number,
  count: number,
  inputSize: number,
): void {
  out[0] = RoomMessageType.frame;
  out[1] = seat;
  putU32(out, 2, newestTick);
  putU32(out, 6, newestSeq);
  out[10] = count;
  out[11] = inputSize;
}

/** What a room tells a client it seated (the `welcome` message). */
export interface Welcome {
  /** The client's seat index. */
  readonly seat: number;
  /** Seats in the room. */
  readonly seats: number;
  /** Simulation ticks per second. */
  readonly tickRate: number;
  /** A snapshot every this many ticks. */
  readonly ticksPerSnapshot: number;
  /** The server's tick when the client was seated. */
  readonly tick: number;
}

/** Encodes a welcome message. @internal */
export function writeWelcome(w: Welcome): Uint8Array {
  const out = new Uint8Array(WELCOME_BYTES);
  out[0] = RoomMessageType.welcome;
  out[1] = w.seat;
  out[2] = w.seats;
  out[3] = w.tickRate & 0xff;
  out[4] = w.tickRate >>> 8;
  out[5] = w.ticksPerSnapshot;
  putU32(out, 6, w.tick);
  return out;
}

/** Decodes a welcome message; `undefined` when malformed. @internal */
export function readWelcome(bytes: Uint8Array): Welcome | undefined {
  if (bytes.length !== WELCOME_BYTES || bytes[0] !== RoomMessageType.welcome) return undefined;
  const welcome = {
    seat: bytes[1]!,
    seats: bytes[2]!,
    tickRate: bytes[3]! | (bytes[4]! << 8),
    ticksPerSnapshot: bytes[5]!,
    tick: u32(bytes, 6),
  };
  if (welcome.seat >= welcome.seats || welcome.tickRate === 0 || welcome.ticksPerSnapshot === 0)
    return undefined;
  return welcome;
}

/** `bytes` behind a one-byte type, in a new array. @internal */
export function withType(type: number, bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + bytes.length);
  out[0] = type;
  out.set(bytes, 1);
  return out;
}

/**
 * Puts the snapshot type byte in front of snapshot bytes without allocating: one scratch buffer
 * for the process and one view per length, made once. The result is valid until the next call;
 * hand it straight to `Connection.send`, which copies it.
 * @internal
 */
export class SnapshotFramer {
  private readonly scratch: Uint8Array;
  private readonly views: (Uint8Array | undefined)[] = [];

  constructor(maxBytes = 2048) {
    this.scratch = new Uint8Array(maxBytes);
    this.scratch[0] = RoomMessageType.snapshot;
  }

  frame(body: Uint8Array): Uint8Array {
    const length = body.length + 1;
    if (length > this.scratch.length) return withType(RoomMessageType.snapshot, body);
    this.scratch.set(body, 1);
    let view = this.views[length];
    if (view === undefined) {
      view = this.scratch.subarray(0, length);
      this.views[length] = view;
    }
    return view;
  }
}
