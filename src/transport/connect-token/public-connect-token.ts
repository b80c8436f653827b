import { InvalidConnectTokenError } from './errors.js';
import { readPublicPart } from './token-format.js';

/** The client's view of a connect token: where to connect, its keys and the handshake token. */
export interface PublicConnectToken {
  /** The application's protocol id (u32). */
  readonly protocolId: number;
  /** When the token was issued, epoch ms on the issuer's clock. */
  readonly createdAt: number;
  /** When game servers stop accepting it, epoch ms on the issuer's clock. */
  readonly expiresAt: number;
  /** The connection timeout client and server use, in ms. */
  readonly timeoutMs: number;
  /** `host:port` of the game server to dial. */
  readonly serverAddress: string;
  /** 32-byte key for packets the client sends. */
  readonly clientToServerKey: Uint8Array;
  /** 32-byte key for packets the server sends. */
  readonly serverToClientKey: Uint8Array;
  /** The opaque bytes the client sends in its handshake (key id, nonce, expiry and the sealed private part). Always 899 bytes (padded), whatever it carries. */
  readonly handshakeToken: Uint8Array;
}

/**
 * Parses a public connect token (client side). Every field is range-checked and the result holds
 * copies, never views into `bytes`.
 *
 * @param bytes - the token as the issuer made it (decode base64 first).
 * @returns the decoded token.
 * @throws InvalidConnectTokenError on any malformed input (truncated, trailing bytes, unknown
 *   version, a handshake token that disagrees with the clear fields).
 */
export function decodeConnectToken(bytes: Uint8Array): PublicConnectToken {
  if (!(bytes instanceof Uint8Array)) throw new InvalidConnectTokenError('not a Uint8Array');
  const token = readPublicPart(bytes);
  if (typeof token === 'string') throw new InvalidConnectTokenError(token);
  return token;
}
