import type { Clock } from '../core/index.js';
import type { ChannelObserver } from '../reliability/channel-observer.js';
import {
  Connection,
  type ConnectionChannelOptions,
  type ConnectionInit,
  type ConnectionTimings,
} from './connection.js';
import { check } from './connection-options.js';
import type { DatagramTransport } from './datagram-transport.js';

/** What differs between the connections of one owner. @internal */
export type ConnectionPeerInit = Pick<
  ConnectionInit,
  'id' | 'peer' | 'nonce' | 'token' | 'keys' | 'timeoutMs' | 'transmit' | 'onClosed'
>;

/** The options a server or client passes on to each of its connections. @internal */
export interface ConnectionFactoryOptions extends ConnectionTimings {
  /** Limits of every connection's channel. */
  channel?: ConnectionChannelOptions;
  /** Receives every connection's channel stats. */
  channelObserver?: ChannelObserver;
}

/**
 * Builds the connections of a `ConnectionServer` or `ConnectionClient` from the settings they
 * share, validated once by the owner's constructor (throws `InvalidOptionError`).
 * @internal
 */
export class ConnectionFactory {
  private readonly shared: Omit<ConnectionInit, keyof ConnectionPeerInit>;

  constructor(
    options: ConnectionFactoryOptions,
    clock: Clock,
    transport: DatagramTransport,
    protocolId: number,
  ) {
    const { maxDatagramSize } = transport;
    const channel = check.channel(options.channel, maxDatagramSize);
    const fresh = transport.freshDatagrams === true;
    this.shared = {
      clock,
      maxDatagramSize,
      protocolId,
      // A transport that hands over fresh buffers lets packets be opened in place and the channel
      // keep views of them instead of copies.
      openInPlace: fresh,
      keepAliveIntervalMs: check.positive('keepAliveIntervalMs', options.keepAliveIntervalMs, 250),
      // Not otherwise: a packet opened into the connection's scratch buffer is overwritten by the next.
      channel: { ...channel, adoptReceivedPackets: fresh && channel?.adoptReceivedPackets !== false },
      channelObserver: options.channelObserver,
    };
  }

  /** A new connection to one peer. */
  create(peer: ConnectionPeerInit): Connection {
    return new Connection({ ...this.shared, ...peer });
  }
}
