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
  'id' | 'peer' | 'nonce' | 'userData' | 'transmit' | 'onClosed'
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

  constructor(options: ConnectionFactoryOptions, clock: Clock, transport: DatagramTransport) {
    const { maxDatagramSize } = transport;
    const channel = check.channel(options.channel, maxDatagramSize);
    this.shared = {
      clock,
      maxDatagramSize,
      keepAliveIntervalMs: check.positive('keepAliveIntervalMs', options.keepAliveIntervalMs, 250),
      timeoutMs: check.positive('timeoutMs', options.timeoutMs, 10_000),
      // A transport that hands over fresh buffers lets the channel keep views instead of copies.
      channel: { adoptReceivedPackets: transport.freshDatagrams === true, ...channel },
      channelObserver: options.channelObserver,
    };
  }

  /** A new connection to one peer. */
  create(peer: ConnectionPeerInit): Connection {
    return new Connection({ ...this.shared, ...peer });
  }
}
