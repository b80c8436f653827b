export type { ChannelCounters, MessageKind } from './channel-counters.js';
export type { ChannelObserver } from './channel-observer.js';
export type { ReliableUdpChannelOptions } from './channel-options.js';
export { MessageTooLargeError, SendQueueFullError } from './errors.js';
export { MAX_HEADER_BYTES, PacketType, WIRE_VERSION } from './packet-header.js';
export { ReliableUdpChannel, type ReliableUdpChannelEvents } from './reliable-udp-channel.js';
