/**
 * Byte layouts of the connect token (docs/connect-token.md is the spec; its vectors are decoded by
 * test/transport/connect-token-vectors.test.ts). All integers little-endian.
 *
 * @internal
 */
import { ByteReader, ByteWriter, ShortRead, utf8Bytes } from './byte-io.js';
import { CONNECT_TOKEN_KEY_BYTES } from './connect-token-key.js';
import { isServerAddress, MAX_SERVER_ADDRESS_BYTES } from './server-address.js';
import { AEAD_TAG_BYTES, XCHACHA_NONCE_BYTES } from './xchacha.js';

/** Format version, the first byte of both the public and the handshake token. */
export const CONNECT_TOKEN_VERSION = 1;
/** Longest player, match or room id, in UTF-8 bytes. */
export const MAX_ID_BYTES = 128;
/** Longest user data, in bytes. */
export const MAX_USER_DATA_BYTES = 256;

/** version u8, protocol id u32, expires at u64, key id u32: the associated data of the seal. */
export const HANDSHAKE_HEADER_BYTES = 1 + 4 + 8 + 4;
/** Where the sealed private part starts in a handshake token. */
export const SEALED_OFFSET = HANDSHAKE_HEADER_BYTES + XCHACHA_NONCE_BYTES;
/** timeout u32, two keys, four strings with u8 lengths, user data with a u16 length. */
const PRIVATE_FIXED_BYTES = 4 + 2 * CONNECT_TOKEN_KEY_BYTES + 4 * 1 + 2;
/**
 * Size of every private part: the largest possible one. Shorter contents are zero-padded (as
 * netcode.io pads to 1024), so the token's size says nothing about its ids or user data.
 */
export const PRIVATE_PART_BYTES =
  PRIVATE_FIXED_BYTES + 3 * MAX_ID_BYTES + MAX_SERVER_ADDRESS_BYTES + MAX_USER_DATA_BYTES;
/** Size of every handshake token: 899 bytes (under the agreed 1024). */
export const HANDSHAKE_TOKEN_BYTES = SEALED_OFFSET + PRIVATE_PART_BYTES + AEAD_TAG_BYTES;

/** The clear header of a handshake token. */
export interface HandshakeHeader {
  readonly protocolId: number;
  readonly expiresAt: number;
  readonly keyId: number;
}

/** What the sealed part carries. */
export interface PrivatePart {
  readonly timeoutMs: number;
  readonly clientToServerKey: Uint8Array;
  readonly serverToClientKey: Uint8Array;
  readonly playerId: string;
  readonly matchId: string;
  readonly roomId: string;
  readonly serverAddress: string;
  readonly userData: Uint8Array;
}

/** The client's part of a public token, around the handshake token. */
export interface PublicPart {
  readonly protocolId: number;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly timeoutMs: number;
  readonly clientToServerKey: Uint8Array;
  readonly serverToClientKey: Uint8Array;
  readonly serverAddress: string;
  readonly handshakeToken: Uint8Array;
}

export function writeHandshakeHeader(header: HandshakeHeader): Uint8Array {
  const w = new ByteWriter(HANDSHAKE_HEADER_BYTES);
  w.u8(CONNECT_TOKEN_VERSION);
  w.u32(header.protocolId);
  w.u64(header.expiresAt);
  w.u32(header.keyId);
  return w.bytes;
}

/** The header of a handshake token, or `undefined` when its size or version is wrong. */
export function readHandshakeHeader(token: Uint8Array): HandshakeHeader | undefined {
  if (token.length !== HANDSHAKE_TOKEN_BYTES) return undefined;
  try {
    const r = new ByteReader(token);
    if (r.u8() !== CONNECT_TOKEN_VERSION) return undefined;
    return { protocolId: r.u32(), expiresAt: r.u64(), keyId: r.u32() };
  } catch (err) {
    if (err instanceof ShortRead) return undefined;
    throw err;
  }
}

export function writePrivatePart(p: PrivatePart): Uint8Array {
  const player = utf8Bytes(p.playerId);
  const match = utf8Bytes(p.matchId);
  const room = utf8Bytes(p.roomId);
  const address = utf8Bytes(p.serverAddress);
  const w = new ByteWriter(PRIVATE_PART_BYTES);
  w.u32(p.timeoutMs);
  w.raw(p.clientToServerKey);
  w.raw(p.serverToClientKey);
  w.short(player);
  w.short(match);
  w.short(room);
  w.short(address);
  w.long(p.userData);
  return w.bytes;
}

/** The private part, or `undefined` when any field is out of range or the padding is not zero. */
export function readPrivatePart(bytes: Uint8Array): PrivatePart | undefined {
  try {
    const r = new ByteReader(bytes);
    const timeoutMs = r.u32();
    const clientToServerKey = r.copy(CONNECT_TOKEN_KEY_BYTES);
    const serverToClientKey = r.copy(CONNECT_TOKEN_KEY_BYTES);
    const playerId = r.text(1, MAX_ID_BYTES);
    const matchId = r.text(1, MAX_ID_BYTES);
    const roomId = r.text(1, MAX_ID_BYTES);
    const serverAddress = r.text(1, MAX_SERVER_ADDRESS_BYTES);
    const userDataLength = r.u16();
    if (userDataLength > MAX_USER_DATA_BYTES) return undefined;
    const userData = r.copy(userDataLength);
    r.zeros();
    if (timeoutMs < 1 || !isServerAddress(serverAddress)) return undefined;
    return {
      timeoutMs,
      clientToServerKey,
      serverToClientKey,
      playerId,
      matchId,
      roomId,
      serverAddress,
      userData,
    };
  } catch (err) {
    if (err instanceof ShortRead) return undefined;
    throw err;
  }
}

/** Fixed bytes of the public token: version, protocol id, two times, timeout, two keys, two lengths. */
const PUBLIC_FIXED_BYTES = 1 + 4 + 8 + 8 + 4 + 2 * CONNECT_TOKEN_KEY_BYTES + 1 + 2;

export function writePublicPart(p: PublicPart): Uint8Array {
  const address = utf8Bytes(p.serverAddress);
  const w = new ByteWriter(PUBLIC_FIXED_BYTES + address.length + p.handshakeToken.length);
  w.u8(CONNECT_TOKEN_VERSION);
  w.u32(p.protocolId);
  w.u64(p.createdAt);
  w.u64(p.expiresAt);
  w.u32(p.timeoutMs);
  w.raw(p.clientToServerKey);
  w.raw(p.serverToClientKey);
  w.short(address);
  w.long(p.handshakeToken);
  return w.bytes;
}

/**
 * The public token, or a sentence saying what is wrong. Checks that the handshake token inside is
 * well-formed and agrees with the clear fields (protocol id, expiry).
 */
export function readPublicPart(bytes: Uint8Array): PublicPart | string {
  try {
    const r = new ByteReader(bytes);
    const version = r.u8();
    if (version !== CONNECT_TOKEN_VERSION) return `unknown version ${version}`;
    const protocolId = r.u32();
    const createdAt = r.u64();
    const expiresAt = r.u64();
    const timeoutMs = r.u32();
    const clientToServerKey = r.copy(CONNECT_TOKEN_KEY_BYTES);
    const serverToClientKey = r.copy(CONNECT_TOKEN_KEY_BYTES);
    const serverAddress = r.text(1, MAX_SERVER_ADDRESS_BYTES);
    const handshakeToken = r.copy(r.u16());
    r.end();
    if (!(createdAt < expiresAt)) return 'expiry is not after creation';
    if (timeoutMs < 1) return 'timeout is 0';
    if (!isServerAddress(serverAddress)) return 'server address is not host:port';
    const header = readHandshakeHeader(handshakeToken);
    if (header === undefined) return 'handshake token is malformed';
    if (header.protocolId !== protocolId || header.expiresAt !== expiresAt)
      return 'handshake token disagrees with the public fields';
    return {
      protocolId,
      createdAt,
      expiresAt,
      timeoutMs,
      clientToServerKey,
      serverToClientKey,
      serverAddress,
      handshakeToken,
    };
  } catch (err) {
    if (err instanceof ShortRead) return err.message;
    throw err;
  }
}
