import sodiumNative from 'sodium-native';
import { ByteSlab } from '../reliability/byte-slab.js';
import type { Cookie } from './connection-packets.js';
import { ReplayWindow } from './connection-replay.js';

/**
 * The libsodium calls used here. `@types/sodium-native` predates the IETF ChaCha20-Poly1305 AEAD,
 * so they are typed by hand; nothing of sodium leaks into the public types.
 */
interface Sodium {
  crypto_aead_chacha20poly1305_ietf_encrypt(
    c: Uint8Array,
    m: Uint8Array,
    ad: Uint8Array | null,
    nsec: null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  /** Throws when the tag does not verify. */
  crypto_aead_chacha20poly1305_ietf_decrypt(
    m: Uint8Array,
    nsec: null,
    c: Uint8Array,
    ad: Uint8Array | null,
    npub: Uint8Array,
    k: Uint8Array,
  ): number;
  crypto_generichash(out: Uint8Array, input: Uint8Array, key?: Uint8Array): void;
}
const sodium = sodiumNative as unknown as Sodium;

/** Bytes of a packet key (ChaCha20-Poly1305). @internal */
export const KEY_BYTES = 32;
/** Bytes of the Poly1305 tag at the end of every sealed packet. @internal */
export const TAG_BYTES = 16;
/** Bytes of the packet number after the prefix byte. @internal */
export const PACKET_NUMBER_BYTES = 8;
/** Bytes in front of the ciphertext: prefix and packet number. @internal */
export const SEALED_HEADER_BYTES = 1 + PACKET_NUMBER_BYTES;
/** Bytes a sealed packet adds to its plaintext. @internal */
export const SEAL_OVERHEAD_BYTES = SEALED_HEADER_BYTES + TAG_BYTES;
/** Bytes of the associated data: prefix, packet number, protocol id. @internal */
const AD_BYTES = SEALED_HEADER_BYTES + 4;
/** Packet numbers stay exact JavaScript integers: a peer claiming more is malformed. @internal */
export const MAX_PACKET_NUMBER = Number.MAX_SAFE_INTEGER;
/** A nonce no sealed packet uses (its first 4 bytes are 0xff): for the two handshake seals. */
const HANDSHAKE_NONCE = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0);
const EMPTY = new Uint8Array(0);

/** Session keys of one connection, one per direction. @internal */
export interface SessionKeys {
  /** Seals what this side sends. */
  readonly send: Uint8Array;
  /** Opens what this side receives. */
  readonly receive: Uint8Array;
}

/**
 * The key one connection uses in one direction: BLAKE2b-256 keyed with the token's key for that
 * direction over the client nonce and the cookie (issue time and MAC). Every handshake has its own
 * nonce and cookie, so a client that reconnects with the same token gets new keys and packet
 * numbers that start again at 0 never repeat a (key, nonce) pair.
 * @internal
 */
export function deriveSessionKey(tokenKey: Uint8Array, clientNonce: Uint8Array, cookie: Cookie): Uint8Array {
  const input = new Uint8Array(clientNonce.length + 8 + cookie.mac.length);
  input.set(clientNonce, 0);
  new DataView(input.buffer).setFloat64(clientNonce.length, cookie.issuedAt, true);
  input.set(cookie.mac, clientNonce.length + 8);
  const out = new Uint8Array(KEY_BYTES);
  sodium.crypto_generichash(out, input, tokenKey);
  return out;
}

/** Seals `plain` under a session key with the handshake nonce (each key seals one message only). @internal */
export function sealHandshake(key: Uint8Array, ad: Uint8Array, plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(plain.length + TAG_BYTES);
  sodium.crypto_aead_chacha20poly1305_ietf_encrypt(out, plain, ad, null, HANDSHAKE_NONCE, key);
  return out;
}

/** Opens what {@link sealHandshake} made; `undefined` when the tag does not verify. @internal */
export function openHandshake(key: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array | undefined {
  if (sealed.length < TAG_BYTES) return undefined;
  const out = new Uint8Array(sealed.length - TAG_BYTES);
  try {
    sodium.crypto_aead_chacha20poly1305_ietf_decrypt(out, null, sealed, ad, HANDSHAKE_NONCE, key);
  } catch {
    return undefined;
  }
  return out;
}

/** Why {@link PacketSeal.open} refused a packet. @internal */
export type OpenRefusal = 'malformed' | 'unauthenticated' | 'replayed';

/**
 * Seals and opens the post-handshake packets of one connection (docs/connection.md, "Sealed
 * packets"): `prefix ‖ packet number (u64 LE) ‖ ChaCha20-Poly1305-IETF ciphertext ‖ 16-byte tag`,
 * nonce `0⁴ ‖ packet number`, associated data `prefix ‖ packet number ‖ protocol id (u32 LE)`.
 * Nonce, associated data and output memory are preallocated; a sealed packet is a fresh view of a
 * slab (a transport may still hold an earlier one), so sealing allocates no ArrayBuffer per packet.
 * @internal
 */
export class PacketSeal {
  private readonly keys: SessionKeys;
  private readonly sendNonce = new Uint8Array(12);
  private readonly receiveNonce = new Uint8Array(12);
  private readonly sendAd = new Uint8Array(AD_BYTES);
  private readonly receiveAd = new Uint8Array(AD_BYTES);
  private readonly slab: ByteSlab;
  /** Where packets are opened when the datagram is not ours to overwrite. */
  private readonly scratch: Uint8Array | undefined;
  private readonly replay = new ReplayWindow();
  private nextPacketNumber = 0;

  /**
   * @param keys - this side's session keys.
   * @param protocolId - bound into every packet's associated data.
   * @param maxDatagramSize - largest packet sealed or opened.
   * @param openInPlace - datagrams are fresh buffers this side owns (`freshDatagrams`): open them in place.
   */
  constructor(keys: SessionKeys, protocolId: number, maxDatagramSize: number, openInPlace: boolean) {
    this.keys = keys;
    for (const ad of [this.sendAd, this.receiveAd])
      new DataView(ad.buffer).setUint32(SEALED_HEADER_BYTES, protocolId, true);
    this.slab = new ByteSlab(Math.max(64 * 1024, 4 * maxDatagramSize), 0);
    this.scratch = openInPlace ? undefined : new Uint8Array(maxDatagramSize);
  }

  /** Packet number the next sealed packet gets (packets sealed so far). */
  get packetsSealed(): number {
    return this.nextPacketNumber;
  }

  /** A sealed packet of `prefix` carrying `plain`; the next packet number. */
  seal(prefix: number, plain: Uint8Array): Uint8Array {
    const packetNumber = this.nextPacketNumber++;
    const ad = this.sendAd;
    ad[0] = prefix;
    writePacketNumber(ad, 1, packetNumber);
    writePacketNumber(this.sendNonce, 4, packetNumber);
    const size = SEAL_OVERHEAD_BYTES + plain.length;
    this.slab.reserve(size);
    const out = this.slab.take(size);
    for (let i = 0; i < SEALED_HEADER_BYTES; i++) out[i] = ad[i]!;
    sodium.crypto_aead_chacha20poly1305_ietf_encrypt(
      out.subarray(SEALED_HEADER_BYTES),
      plain.length === 0 ? EMPTY : plain,
      ad,
      null,
      this.sendNonce,
      this.keys.send,
    );
    return out;
  }

  /**
   * The plaintext of a sealed packet (a view, valid until the next `open`), or why it is refused:
   * `malformed` (too short for its header and tag), `replayed` (a packet number already received or
   * older than the replay window: checked before the tag, as netcode.io does), `unauthenticated`
   * (the tag does not verify: wrong key, altered bytes). Only an opened packet moves the window.
   */
  open(data: Uint8Array): Uint8Array | OpenRefusal {
    const length = data.length;
    if (length < SEAL_OVERHEAD_BYTES) return 'malformed';
    const packetNumber = readPacketNumber(data, 1);
    if (packetNumber > MAX_PACKET_NUMBER) return 'malformed';
    if (this.replay.seen(packetNumber) !== undefined) return 'replayed';
    const ad = this.receiveAd;
    for (let i = 0; i < SEALED_HEADER_BYTES; i++) ad[i] = data[i]!;
    writePacketNumber(this.receiveNonce, 4, packetNumber);
    const plainLength = length - SEAL_OVERHEAD_BYTES;
    const plain =
      this.scratch === undefined
        ? data.subarray(SEALED_HEADER_BYTES, length - TAG_BYTES)
        : this.scratch.subarray(0, plainLength);
    try {
      sodium.crypto_aead_chacha20poly1305_ietf_decrypt(
        plain,
        null,
        data.subarray(SEALED_HEADER_BYTES),
        ad,
        this.receiveNonce,
        this.keys.receive,
      );
    } catch {
      return 'unauthenticated';
    }
    this.replay.accept(packetNumber);
    return plain;
  }
}

/** Writes a packet number (an integer below 2^53) as u64 little-endian at `offset`. @internal */
export function writePacketNumber(out: Uint8Array, offset: number, value: number): void {
  let low = value >>> 0;
  let high = (value - low) / 0x1_0000_0000;
  for (let i = 0; i < 4; i++) {
    out[offset + i] = low & 0xff;
    low >>>= 8;
  }
  for (let i = 4; i < 8; i++) {
    out[offset + i] = high & 0xff;
    high >>>= 8;
  }
}

/** Reads a u64 little-endian packet number; values past 2^53 come back inexact but above {@link MAX_PACKET_NUMBER}. @internal */
export function readPacketNumber(data: Uint8Array, offset: number): number {
  const low =
    (data[offset]! | (data[offset + 1]! << 8) | (data[offset + 2]! << 16) | (data[offset + 3]! << 24)) >>> 0;
  const high =
    (data[offset + 4]! | (data[offset + 5]! << 8) | (data[offset + 6]! << 16) | (data[offset + 7]! << 24)) >>>
    0;
  return high * 0x1_0000_0000 + low;
}
