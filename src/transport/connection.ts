import { EventEmitter } from 'node:events';
import { type Clock, InvalidStateError } from '../core/index.js';
import type { MessageKind } from '../reliability/channel-counters.js';
import type { ChannelObserver } from '../reliability/channel-observer.js';
import type { ReliableUdpChannelOptions } from '../reliability/channel-options.js';
import { ReliableUdpChannel } from '../reliability/reliable-udp-channel.js';
import type { VerifiedConnectToken } from './connect-token/index.js';
import {
  ConnectionPacketType,
  DISCONNECT_SIZE,
  KEEP_ALIVE_SIZE,
  PAYLOAD_OVERHEAD_BYTES,
  prefixByte,
} from './connection-packets.js';
import { type OpenRefusal, PacketSeal, type SessionKeys } from './connection-seal.js';
import type { PeerAddress } from './datagram-transport.js';

/**
 * Why a connection ended.
 * - `local`: this side called `disconnect()` (or closed its server/client).
 * - `remote`: the peer sent a Disconnect packet.
 * - `timeout`: no valid packet from the peer for `timeoutMs`.
 * - `channel_timeout`: a reliable message hit the channel's retry limit.
 * - `replaced`: (server) the client completed a new handshake from the same address, e.g. after a restart.
 */
export type DisconnectReason = 'local' | 'remote' | 'timeout' | 'channel_timeout' | 'replaced';

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

/**
 * Times that drive a connection; shared by server and client options. The timeout comes from the
 * connect token (`timeoutMs`, set by its issuer), as in netcode.io.
 */
export interface ConnectionTimings {
  /** Send a KeepAlive when nothing was sent for this long (default 250 ms). */
  keepAliveIntervalMs?: number;
}

/** What a connection needs from its owner. @internal */
export interface ConnectionInit {
  id: number;
  peer: PeerAddress;
  nonce: Uint8Array;
  /** The verified connect token (server side only). */
  token: VerifiedConnectToken | undefined;
  /** This side's session keys. */
  keys: SessionKeys;
  protocolId: number;
  clock: Clock;
  maxDatagramSize: number;
  /** Datagrams are fresh buffers this side may overwrite: open sealed packets in place. */
  openInPlace: boolean;
  keepAliveIntervalMs: number;
  /** Disconnect with `timeout` when no authenticated packet arrived for this long (the token's). */
  timeoutMs: number;
  channel: ConnectionChannelOptions | undefined;
  channelObserver: ChannelObserver | undefined;
  /** Puts one datagram on the wire to the peer. */
  transmit(data: Uint8Array): void;
  /** Called once when the connection ends, before its `disconnect` event. */
  onClosed(connection: Connection, reason: DisconnectReason): void;
}

const PAYLOAD_PREFIX = prefixByte(ConnectionPacketType.Payload);
const KEEP_ALIVE_PREFIX = prefixByte(ConnectionPacketType.KeepAlive);
const DISCONNECT_PREFIX = prefixByte(ConnectionPacketType.Disconnect);
const NOTHING = new Uint8Array(0);

/** Disconnect packets are sent this many times, since any one of them may be lost. */
const DISCONNECT_REDUNDANCY = 3;

/**
 * One established connection to a peer: a {@link ReliableUdpChannel} plus keep-alive, timeout and
 * disconnect, every packet sealed with the connection's own keys (ChaCha20-Poly1305) and checked
 * against a replay window, so nothing but the peer holding the token's keys reaches the channel. Servers create one per client (`ConnectionServer` `connect` event); a client has one
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
  /**
   * The verified connect token this client connected with (server side; `undefined` on the
   * client): seat players by `token.playerId`, never by anything the client sends later.
   */
  readonly token: VerifiedConnectToken | undefined;
  /** The reliability channel (read its `counters`, `rttMs` and `packetLoss` for stats). */
  readonly channel: ReliableUdpChannel;

  /** @internal */
  readonly nonce: Uint8Array;
  private readonly init: ConnectionInit;
  private readonly seal: PacketSeal;
  /** A KeepAlive's plaintext: the client id (u32 LE). */
  private readonly keepAlivePlain = new Uint8Array(4);
  private lastReceivedAt: number;
  private lastSentAt: number;
  private closedReason: DisconnectReason | undefined;

  /** @internal */
  constructor(init: ConnectionInit) {
    super();
    this.init = init;
    this.id = init.id;
    this.peer = init.peer;
    this.token = init.token;
    this.nonce = init.nonce;
    this.seal = new PacketSeal(init.keys, init.protocolId, init.maxDatagramSize, init.openInPlace);
    new DataView(this.keepAlivePlain.buffer).setUint32(0, init.id, true);
    const now = init.clock.now();
    this.lastReceivedAt = now;
    this.lastSentAt = now;
    this.channel = new ReliableUdpChannel({
      ...init.channel,
      // Sealed into a packet of its own (the channel's packet is the plaintext).
      send: (packet) => this.transmit(PAYLOAD_PREFIX, packet),
      clock: init.clock,
      maxPacketSize: init.maxDatagramSize - PAYLOAD_OVERHEAD_BYTES,
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
   * Opens a sealed Payload, KeepAlive or Disconnect from the peer's address and acts on it.
   * Returns why it was refused, if it was: `malformed` (wrong size for its type, or a KeepAlive
   * naming another client), `replayed` (a packet number already seen or older than the replay
   * window) or `unauthenticated` (the tag does not verify). Nothing refused reaches the channel or
   * postpones the timeout. A Payload the channel then finds stale or duplicate does not postpone it
   * either. @internal
   */
  receive(data: Uint8Array): OpenRefusal | undefined {
    if (this.closedReason !== undefined) return undefined;
    const prefix = data[0];
    const size = data.length;
    if (
      prefix === PAYLOAD_PREFIX
        ? size <= PAYLOAD_OVERHEAD_BYTES
        : prefix === KEEP_ALIVE_PREFIX
          ? size !== KEEP_ALIVE_SIZE
          : prefix !== DISCONNECT_PREFIX || size !== DISCONNECT_SIZE
    )
      return 'malformed';
    const plain = this.seal.open(data);
    if (typeof plain === 'string') return plain;
    const now = this.init.clock.now();
    if (prefix === PAYLOAD_PREFIX) {
      const accepted = this.channel.counters.packetsReceived;
      this.channel.receive(plain);
      if (this.channel.counters.packetsReceived !== accepted) this.lastReceivedAt = now;
    } else if (prefix === KEEP_ALIVE_PREFIX) {
      // Bound to this connection twice over: its keys, and the client id it carries (netcode.io).
      const id = (plain[0]! | (plain[1]! << 8) | (plain[2]! << 16) | (plain[3]! << 24)) >>> 0;
      if (id !== this.id) return 'malformed';
      this.lastReceivedAt = now;
    } else this.close('remote', false);
    return undefined;
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
      this.transmit(KEEP_ALIVE_PREFIX, this.keepAlivePlain);
  }

  /** Ends the connection once. @internal */
  close(reason: DisconnectReason, notifyPeer: boolean): void {
    if (this.closedReason !== undefined) return;
    // Each copy is sealed with its own packet number, so the peer's replay window lets all through.
    if (notifyPeer) for (let i = 0; i < DISCONNECT_REDUNDANCY; i++) this.transmit(DISCONNECT_PREFIX, NOTHING);
    this.closedReason = reason;
    this.channel.removeAllListeners();
    this.init.onClosed(this, reason);
    this.emit('disconnect', reason);
  }

  private transmit(prefix: number, plain: Uint8Array): void {
    this.lastSentAt = this.init.clock.now();
    this.init.transmit(this.seal.seal(prefix, plain));
  }
}
