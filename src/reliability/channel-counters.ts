/** How a message is delivered. */
export type MessageKind = 'reliable' | 'sequenced' | 'unreliable';

/**
 * Everything a {@link ReliableUdpChannel} counts, as plain numbers (reliable.c's
 * `RELIABLE_ENDPOINT_COUNTER_*` style). All start at 0 and only grow.
 */
export interface ChannelCounters {
  /** Packets handed to `send` (data and ack-only). */
  packetsSent: number;
  /** Bytes handed to `send`. */
  bytesSent: number;
  /** Header bytes among `bytesSent` (packet headers only, not message framing). */
  headerBytesSent: number;
  /** Ack-only packets among `packetsSent`. */
  ackPacketsSent: number;
  /** Valid packets accepted (data and ack-only). */
  packetsReceived: number;
  /** Bytes of the packets in `packetsReceived`. */
  bytesReceived: number;
  /** Sent data packets acknowledged by the peer. */
  packetsAcked: number;
  /** Sent data packets that fell out of the 32-packet ack window (or the sent buffer) unacknowledged. */
  packetsLost: number;
  /**
   * Packets first counted in `packetsLost` and acknowledged afterwards by a late ack (the peer
   * acks stretches of sequences that arrived too late for its newest ack's 32-bit window).
   */
  packetsAckedLate: number;
  /** Reliable messages or fragments sent again after their retransmission timeout. */
  retries: number;
  /** Times the give-up limit was hit (0 or 1: the channel stops after it). */
  timeouts: number;
  /** Data packets dropped because they were already received. */
  duplicatePacketsDropped: number;
  /** Reliable messages or fragments dropped because they were already received. */
  duplicateMessagesDropped: number;
  /** Packets dropped because they were older than the receive window. */
  stalePacketsDropped: number;
  /** Sequenced messages dropped because a newer one had been delivered. */
  staleMessagesDropped: number;
  /** Packets dropped because their bytes were not valid (never thrown). */
  malformedPacketsDropped: number;
  /**
   * Packets left unacknowledged (so resent) because some of their reliable data did not fit the
   * receive window or buffer; what fitted was kept.
   */
  receiveBufferOverflows: number;
  /** Fragments sent (first transmissions and retries). */
  fragmentsSent: number;
  /** Fragments accepted. */
  fragmentsReceived: number;
  /** Reliable messages queued by `send`. */
  reliableSent: number;
  /** Sequenced messages queued by `send`. */
  sequencedSent: number;
  /** Unreliable messages queued by `send`. */
  unreliableSent: number;
  /** Reliable messages delivered (in order, once each). */
  reliableReceived: number;
  /** Sequenced messages delivered. */
  sequencedReceived: number;
  /** Unreliable messages delivered. */
  unreliableReceived: number;
  /** `send` calls refused with `MessageTooLargeError`. */
  sendTooLarge: number;
  /** `send` calls refused with `SendQueueFullError`. */
  sendQueueFull: number;
}

/** @internal A zeroed counter record. */
export function createChannelCounters(): ChannelCounters {
  return {
    packetsSent: 0,
    bytesSent: 0,
    headerBytesSent: 0,
    ackPacketsSent: 0,
    packetsReceived: 0,
    bytesReceived: 0,
    packetsAcked: 0,
    packetsLost: 0,
    packetsAckedLate: 0,
    retries: 0,
    timeouts: 0,
    duplicatePacketsDropped: 0,
    duplicateMessagesDropped: 0,
    stalePacketsDropped: 0,
    staleMessagesDropped: 0,
    malformedPacketsDropped: 0,
    receiveBufferOverflows: 0,
    fragmentsSent: 0,
    fragmentsReceived: 0,
    reliableSent: 0,
    sequencedSent: 0,
    unreliableSent: 0,
    reliableReceived: 0,
    sequencedReceived: 0,
    unreliableReceived: 0,
    sendTooLarge: 0,
    sendQueueFull: 0,
  };
}
