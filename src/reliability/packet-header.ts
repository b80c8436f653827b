/**
 * The packet header (docs/protocol.md, "Packet header"). A variable-length header after
 * mas-bandwidth/reliable's: one prefix byte, the 16-bit sequence (data packets only), the ack as
 * a one-byte distance or a full 16-bit value, then only those bytes of the 32-bit ack bitfield
 * that are not 0xFF. A data packet with nothing to acknowledge (a one-way stream's sender) carries
 * no ack at all. 3 bytes one-way, 4 on a loss-free two-way link, at most 9 (7 for an ack-only packet).
 */

/** Version of the channel wire format, carried in the top two bits of every prefix byte. */
export const WIRE_VERSION = 2;

/** Packet types (data or ack-only; on the wire, part of the prefix byte's kind field). */
export const PacketType = {
  /** Sequenced packet carrying messages (and acks). */
  Data: 0,
  /** Ack-only packet: no sequence, no messages, never itself acknowledged. */
  Ack: 1,
} as const;

/** A packet type value. */
export type PacketTypeValue = (typeof PacketType)[keyof typeof PacketType];

/** Largest possible header in bytes. */
export const MAX_HEADER_BYTES = 9;

/** Prefix bits 0-1: how the packet is laid out. */
const KIND_DATA_SHORT_ACK = 0;
const KIND_DATA_FULL_ACK = 1;
const KIND_DATA_NO_ACK = 2;
const KIND_ACK_ONLY = 3;
const VERSION_SHIFT = 6;
/** Prefix bits 2-5: ack bitfield byte i is present. */
const BITFIELD_SHIFT = 2;
const BITFIELD_FLAGS = 0xf << BITFIELD_SHIFT;

/**
 * A decoded packet header.
 * @internal
 */
export interface PacketHeader {
  type: PacketTypeValue;
  /** 16-bit sequence (0 for ack-only packets). */
  sequence: number;
  /** Newest sequence received from the peer. */
  ack: number;
  /** Bit i set: sequence `ack - i` was received. */
  ackBits: number;
}

/**
 * Writes a header at `offset` and returns its length in bytes. `buf` must have 9 bytes free.
 * A data packet whose `ackBits` is 0 acknowledges nothing and is written without an ack.
 * @internal
 */
export function writePacketHeader(
  buf: Uint8Array,
  offset: number,
  type: PacketTypeValue,
  sequence: number,
  ack: number,
  ackBits: number,
): number {
  let p = offset;
  if (type === PacketType.Data && ackBits === 0) {
    buf[p++] = (WIRE_VERSION << VERSION_SHIFT) | KIND_DATA_NO_ACK;
    buf[p++] = sequence & 0xff;
    buf[p++] = (sequence >>> 8) & 0xff;
    return 3;
  }
  const diff = (sequence - ack) & 0xffff;
  const kind =
    type === PacketType.Ack ? KIND_ACK_ONLY : diff <= 255 ? KIND_DATA_SHORT_ACK : KIND_DATA_FULL_ACK;
  let prefix = (WIRE_VERSION << VERSION_SHIFT) | kind;
  for (let i = 0; i < 4; i++)
    if (((ackBits >>> (8 * i)) & 0xff) !== 0xff) prefix |= 1 << (BITFIELD_SHIFT + i);
  buf[p++] = prefix;
  if (type === PacketType.Data) {
    buf[p++] = sequence & 0xff;
    buf[p++] = (sequence >>> 8) & 0xff;
  }
  if (kind === KIND_DATA_SHORT_ACK) {
    buf[p++] = diff;
  } else {
    buf[p++] = ack & 0xff;
    buf[p++] = (ack >>> 8) & 0xff;
  }
  for (let i = 0; i < 4; i++) {
    const byte = (ackBits >>> (8 * i)) & 0xff;
    if (byte !== 0xff) buf[p++] = byte;
  }
  return p - offset;
}

/**
 * Reads a header from the start of `buf` into `out`. Returns the header length, or -1 when the
 * bytes are not a valid header (wrong version, bitfield flags on a packet without ack,
 * truncated). A data packet without ack reads as ack 0, bitfield 0. Never throws.
 * @internal
 */
export function readPacketHeader(buf: Uint8Array, out: PacketHeader): number {
  const n = buf.length;
  if (n < 1) return -1;
  const prefix = buf[0]!;
  if (prefix >>> VERSION_SHIFT !== WIRE_VERSION) return -1;
  const kind = prefix & 3;
  const type: PacketTypeValue = kind === KIND_ACK_ONLY ? PacketType.Ack : PacketType.Data;
  let p = 1;
  let sequence = 0;
  if (type === PacketType.Data) {
    if (p + 2 > n) return -1;
    sequence = buf[p]! | (buf[p + 1]! << 8);
    p += 2;
  }
  if (kind === KIND_DATA_NO_ACK) {
    if ((prefix & BITFIELD_FLAGS) !== 0) return -1;
    out.type = type;
    out.sequence = sequence;
    out.ack = 0;
    out.ackBits = 0;
    return p;
  }
  let ack: number;
  if (kind === KIND_DATA_SHORT_ACK) {
    if (p + 1 > n) return -1;
    ack = (sequence - buf[p]!) & 0xffff;
    p += 1;
  } else {
    if (p + 2 > n) return -1;
    ack = buf[p]! | (buf[p + 1]! << 8);
    p += 2;
  }
  let ackBits = 0;
  for (let i = 0; i < 4; i++) {
    let byte = 0xff;
    if ((prefix & (1 << (BITFIELD_SHIFT + i))) !== 0) {
      if (p + 1 > n) return -1;
      byte = buf[p++]!;
    }
    ackBits |= byte << (8 * i);
  }
  out.type = type;
  out.sequence = sequence;
  out.ack = ack;
  out.ackBits = ackBits >>> 0;
  return p;
}
