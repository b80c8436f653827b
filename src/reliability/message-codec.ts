/**
 * Message entries inside a data packet (docs/protocol.md, "Message entries"). Each entry starts
 * with one byte: the entry kind in bits 0-1 and a length code in bits 2-7 (1..63 = length 0..62
 * inline; 0 = a LEB128 length of at most 3 bytes follows the kind's fields).
 */

/** Entry kinds (bits 0-1 of an entry's first byte). @internal */
export const EntryKind = {
  /** A whole reliable-ordered message: id u16. */
  Reliable: 0,
  /** One fragment of a reliable-ordered message: id u16, index u16, count u16. */
  Fragment: 1,
  /** An unreliable-sequenced message: sequence u16. */
  Sequenced: 2,
  /** An unreliable message: no fields. */
  Unreliable: 3,
} as const;

/** An entry kind value. @internal */
export type EntryKindValue = (typeof EntryKind)[keyof typeof EntryKind];

/** Largest length a 3-byte LEB128 can carry. */
const MAX_VARINT = (1 << 21) - 1;
/** Longest inline length. */
const MAX_INLINE = 62;

/** Bytes of the kind-specific fields after the entry byte. @internal */
export function fieldBytes(kind: EntryKindValue): number {
  return kind === EntryKind.Fragment ? 6 : kind === EntryKind.Unreliable ? 0 : 2;
}

/** Total encoded size of an entry with `length` payload bytes. @internal */
export function entrySize(kind: EntryKindValue, length: number): number {
  return 1 + fieldBytes(kind) + lengthBytes(length) + length;
}

/** Largest entry overhead (entry byte + fields + 3-byte length) for a kind. @internal */
export function maxEntryOverhead(kind: EntryKindValue): number {
  return 1 + fieldBytes(kind) + 3;
}

function lengthBytes(length: number): number {
  return length <= MAX_INLINE ? 0 : length < 128 ? 1 : length < 16384 ? 2 : 3;
}

/**
 * Writes one entry at `p`; the caller has checked it fits. Returns the new offset.
 * `a`, `b`, `c` are the kind's fields in wire order (id/sequence, fragment index, fragment count).
 * @internal
 */
export function writeEntry(
  buf: Uint8Array,
  p: number,
  kind: EntryKindValue,
  payload: Uint8Array,
  a: number,
  b: number,
  c: number,
): number {
  const length = payload.length;
  buf[p++] = kind | ((length <= MAX_INLINE ? length + 1 : 0) << 2);
  if (kind !== EntryKind.Unreliable) {
    buf[p++] = a & 0xff;
    buf[p++] = (a >>> 8) & 0xff;
  }
  if (kind === EntryKind.Fragment) {
    buf[p++] = b & 0xff;
    buf[p++] = b >>> 8;
    buf[p++] = c & 0xff;
    buf[p++] = c >>> 8;
  }
  if (length > MAX_INLINE) {
    let v = length;
    while (v >= 0x80) {
      buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[p++] = v;
  }
  buf.set(payload, p);
  return p + length;
}

/**
 * A decoded entry: its kind, fields and where its payload lies in the packet.
 * @internal
 */
export interface Entry {
  kind: EntryKindValue;
  /** Message id (reliable, fragment) or sequence (sequenced), 16-bit as on the wire. */
  id: number;
  fragmentIndex: number;
  fragmentCount: number;
  start: number;
  end: number;
}

/**
 * Decodes every entry of a data packet from `offset` to the end into `out` (reusing its objects).
 * Returns the number of entries, or -1 if anything is wrong: truncation, an over-long or
 * oversized length, a fragment with count < 2, index >= count or no bytes, or an empty packet.
 * Never throws; allocates at most one small object per entry, and entries are at least 1 byte.
 * @internal
 */
export function readEntries(buf: Uint8Array, offset: number, out: Entry[]): number {
  const n = buf.length;
  let p = offset;
  let count = 0;
  while (p < n) {
    const head = buf[p++]!;
    const kind = (head & 3) as EntryKindValue;
    const code = head >>> 2;
    const fields = fieldBytes(kind);
    if (p + fields > n) return -1;
    let id = 0;
    let fragmentIndex = 0;
    let fragmentCount = 0;
    if (fields >= 2) {
      id = buf[p]! | (buf[p + 1]! << 8);
      p += 2;
    }
    if (fields === 6) {
      fragmentIndex = buf[p]! | (buf[p + 1]! << 8);
      fragmentCount = buf[p + 2]! | (buf[p + 3]! << 8);
      p += 4;
      if (fragmentCount < 2 || fragmentIndex >= fragmentCount) return -1;
    }
    let length: number;
    if (code !== 0) {
      length = code - 1;
    } else {
      length = 0;
      let shift = 0;
      for (;;) {
        if (p >= n || shift > 14) return -1;
        const byte = buf[p++]!;
        length |= (byte & 0x7f) << shift;
        shift += 7;
        if ((byte & 0x80) === 0) break;
      }
      if (length > MAX_VARINT) return -1;
    }
    if (length > n - p) return -1;
    if (kind === EntryKind.Fragment && length === 0) return -1;
    let entry = out[count];
    if (!entry) {
      entry = { kind, id, fragmentIndex, fragmentCount, start: p, end: p + length };
      out[count] = entry;
    } else {
      entry.kind = kind;
      entry.id = id;
      entry.fragmentIndex = fragmentIndex;
      entry.fragmentCount = fragmentCount;
      entry.start = p;
      entry.end = p + length;
    }
    count++;
    p += length;
  }
  return count === 0 ? -1 : count;
}
