export {
  addressKey,
  type DatagramHandler,
  type DatagramTransport,
  type PeerAddress,
} from './datagram-transport.js';
export type { DropReason, TransportObserver } from './transport-observer.js';
