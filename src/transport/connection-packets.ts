/**
 * The connection layer's wire format (docs/connection.md): a prefix byte (wire version in the high
 * nibble, packet type in the low nibble) and a fixed layout per type, all integers little-endian (as in the channel's `docs/protocol.md`).
 * Every `read*` function takes untrusted bytes and returns `undefined` for anything malformed; none
 * of them throws or allocates more than the packet's own size.
 *
 * @internal
 */

/** Version of the connection-layer framing (high nibble of every prefix byte). @internal */
export const CONNECTION_WIRE_VERSION = 1;

/** Connection-layer packet types (low nibble of the prefix byte). @internal */
export const ConnectionPacketType = {
  /** Client to server: opens a handshake. Padded to {@link HANDSHAKE_PACKET_SIZE}. */
  ConnectRequest: 0,
  /** Server to client: a stateless cookie for the client to echo. */
  Challenge: 1,
  /** Client to server: the echoed cookie plus the connect token. Padded to {@link HANDSHAKE_PACKET_SIZE}. */
  ChallengeResponse: 2,
  /** Server to client: the connection exists; carries the client id. */
  Accepted: 3,
  /** Server to client: the handshake was refused; carries a reason code. */
  Denied: 4,
  /** Either way: one `ReliableUdpChannel` packet follows the prefix byte. */
  Payload: 5,
  /** Either way: nothing else; keeps an idle connection alive. */
  KeepAlive: 6,
  /** Either way: the sender closes the connection; carries the client nonce. */
  Disconnect: 7,
} as const;

/** A connection-layer packet type value. @internal */
export type ConnectionPacketTypeValue = (typeof ConnectionPacketType)[keyof typeof ConnectionPacketType];

/** Why a server denied a handshake (the reason byte of a Denied packet). */
export const DenyReason = {
  /** The server has `maxClients` connections. */
  ServerFull: 1,
  /** `validateToken` rejected the connect token (or threw). */
  TokenRejected: 2,
  /** The client speaks another protocol version. */
  VersionMismatch: 3,
} as const;

/** A deny reason code. */
export type DenyReasonValue = (typeof DenyReason)[keyof typeof DenyReason];

/** Size of both client handshake packets, padding included: always at least the server's reply. @internal */
export const HANDSHAKE_PACKET_SIZE = 300;
/** Largest connect token, in bytes. */
export const MAX_CONNECT_TOKEN_BYTES = 256;
/** Bytes of the client nonce. @internal */
export const NONCE_BYTES = 8;
/** Bytes of the cookie MAC (HMAC-SHA256, truncated). @internal */
export const COOKIE_MAC_BYTES = 16;
/** Bytes of a cookie: issue time (float64 ms) and MAC. @internal */
export const COOKIE_BYTES = 8 + COOKIE_MAC_BYTES;
/** Sizes of the server's packets. @internal */
export const CHALLENGE_SIZE = 1 + NONCE_BYTES + COOKIE_BYTES;
/** @internal */
export const ACCEPTED_SIZE = 1 + NONCE_BYTES + 4;
/** @internal */
export const DENIED_SIZE = 1 + NONCE_BYTES + 1;
/** @internal */
export const DISCONNECT_SIZE = 1 + NONCE_BYTES;
/** Connection-layer bytes in front of every channel packet. */
export const PAYLOAD_HEADER_BYTES = 1;

/** Offset of the token length in a ChallengeResponse. @internal */
const RESPONSE_TOKEN_OFFSET = 1 + 4 + 2 + NONCE_BYTES + COOKIE_BYTES;

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

/** @internal */
export function writeChallengeResponse(
  protocolId: number,
  protocolVersion: number,
  nonce: Uint8Array,
  cookie: Cookie,
  token: Uint8Array,
): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_PACKET_SIZE);
  const v = view(out);
  out[0] = prefixByte(ConnectionPacketType.ChallengeResponse);
  v.setUint32(1, protocolId, true);
  v.setUint16(5, protocolVersion, true);
  out.set(nonce, 7);
  v.setFloat64(7 + NONCE_BYTES, cookie.issuedAt, true);
  out.set(cookie.mac, 7 + NONCE_BYTES + 8);
  v.setUint16(RESPONSE_TOKEN_OFFSET, token.length, true);
  out.set(token, RESPONSE_TOKEN_OFFSET + 2);
  return out;
}

/** @internal */
export function readChallengeResponse(data: Uint8Array): ChallengeResponse | undefined {
  if (data.length !== HANDSHAKE_PACKET_SIZE || data[0] !== prefixByte(ConnectionPacketType.ChallengeResponse))
    return undefined;
  const v = view(data);
  const issuedAt = v.getFloat64(7 + NONCE_BYTES, true);
  const tokenLength = v.getUint16(RESPONSE_TOKEN_OFFSET, true);
  if (!Number.isFinite(issuedAt) || tokenLength > MAX_CONNECT_TOKEN_BYTES) return undefined;
  const tokenStart = RESPONSE_TOKEN_OFFSET + 2;
  return {
    protocolId: v.getUint32(1, true),
    protocolVersion: v.getUint16(5, true),
    nonce: data.subarray(7, 7 + NONCE_BYTES),
    cookie: { issuedAt, mac: data.subarray(7 + NONCE_BYTES + 8, 7 + NONCE_BYTES + COOKIE_BYTES) },
    token: data.subarray(tokenStart, tokenStart + tokenLength),
  };
}

/** @internal */
export function writeAccepted(nonce: Uint8Array, clientId: number): Uint8Array {
  const out = new Uint8Array(ACCEPTED_SIZE);
  out[0] = prefixByte(ConnectionPacketType.Accepted);
  out.set(nonce, 1);
  view(out).setUint32(1 + NONCE_BYTES, clientId, true);
  return out;
}

/** @internal */
export function readAccepted(data: Uint8Array): { nonce: Uint8Array; clientId: number } | undefined {
  if (data.length !== ACCEPTED_SIZE || data[0] !== prefixByte(ConnectionPacketType.Accepted))
    return undefined;
  return { nonce: data.subarray(1, 1 + NONCE_BYTES), clientId: view(data).getUint32(1 + NONCE_BYTES, true) };
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
  if (reason < DenyReason.ServerFull || reason > DenyReason.VersionMismatch) return undefined;
  return { nonce: data.subarray(1, 1 + NONCE_BYTES), reason: reason as DenyReasonValue };
}

/** @internal */
export function writeDisconnect(nonce: Uint8Array): Uint8Array {
  const out = new Uint8Array(DISCONNECT_SIZE);
  out[0] = prefixByte(ConnectionPacketType.Disconnect);
  out.set(nonce, 1);
  return out;
}

/** @internal */
export function readDisconnect(data: Uint8Array): { nonce: Uint8Array } | undefined {
  if (data.length !== DISCONNECT_SIZE || data[0] !== prefixByte(ConnectionPacketType.Disconnect))
    return undefined;
  return { nonce: data.subarray(1, 1 + NONCE_BYTES) };
}

/** @internal */
export function writeKeepAlive(): Uint8Array {
  return Uint8Array.of(prefixByte(ConnectionPacketType.KeepAlive));
}

/** A KeepAlive is exactly the prefix byte. @internal */
export function isKeepAlive(data: Uint8Array): boolean {
  return data.length === 1 && data[0] === prefixByte(ConnectionPacketType.KeepAlive);
}

/** Wraps a channel packet in a Payload packet (one copy). @internal */
export function writePayload(channelPacket: Uint8Array): Uint8Array {
  const out = new Uint8Array(channelPacket.length + PAYLOAD_HEADER_BYTES);
  out[0] = prefixByte(ConnectionPacketType.Payload);
  out.set(channelPacket, PAYLOAD_HEADER_BYTES);
  return out;
}

/** The channel packet inside a Payload packet (a view), or `undefined` if there is none. @internal */
export function readPayload(data: Uint8Array): Uint8Array | undefined {
  if (data.length <= PAYLOAD_HEADER_BYTES || data[0] !== prefixByte(ConnectionPacketType.Payload))
    return undefined;
  return data.subarray(PAYLOAD_HEADER_BYTES);
}

/** Constant-time equality of two nonces. @internal */
export function sameNonce(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
