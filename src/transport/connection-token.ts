/**
 * What the connection layer needs from connect tokens (`connect-token/`): the server checks the
 * handshake token a client sends with a verifier, and the per-connection packet keys come from the
 * verified token; the client takes the same keys from its public token.
 */

/** Why a verifier refused a handshake token. */
export type ConnectTokenRefusal =
  | 'malformed'
  | 'unknown_key'
  | 'unauthentic'
  | 'expired'
  | 'wrong_server'
  | 'wrong_protocol';

/** What the server learns from a valid handshake token. */
export interface VerifiedConnectToken {
  /** Unique per issued token: the key for "already in use from another address". */
  readonly tokenId: string;
  /** The player the seat belongs to. */
  readonly playerId: string;
  /** The match. */
  readonly matchId: string;
  /** The room on this server. */
  readonly roomId: string;
  /** The address it was issued for. */
  readonly serverAddress: string;
  /** Epoch ms after which the token admits no one. */
  readonly expiresAt: number;
  /** The connection timeout, in ms. */
  readonly timeoutMs: number;
  /** 32-byte key for packets the client sends. */
  readonly clientToServerKey: Uint8Array;
  /** 32-byte key for packets the server sends. */
  readonly serverToClientKey: Uint8Array;
  /** The issuer's opaque user data (possibly empty). */
  readonly userData: Uint8Array;
}

/** The verdict on a handshake token. */
export type ConnectTokenCheck =
  | { readonly ok: true; readonly token: VerifiedConnectToken }
  | { readonly ok: false; readonly reason: ConnectTokenRefusal };

/** Checks handshake tokens: a `ConnectTokenVerifier`, or anything shaped like one. Must not throw. */
export interface HandshakeTokenVerifier {
  verify(handshakeToken: Uint8Array): ConnectTokenCheck;
}

/** The parts of a decoded public connect token (`decodeConnectToken`) a client connects with. */
export interface ClientConnectToken {
  /** The application's protocol id (u32). */
  readonly protocolId: number;
  /** The connection timeout, in ms. */
  readonly timeoutMs: number;
  /** `host:port` of the game server (IPv6 `[host]:port`). */
  readonly serverAddress: string;
  /** 32-byte key for packets the client sends. */
  readonly clientToServerKey: Uint8Array;
  /** 32-byte key for packets the server sends. */
  readonly serverToClientKey: Uint8Array;
  /** The opaque bytes sent in the handshake. */
  readonly handshakeToken: Uint8Array;
}
