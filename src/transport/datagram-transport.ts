/** Where a datagram came from or goes to. */
export interface PeerAddress {
  /** IPv4 or IPv6 address (or a simulated name in a `MemoryNetwork`). */
  readonly address: string;
  /** UDP port. */
  readonly port: number;
}

/** Receives one datagram and the address it came from. */
export type DatagramHandler = (data: Uint8Array, from: PeerAddress) => void;

/**
 * The one seam between the connection layer and the wire. `UdpTransport` (real sockets) and the
 * endpoints of a `MemoryNetwork` (deterministic simulation) both implement it, so everything above
 * runs unchanged on either.
 */
export interface DatagramTransport {
  /** Largest datagram, in bytes, this transport sends or accepts. */
  readonly maxDatagramSize: number;
  /** The local address this transport is bound to. */
  readonly localAddress: PeerAddress;
  /**
   * True when every datagram handed to the handler is a new buffer that nobody else reads or
   * writes (`UdpTransport`). The connection layer then lets its channels deliver views of
   * received packets instead of copies (`adoptReceivedPackets`). Absent means false.
   */
  readonly freshDatagrams?: boolean;
  /**
   * Sends one datagram; fire-and-forget (UDP gives no delivery guarantee). Throws a
   * `NetcodeError` (`ERR_PACKET_TOO_LARGE`) when `data` exceeds {@link DatagramTransport.maxDatagramSize}.
   * Must not write to `data`: callers may send the same bytes again (the connection layer reuses
   * its keep-alive packet).
   */
  send(data: Uint8Array, to: PeerAddress): void;
  /** Sets the handler that receives every accepted datagram (one handler; a new one replaces it). */
  onDatagram(handler: DatagramHandler): void;
  /** Stops receiving and releases the socket. Idempotent. */
  close(): Promise<void>;
}

/** A stable string key for an address, for use in maps: `host:port`, IPv6 as `[host]:port`. */
export function addressKey(peer: PeerAddress): string {
  return peer.address.includes(':') ? `[${peer.address}]:${peer.port}` : `${peer.address}:${peer.port}`;
}
