import { EventEmitter } from 'node:events';
import { type Clock, InvalidStateError } from '../core/index.js';
import type { MessageKind } from '../reliability/channel-counters.js';
import type { ChannelObserver } from '../reliability/channel-observer.js';
import type { ReliableUdpChannelOptions } from '../reliability/channel-options.js';
import { ReliableUdpChannel } from '../reliability/reliable-udp-channel.js';
import {
  ConnectionPacketType,
  PAYLOAD_HEADER_BYTES,
  prefixByte,
  writeDisconnect,
  writeKeepAlive,
} from './connection-packets.js';
import type { PeerAddress } from './datagram-transport.js';

/**
 * Why a connection ended.
 * - `local`: this side called `disconnect()` (or closed its server/client).
 * - `remote`: the peer sent a Disconnect packet.
 * - `timeout`: no valid packet from the peer for `timeoutMs`.
 * - `channel_timeout`: a reliable message hit the channel's retry limit.
 */
export type DisconnectReason = 'local' | 'remote' | 'timeout' | 'channel_timeout';

/** Events of a {@link Connection}. */
export interface ConnectionEvents {
  /** A message from the peer: reliable ones exactly once and in order. The payload is yours to keep. */
  message: [payload: Uint8Array, kind: MessageKind];
  /** The connection ended; it sends and receives nothing more. Emitted once. */
  disconnect: [reason: DisconnectReason];
}

/** Channel limits a server or client passes to every connection's {@link ReliableUdpChannel}. */
export type ConnectionChannelOptions = Omit<
  ReliableUdpChannelOptions,
  'send' | 'clock' | 'observer' | 'maxPacketSize' | 'headroom'
>;

/** Times that drive a connection; shared by server and client options. */
export interface ConnectionTimings {
  /** Send a KeepAlive when nothing was sent for this long (default 250 ms). */
  keepAliveIntervalMs?: number;
  /** Disconnect with `timeout` when no valid packet arrived for this long (default 10,000 ms). */
  timeoutMs?: number;
}

/** What a connection needs from its owner. @internal */
export interface ConnectionInit {
  id: number;
  peer: PeerAddress;
  nonce: Uint8Array;
  userData: unknown;
  clock: Clock;
  maxDatagramSize: number;
  keepAliveIntervalMs: number;
  timeoutMs: number;
  channel: ConnectionChannelOptions | undefined;
  channelObserver: ChannelObserver | undefined;
  /** Puts one datagram on the wire to the peer. */
  transmit(data: Uint8Array): void;
  /** Called once when the connection ends, before its `disconnect` event. */
  onClosed(connection: Connection, reason: DisconnectReason): void;
}

const PAYLOAD_PREFIX = prefixByte(ConnectionPacketType.Payload);

/** Disconnect packets are sent this many times, since any one of them may be lost. */
const DISCONNECT_REDUNDANCY = 3;

/**
 * One established connection to a peer: a {@link ReliableUdpChannel} plus keep-alive, timeout and
 * disconnect. Servers create one per client (`ConnectionServer` `connect` event); a client has one
 * (`ConnectionClient.connect()`). Both sides drive it from their owner's `update()`.
 *
 * @example
 * ```ts
 * server.on('connect', (connection) => {
 *   connection.on('message', (payload, kind) => connection.send(payload, kind)); // echo
 *   connection.on('disconnect', (reason) => console.log(connection.id, reason));
 * });
 * ```
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  /** Server-assigned client id (unique for the server's lifetime, starting at 1). */
  readonly id: number;
  /** The peer's address. */
  readonly peer: PeerAddress;
  /** What the server's `validateToken` attached to this connection (`undefined` on the client). */
  readonly userData: unknown;
  /** The reliability channel (read its `counters`, `rttMs` and `packetLoss` for stats). */
  readonly channel: ReliableUdpChannel;

  /** @internal */
  readonly nonce: Uint8Array;
  private readonly init: ConnectionInit;
  /** Sent as is every time: nothing writes to a sent datagram (see `DatagramTransport.send`). */
  private readonly keepAlive = writeKeepAlive();
  private lastReceivedAt: number;
  private lastSentAt: number;
  private closedReason: DisconnectReason | undefined;

  /** @internal */
  constructor(init: ConnectionInit) {
    super();
    this.init = init;
    this.id = init.id;
    this.peer = init.peer;
    this.userData = init.userData;
    this.nonce = init.nonce;
    const now = init.clock.now();
    this.lastReceivedAt = now;
    this.lastSentAt = now;
    this.channel = new ReliableUdpChannel({
      ...init.channel,
      // The channel leaves the Payload prefix free at the front of each packet: no copy.
      send: (packet) => {
        packet[0] = PAYLOAD_PREFIX;
        this.transmit(packet);
      },
      clock: init.clock,
      maxPacketSize: init.maxDatagramSize - PAYLOAD_HEADER_BYTES,
      headroom: PAYLOAD_HEADER_BYTES,
      ...(init.channelObserver !== undefined ? { observer: init.channelObserver } : {}),
    });
    this.channel.on('message', (payload, kind) => this.emit('message', payload, kind));
    // Tell the peer: only one direction may have failed, and it would otherwise wait for its own timeout.
    this.channel.on('timeout', () => this.close('channel_timeout', true));
  }

  /** True until the connection ends. */
  get connected(): boolean {
    return this.closedReason === undefined;
  }

  /** Why the connection ended, or `undefined` while connected. */
  get disconnectReason(): DisconnectReason | undefined {
    return this.closedReason;
  }

  /**
   * Queues a message; it goes out on the owner's next `update()`.
   * @throws `InvalidStateError` when disconnected; the channel's typed errors
   *   (`ERR_MESSAGE_TOO_LARGE`, `ERR_SEND_QUEUE_FULL`) on its limits.
   */
  send(payload: Uint8Array, kind: MessageKind = 'reliable'): void {
    if (this.closedReason !== undefined) throw new InvalidStateError(`connection ${this.id} is disconnected`);
    this.channel.send(payload, kind);
  }

  /** Closes the connection: tells the peer (redundantly) and emits `disconnect` with `local`. Idempotent. */
  disconnect(): void {
    this.close('local', true);
  }

  /**
   * Feeds a Payload packet's channel bytes. Only a packet the channel accepts (counted in its
   * `packetsReceived`) proves the peer alive: malformed, stale or duplicate bytes from the peer's
   * address (which anyone can spoof) do not postpone the timeout. @internal
   */
  receivePayload(channelPacket: Uint8Array): void {
    if (this.closedReason !== undefined) return;
    const accepted = this.channel.counters.packetsReceived;
    const now = this.init.clock.now();
    this.channel.receive(channelPacket);
    if (this.channel.counters.packetsReceived !== accepted) this.lastReceivedAt = now;
  }

  /** Notes any other valid packet from the peer (keep-alive). @internal */
  touch(): void {
    this.lastReceivedAt = this.init.clock.now();
  }

  /** Advances the channel, keep-alive and timeout. @internal */
  update(): void {
    if (this.closedReason !== undefined) return;
    const now = this.init.clock.now();
    if (now - this.lastReceivedAt >= this.init.timeoutMs) {
      this.close('timeout', false);
      return;
    }
    this.channel.update();
    if (this.closedReason !== undefined) return;
    if (this.init.clock.now() - this.lastSentAt >= this.init.keepAliveIntervalMs)
      this.transmit(this.keepAlive);
  }

  /** Ends the connection once. @internal */
  close(reason: DisconnectReason, notifyPeer: boolean): void {
    if (this.closedReason !== undefined) return;
    if (notifyPeer) {
      const packet = writeDisconnect(this.nonce);
      for (let i = 0; i < DISCONNECT_REDUNDANCY; i++) this.transmit(packet);
    }
    this.closedReason = reason;
    this.channel.removeAllListeners();
    this.init.onClosed(this, reason);
    this.emit('disconnect', reason);
  }

  private transmit(data: Uint8Array): void {
    this.lastSentAt = this.init.clock.now();
    this.init.transmit(data);
  }
}
