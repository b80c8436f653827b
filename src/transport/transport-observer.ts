/**
 * Why the transport or connection layer dropped an incoming datagram. A small, fixed set:
 * `unauthenticated` covers failed tags and packets from strangers; `replayed` is a sealed packet
 * whose number was already received or is older than the replay window.
 */
export type DropReason =
  | 'oversized'
  | 'malformed'
  | 'rate_limited'
  | 'blocked'
  | 'unauthenticated'
  | 'replayed';

/**
 * What the transport and connection layers report. Every member is optional and called
 * synchronously; the metrics module provides an implementation, this module never imports it.
 */
export interface TransportObserver {
  /** A datagram of `bytes` bytes went out on the socket. */
  datagramSent?(bytes: number): void;
  /** A datagram of `bytes` bytes came in on the socket. */
  datagramReceived?(bytes: number): void;
  /** An incoming datagram was dropped, and why. */
  datagramDropped?(reason: DropReason): void;
  /** The number of connected (handshake complete) clients changed. */
  connectedClients?(count: number): void;
}
