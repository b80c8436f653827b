/**
 * The connection layer's wire format (docs/connection.md): a prefix byte (wire version in the high
 * nibble, packet type in the low nibble) and a fixed layout per type, all integers little-endian (as in the channel's `docs/protocol.md`).
 * Every `read*` function takes untrusted bytes and returns `undefined` for anything malformed; none
 * of them throws or allocates more than the packet's own size. Payload, KeepAlive and Disconnect
 * are sealed (`connection-seal.ts`); so is the client id in Accepted.
 *
 * @internal
 */
import { SEAL_OVERHEAD_BYTES, TAG_BYTES } from './connection-seal.js';

/** Version of the connection-layer framing (high nibble of every prefix byte). @internal */
export const CONNECTION_WIRE_VERSION = 2;

/** Connection-layer packet types (low nibble of the prefix byte). @internal */
export const ConnectionPacketType = {
  /** Client to server: opens a handshake. Padded to {@link HANDSHAKE_PACKET_SIZE}. */
  ConnectRequest: 0,
  /** Server to client: a stateless cookie for the client to echo. */
  Challenge: 1,
  /** Client to server: the echoed cookie plus the connect token. Padded to {@link HANDSHAKE_PACKET_SIZE}. */
  ChallengeResponse: 2,
  /** Server to client: the connection exists; carries the client id, sealed with the session key. */
  Accepted: 3,
  /** Server to client: the handshake was refused; carries a reason code. */
  Denied: 4,
  /** Either way, sealed: one `ReliableUdpChannel` packet. */
  Payload: 5,
  /** Either way, sealed: the client id; keeps an idle connection alive. */
  KeepAlive: 6,
  /** Either way, sealed, empty: the sender closes the connection. */
  Disconnect: 7,
} as const;

/** A connection-layer packet type value. @internal */
export type ConnectionPacketTypeValue = (typeof ConnectionPacketType)[keyof typeof ConnectionPacketType];

/** Why a server denied a handshake (the reason byte of a Denied packet). */
export const DenyReason = {
  /** The server has `maxClients` connections. */
  ServerFull: 1,
  /** The connect token was refused (malformed, forged, expired, unknown key, another server or protocol). */
  TokenRejected: 2,
  /** The client speaks another protocol version. */
  VersionMismatch: 3,
  /** The token is in use from another address, or its player is connected from another address. */
  TokenInUse: 4,
} as const;

/** A deny reason code. */
export type DenyReasonValue = (typeof DenyReason)[keyof typeof DenyReason];

/** Size of both client handshake packets, padding included: always at least the server's reply. @internal */
export const HANDSHAKE_PACKET_SIZE = 300;
/** Largest handshake token (the connect token's part a client sends), in bytes. */
export const MAX_CONNECT_TOKEN_BYTES = 1024;
/** Bytes of the client nonce. @internal */
export const NONCE_BYTES = 8;
/** Bytes of the cookie MAC (HMAC-SHA256, truncated). @internal */
export const COOKIE_MAC_BYTES = 16;
/** Bytes of a cookie: issue time (float64 ms) and MAC. @internal */
export const COOKIE_BYTES = 8 + COOKIE_MAC_BYTES;
/** Sizes of the server's packets. @internal */
export const CHALLENGE_SIZE = 1 + NONCE_BYTES + COOKIE_BYTES;
/** Accepted: prefix, client nonce, sealed client id. @internal */
export const ACCEPTED_SIZE = 1 + NONCE_BYTES + 4 + TAG_BYTES;
/** @internal */
export const DENIED_SIZE = 1 + NONCE_BYTES + 1;
/** Sealed Disconnect: prefix, packet number, tag (no plaintext). @internal */
export const DISCONNECT_SIZE = SEAL_OVERHEAD_BYTES;
/** Sealed KeepAlive: prefix, packet number, client id (u32), tag. @internal */
export const KEEP_ALIVE_SIZE = SEAL_OVERHEAD_BYTES + 4;
/** Connection-layer bytes around every channel packet: prefix, packet number (8) and tag (16). */
export const PAYLOAD_OVERHEAD_BYTES = SEAL_OVERHEAD_BYTES;

/** Offset of the token length in a ChallengeResponse. @internal */
const RESPONSE_TOKEN_OFFSET = 1 + 4 + 2 + NONCE_BYTES + COOKIE_BYTES;
/** Offset of the token in a ChallengeResponse. @internal */
const RESPONSE_TOKEN_START = RESPONSE_TOKEN_OFFSET + 2;

/** Size of a ChallengeResponse carrying a token of `tokenLength` bytes: its proof tag included, padded to at least {@link HANDSHAKE_PACKET_SIZE}. @internal */
export function challengeResponseSize(tokenLength: number): number {
  return Math.max(HANDSHAKE_PACKET_SIZE, RESPONSE_TOKEN_START + tokenLength + TAG_BYTES);
}

/** The prefix byte for a type. @internal */
export function prefixByte(type: ConnectionPacketTypeValue): number {
  return (CONNECTION_WIRE_VERSION << 4) | type;
}

/**
 * The packet type of `data`, or `undefined` when it is empty, of another wire version or of an
 * unknown type.
 * @internal
 */
export function readPacketType(data: Uint8Array): ConnectionPacketTypeValue | undefined {
  if (data.length === 0) return undefined;
  const prefix = data[0]!;
  if (prefix >> 4 !== CONNECTION_WIRE_VERSION) return undefined;
  const type = prefix & 0x0f;
  return type <= ConnectionPacketType.Disconnect ? (type as ConnectionPacketTypeValue) : undefined;
}

/** A cookie as carried on the wire. @internal */
export interface Cookie {
  /** Server clock time at issue, ms. */
  issuedAt: number;
  /** MAC bytes (a view into the packet). */
  mac: Uint8Array;
}

/** A decoded ConnectRequest. @internal */
export interface ConnectRequest {
  protocolId: number;
  protocolVersion: number;
  nonce: Uint8Array;
}

/** A decoded ChallengeResponse. @internal */
export interface ChallengeResponse extends ConnectRequest {
  cookie: Cookie;
  token: Uint8Array;
  /** The bytes the proof covers: everything up to the proof. */
  signed: Uint8Array;
  /** The client's proof that it holds the token's client-to-server key: a tag over `signed`. */
  proof: Uint8Array;
}

const view = (data: Uint8Array): DataView => new DataView(data.buffer, data.byteOffset, data.byteLength);

/** @internal */
export function writeConnectRequest(
  protocolId: number,
  protocolVersion: number,
  nonce: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  const v = view(out);
  out[0] = prefixByte(ConnectionPacketType.ConnectRequest);
  v.setUint32(1, protocolId, true);
  v.setUint16(5, protocolVersion, true);
  out.set(nonce, 7);
  return out;
}

/** @internal */
export function readConnectRequest(data: Uint8Array): ConnectRequest | undefined {
  if (data.length !== HANDSHAKE_PACKET_SIZE || data[0] !== prefixByte(ConnectionPacketType.ConnectRequest))
    return undefined;
  const v = view(data);
  return {
    protocolId: v.getUint32(1, true),
    protocolVersion: v.getUint16(5, true),
    nonce: data.subarray(7, 7 + NONCE_BYTES),
  };
}

/** @internal */
export function writeChallenge(nonce: Uint8Array, cookie: Cookie): Uint8Array {
  const out = new Uint8Array(CHALLENGE_SIZE);
  out[0] = prefixByte(ConnectionPacketType.Challenge);
  out.set(nonce, 1);
  view(out).setFloat64(1 + NONCE_BYTES, cookie.issuedAt, true);
  out.set(cookie.mac, 1 + NONCE_BYTES + 8);
  return out;
}

/** @internal */
export function readChallenge(data: Uint8Array): { nonce: Uint8Array; cookie: Cookie } | undefined {
  if (data.length !== CHALLENGE_SIZE || data[0] !== prefixByte(ConnectionPacketType.Challenge))
    return undefined;
  const issuedAt = view(data).getFloat64(1 + NONCE_BYTES, true);
  if (!Number.isFinite(issuedAt)) return undefined;
  return {
    nonce: data.subarray(1, 1 + NONCE_BYTES),
    cookie: { issuedAt, mac: data.subarray(1 + NONCE_BYTES + 8, CHALLENGE_SIZE) },
  };
}

/**
 * A ChallengeResponse; `prove(signed)` returns the 16-byte proof tag over the bytes before it.
 * @internal
 */
export function writeChallengeResponse(
  protocolId: number,
  protocolVersion: number,
  nonce: Uint8Array,
  cookie: Cookie,
  token: Uint8Array,
  prove: (signed: Uint8Array) => Uint8Array,
): Uint8Array {
  const out = new Uint8Array(challengeResponseSize(token.length));
  const v = view(out);
  out[0] = prefixByte(ConnectionPacketType.ChallengeResponse);
  v.setUint32(1, protocolId, true);
  v.setUint16(5, protocolVersion, true);
  out.set(nonce, 7);
  v.setFloat64(7 + NONCE_BYTES, cookie.issuedAt, true);
  out.set(cookie.mac, 7 + NONCE_BYTES + 8);
  v.setUint16(RESPONSE_TOKEN_OFFSET, token.length, true);
  out.set(token, RESPONSE_TOKEN_START);
  const signedEnd = RESPONSE_TOKEN_START + token.length;
  out.set(prove(out.subarray(0, signedEnd)), signedEnd);
  return out;
}

/** @internal */
export function readChallengeResponse(data: Uint8Array): ChallengeResponse | undefined {
  if (data.length < HANDSHAKE_PACKET_SIZE || data[0] !== prefixByte(ConnectionPacketType.ChallengeResponse))
    return undefined;
  const v = view(data);
  const issuedAt = v.getFloat64(7 + NONCE_BYTES, true);
  const tokenLength = v.getUint16(RESPONSE_TOKEN_OFFSET, true);
  if (
    !Number.isFinite(issuedAt) ||
    tokenLength > MAX_CONNECT_TOKEN_BYTES ||
    data.length !== challengeResponseSize(tokenLength)
  )
    return undefined;
  const signedEnd = RESPONSE_TOKEN_START + tokenLength;
  return {
    protocolId: v.getUint32(1, true),
    protocolVersion: v.getUint16(5, true),
    nonce: data.subarray(7, 7 + NONCE_BYTES),
    cookie: { issuedAt, mac: data.subarray(7 + NONCE_BYTES + 8, 7 + NONCE_BYTES + COOKIE_BYTES) },
    token: data.subarray(RESPONSE_TOKEN_START, signedEnd),
    signed: data.subarray(0, signedEnd),
    proof: data.subarray(signedEnd, signedEnd + TAG_BYTES),
  };
}

/**
 * An Accepted packet; `seal(ad, plain)` seals the client id (u32 LE) with the prefix and nonce as
 * associated data.
 * @internal
 */
export function writeAccepted(
  nonce: Uint8Array,
  clientId: number,
  seal: (ad: Uint8Array, plain: Uint8Array) => Uint8Array,
): Uint8Array {
  const out = new Uint8Array(ACCEPTED_SIZE);
  out[0] = prefixByte(ConnectionPacketType.Accepted);
  out.set(nonce, 1);
  const id = new Uint8Array(4);
  view(id).setUint32(0, clientId, true);
  out.set(seal(out.subarray(0, 1 + NONCE_BYTES), id), 1 + NONCE_BYTES);
  return out;
}

/** An Accepted packet's parts; the client id is still sealed. @internal */
export function readAccepted(
  data: Uint8Array,
): { nonce: Uint8Array; ad: Uint8Array; sealed: Uint8Array } | undefined {
  if (data.length !== ACCEPTED_SIZE || data[0] !== prefixByte(ConnectionPacketType.Accepted))
    return undefined;
  return {
    nonce: data.subarray(1, 1 + NONCE_BYTES),
    ad: data.subarray(0, 1 + NONCE_BYTES),
    sealed: data.subarray(1 + NONCE_BYTES),
  };
}

/** The client id in an opened Accepted. @internal */
export function readClientId(plain: Uint8Array): number {
  return view(plain).getUint32(0, true);
}

/** @internal */
export function writeDenied(nonce: Uint8Array, reason: DenyReasonValue): Uint8Array {
  const out = new Uint8Array(DENIED_SIZE);
  out[0] = prefixByte(ConnectionPacketType.Denied);
  out.set(nonce, 1);
  out[1 + NONCE_BYTES] = reason;
  return out;
}

/** @internal */
export function readDenied(data: Uint8Array): { nonce: Uint8Array; reason: DenyReasonValue } | undefined {
  if (data.length !== DENIED_SIZE || data[0] !== prefixByte(ConnectionPacketType.Denied)) return undefined;
  const reason = data[1 + NONCE_BYTES]!;
  if (reason < DenyReason.ServerFull || reason > DenyReason.TokenInUse) return undefined;
  return { nonce: data.subarray(1, 1 + NONCE_BYTES), reason: reason as DenyReasonValue };
}

/** Constant-time equality of two nonces. @internal */
export function sameNonce(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
