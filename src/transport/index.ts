/**
 * Datagram transports and the connection layer: the {@link DatagramTransport} seam,
 * {@link UdpTransport} (node:dgram), {@link MemoryNetwork} and {@link LinkConditioner} for tests and
 * simulations, {@link LossyUdpProxy}, and {@link ConnectionServer} / {@link ConnectionClient}, which
 * turn a transport into authenticated connections. Wire format: the Connection guide.
 *
 * @module @pong/netcode/transport
 */
export {
  CONNECT_TOKEN_KEY_BYTES,
  CONNECT_TOKEN_REFUSALS,
  type ConnectTokenCheck,
  type ConnectTokenGrant,
  ConnectTokenIssuer,
  type ConnectTokenIssuerOptions,
  type ConnectTokenKey,
  type ConnectTokenRefusal,
  ConnectTokenVerifier,
  type ConnectTokenVerifierOptions,
  decodeConnectToken,
  HANDSHAKE_TOKEN_BYTES,
  InvalidConnectTokenError,
  type PublicConnectToken,
  type VerifiedConnectToken,
} from './connect-token/index.js';
export {
  Connection,
  type ConnectionChannelOptions,
  type ConnectionEvents,
  type ConnectionTimings,
  type DisconnectReason,
} from './connection.js';
export {
  type ClientDisconnectReason,
  ConnectionClient,
  type ConnectionClientCounters,
  type ConnectionClientEvents,
  type ConnectionClientOptions,
  type ConnectionClientState,
} from './connection-client.js';
export type { RateLimit } from './connection-options.js';
export {
  DenyReason,
  type DenyReasonValue,
  MAX_CONNECT_TOKEN_BYTES,
  PAYLOAD_OVERHEAD_BYTES,
} from './connection-packets.js';
export {
  ConnectionServer,
  type ConnectionServerCounters,
  type ConnectionServerEvents,
  type ConnectionServerOptions,
  type HandshakeTokenVerifier,
  type TokenRefusal,
} from './connection-server.js';

export {
  addressKey,
  type DatagramHandler,
  type DatagramTransport,
  type PeerAddress,
} from './datagram-transport.js';
export { ConnectFailedError, PacketTooLargeError } from './errors.js';
export {
  LinkConditioner,
  type LinkConditionerOptions,
  type LinkConditions,
  type LinkCounters,
  type LinkDelivery,
} from './link-conditioner.js';
export {
  LossyUdpProxy,
  type LossyUdpProxyOptions,
  type ProxyConditions,
  type ProxyCounters,
  type ProxyDirectionCounters,
} from './lossy-udp-proxy.js';
export {
  type MemoryEndpointOptions,
  MemoryNetwork,
  type MemoryNetworkCounters,
  type MemoryNetworkOptions,
} from './memory-network.js';
export type { DropReason, TransportObserver } from './transport-observer.js';
export {
  UdpTransport,
  type UdpTransportCounters,
  type UdpTransportEvents,
  type UdpTransportOptions,
} from './udp-transport.js';
