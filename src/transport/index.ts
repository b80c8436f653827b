export {
  addressKey,
  type DatagramHandler,
  type DatagramTransport,
  type PeerAddress,
} from './datagram-transport.js';
export { PacketTooLargeError } from './errors.js';
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
