/**
 * The packet header (docs/protocol.md, "Packet header"). A variable-length header after
 * mas-bandwidth/reliable's: one prefix byte, the 16-bit sequence (data packets only), the ack as
 * a one-byte distance or a full 16-bit value, then only those bytes of the 32-bit ack bitfield
 * that are not 0xFF. 4 bytes on a loss-free link, at most 9 (7 for an ack-only packet).
 */

/** Version of the channel wire format, carried in the top two bits of every prefix byte. */
export const WIRE_VERSION = 1;

/** Packet types (bit 0 of the prefix byte). */
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

const FLAG_ACK_DIFF = 1 << 5;
const VERSION_SHIFT = 6;

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
  let prefix = (WIRE_VERSION << VERSION_SHIFT) | type;
  for (let i = 0; i < 4; i++) if (((ackBits >>> (8 * i)) & 0xff) !== 0xff) prefix |= 1 << (1 + i);
  const diff = (sequence - ack) & 0xffff;
  const shortAck = type === PacketType.Data && diff <= 255;
  if (shortAck) prefix |= FLAG_ACK_DIFF;
  let p = offset;
  buf[p++] = prefix;
  if (type === PacketType.Data) {
    buf[p++] = sequence & 0xff;
    buf[p++] = sequence >>> 8;
  }
  if (shortAck) {
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
 * bytes are not a valid header (wrong version, reserved type, truncated). Never throws.
 * @internal
 */
export function readPacketHeader(buf: Uint8Array, out: PacketHeader): number {
  const n = buf.length;
  if (n < 1) return -1;
  const prefix = buf[0]!;
  if (prefix >>> VERSION_SHIFT !== WIRE_VERSION) return -1;
  const type = (prefix & 1) as PacketTypeValue;
  const shortAck = (prefix & FLAG_ACK_DIFF) !== 0;
  if (type === PacketType.Ack && shortAck) return -1;
  let p = 1;
  let sequence = 0;
  if (type === PacketType.Data) {
    if (p + 2 > n) return -1;
    sequence = buf[p]! | (buf[p + 1]! << 8);
    p += 2;
  }
  let ack: number;
  if (shortAck) {
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
    if ((prefix & (1 << (1 + i))) !== 0) {
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
