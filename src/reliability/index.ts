/**
 * {@link ReliableUdpChannel}: reliable, sequenced and unreliable messages over any datagram
 * transport, with acks, retransmission, fragmentation and RTT estimates. Pure logic: it is handed
 * packets and a clock and given a `send` function. Wire format: the Protocol guide.
 *
 * @module @pong/netcode/reliability
 */
export type { ChannelCounters, MessageKind } from './channel-counters.js';
export type { ChannelObserver } from './channel-observer.js';
export type { ReliableUdpChannelOptions } from './channel-options.js';
export { MessageTooLargeError, SendQueueFullError } from './errors.js';
export { MAX_HEADER_BYTES, PacketType, WIRE_VERSION } from './packet-header.js';
export { ReliableUdpChannel, type ReliableUdpChannelEvents } from './reliable-udp-channel.js';
