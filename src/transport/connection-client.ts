import { EventEmitter } from 'node:events';
import {
  type Clock,
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  type RandomSource,
  silentLogger,
  systemClock,
  type Timers,
} from '../core/index.js';
import type { ChannelObserver } from '../reliability/channel-observer.js';
import type { PublicConnectToken } from './connect-token/index.js';
import type {
  Connection,
  ConnectionChannelOptions,
  ConnectionTimings,
  DisconnectReason,
} from './connection.js';
import { ConnectionFactory } from './connection-factory.js';
import { check } from './connection-options.js';
import {
  ConnectionPacketType,
  type Cookie,
  challengeResponseSize,
  DenyReason,
  MAX_CONNECT_TOKEN_BYTES,
  NONCE_BYTES,
  readAccepted,
  readChallenge,
  readClientId,
  readDenied,
  readPacketType,
  sameNonce,
  writeChallengeResponse,
  writeConnectRequest,
} from './connection-packets.js';
import {
  deriveSessionKey,
  KEY_BYTES,
  openHandshake,
  type SessionKeys,
  sealHandshake,
} from './connection-seal.js';
import type { DatagramTransport, PeerAddress } from './datagram-transport.js';
import { ConnectFailedError } from './errors.js';
import { RepeatingTimer } from './repeating-timer.js';
import type { DropReason, TransportObserver } from './transport-observer.js';

/**
 * Why a client's connection attempt or connection ended: a {@link DisconnectReason}, or
 * `connect_timeout` (no answer within `connectTimeoutMs`), or a denial by the server.
 */
export type ClientDisconnectReason =
  | DisconnectReason
  | 'connect_timeout'
  | 'denied_server_full'
  | 'denied_token_rejected'
  | 'denied_version_mismatch'
  | 'denied_token_in_use';

/** Where a {@link ConnectionClient} is in its life. */
export type ConnectionClientState = 'idle' | 'requesting' | 'responding' | 'connected' | 'disconnected';

/** Options of {@link ConnectionClient}. */
export interface ConnectionClientOptions extends ConnectionTimings {
  /** The local socket (a `UdpTransport`) or simulated endpoint. The client does not close it. */
  transport: DatagramTransport;
  /**
   * The decoded connect token from the matchmaker (`decodeConnectToken`): its handshake token is
   * sent to the server, its keys seal and open every packet, and its protocol id, server address and
   * timeout are used.
   */
  token: PublicConnectToken;
  /**
   * Where to send (default: the token's `serverAddress`); set it to reach the server through a
   * proxy or another spelling of its address. Packets from any other address are dropped as
   * `unauthenticated`.
   */
  server?: PeerAddress;
  /** Application protocol version (uint16, default 0); must match the server's. */
  protocolVersion?: number;
  /** Time source (default `systemClock`). */
  clock?: Clock;
  /** Timer functions `start()` schedules with (default `systemTimers`); inject to drive it by hand. */
  timers?: Timers;
  /** Source of the handshake nonce. */
  random: RandomSource;
  /** Resend the current handshake packet after this long without an answer (default 100 ms). */
  handshakeRetryMs?: number;
  /** Give up connecting after this long (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** Limits of the connection's channel. */
  channel?: ConnectionChannelOptions;
  /** Receives the channel's stats. */
  channelObserver?: ChannelObserver;
  /** Receives drops. */
  observer?: TransportObserver;
  /** Where failed sends are logged. */
  logger?: Logger;
}

/** Events of a {@link ConnectionClient}. */
export interface ConnectionClientEvents {
  /** The handshake completed. */
  connect: [connection: Connection];
  /** The attempt failed or the connection ended. */
  disconnect: [reason: ClientDisconnectReason];
}

/** Running totals of a {@link ConnectionClient}. */
export interface ConnectionClientCounters {
  /** Datagrams received from the transport. */
  packetsReceived: number;
  /** Datagrams sent. */
  packetsSent: number;
  /** Incoming datagrams dropped, by reason. */
  dropped: Record<DropReason, number>;
  /** Handshake packets sent (first sends and retries). */
  handshakePacketsSent: number;
  /** Well-formed handshake packets with our nonce that arrived late or twice (ignored). */
  handshakesIgnored: number;
  /** Sends that failed in the transport (logged). */
  sendErrors: number;
}

const DENY_REASONS: Record<number, ClientDisconnectReason> = {
  [DenyReason.ServerFull]: 'denied_server_full',
  [DenyReason.TokenRejected]: 'denied_token_rejected',
  [DenyReason.VersionMismatch]: 'denied_version_mismatch',
  [DenyReason.TokenInUse]: 'denied_token_in_use',
};

/**
 * The client end of the connection layer: performs the handshake with a {@link ConnectionServer}
 * (resending as needed), then holds one {@link Connection}. Driven by
 * {@link ConnectionClient.update} or {@link ConnectionClient.start}.
 *
 * @example
 * ```ts
 * const transport = await UdpTransport.bind({ host: '0.0.0.0' });
 * const client = new ConnectionClient({
 *   transport,
 *   token: decodeConnectToken(bytesFromTheMatchmaker),
 *   random: createCryptoRandom(),
 * });
 * client.start(10);
 * const connection = await client.connect(); // rejects with ConnectFailedError
 * connection.send(new TextEncoder().encode('hello'));
 * ```
 */
export class ConnectionClient extends EventEmitter<ConnectionClientEvents> {
  /** Running totals (a live, read-only view). */
  readonly counters: Readonly<ConnectionClientCounters>;

  private readonly transport: DatagramTransport;
  private readonly server: PeerAddress;
  private readonly protocolId: number;
  private readonly protocolVersion: number;
  private readonly token: ConnectToken;
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly logger: Logger;
  private readonly observer: TransportObserver | undefined;
  private readonly handshakeRetryMs: number;
  private readonly connectTimeoutMs: number;
  private readonly connectionFactory: ConnectionFactory;
  private readonly stats: ConnectionClientCounters;
  private current: ConnectionClientState = 'idle';
  private nonce: Uint8Array = new Uint8Array(NONCE_BYTES);
  private handshakePacket: Uint8Array | undefined;
  /** This attempt's session keys (derived from the token's keys, our nonce and the cookie). */
  private keys: SessionKeys | undefined;
  private attemptStartedAt = 0;
  private lastHandshakeSentAt = 0;
  private conn: Connection | undefined;
  private pending: { resolve: (c: Connection) => void; reject: (e: Error) => void } | undefined;
  private readonly ticker: RepeatingTimer;

  /** @param options - transport, server address, protocol id (validated; throws `InvalidOptionError`). */
  constructor(options: ConnectionClientOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'required');
    this.transport = check.transport(options.transport);
    this.token = checkToken(options.token, this.transport.maxDatagramSize);
    const server = options.server ?? parseServerAddress(this.token.serverAddress);
    if (!server || typeof server.address !== 'string' || !Number.isInteger(server.port))
      throw new InvalidOptionError(
        options.server === undefined ? 'token.serverAddress' : 'server',
        'must be a PeerAddress ("host:port" in the token)',
      );
    this.server = Object.freeze({ address: server.address, port: server.port });
    this.protocolId = this.token.protocolId;
    this.protocolVersion = check.int('protocolVersion', options.protocolVersion, 0, 0, 0xffff);
    if (!options.random || typeof options.random.next !== 'function')
      throw new InvalidOptionError('random', 'must be a RandomSource');
    this.random = options.random;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.ticker = new RepeatingTimer(check.timers(options.timers));
    this.observer = options.observer;
    this.handshakeRetryMs = check.positive('handshakeRetryMs', options.handshakeRetryMs, 100);
    this.connectTimeoutMs = check.positive('connectTimeoutMs', options.connectTimeoutMs, 5000);
    this.connectionFactory = new ConnectionFactory(options, this.clock, this.transport, this.protocolId);
    this.stats = {
      packetsReceived: 0,
      packetsSent: 0,
      dropped: { oversized: 0, malformed: 0, rate_limited: 0, blocked: 0, unauthenticated: 0, replayed: 0 },
      handshakePacketsSent: 0,
      handshakesIgnored: 0,
      sendErrors: 0,
    };
    this.counters = this.stats;
    this.transport.onDatagram((data, from) => this.receive(data, from));
  }

  /** Where the client is: `idle`, handshaking (`requesting`, `responding`), `connected`, `disconnected`. */
  get state(): ConnectionClientState {
    return this.current;
  }

  /** The connection while connected, else `undefined`. */
  get connection(): Connection | undefined {
    return this.conn;
  }

  /**
   * Starts the handshake (a fresh one after a disconnect). The returned promise settles as
   * `update()` processes the server's answers.
   *
   * The promise resolves a microtask after the handshake completes. Over `UdpTransport` each
   * datagram is its own event-loop turn, so listeners attached after `await connect()` see every
   * message; when a transport delivers a batch synchronously (a `MemoryNetwork` pump), attach
   * them in the client's synchronous `connect` event instead, which fires before any message.
   *
   * @returns the connection once the server accepts.
   * @throws (rejects) {@link ConnectFailedError} when denied or timed out; `InvalidStateError` when
   *   already connecting or connected.
   */
  connect(): Promise<Connection> {
    if (this.current !== 'idle' && this.current !== 'disconnected')
      return Promise.reject(new InvalidStateError(`ConnectionClient.connect: already ${this.current}`));
    const nonce = new Uint8Array(NONCE_BYTES);
    for (let i = 0; i < NONCE_BYTES; i++) nonce[i] = Math.floor(this.random.next() * 256);
    this.nonce = nonce;
    this.keys = undefined;
    this.current = 'requesting';
    this.attemptStartedAt = this.clock.now();
    this.sendHandshake(writeConnectRequest(this.protocolId, this.protocolVersion, nonce));
    return new Promise<Connection>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }

  /**
   * Advances the handshake (retries, timeout) or the connection (messages, acks, keep-alive,
   * timeout). Call it from your loop, or use {@link ConnectionClient.start}.
   */
  update(): void {
    const now = this.clock.now();
    if (this.current === 'requesting' || this.current === 'responding') {
      if (now - this.attemptStartedAt >= this.connectTimeoutMs) {
        this.fail('connect_timeout');
        return;
      }
      if (now - this.lastHandshakeSentAt >= this.handshakeRetryMs && this.handshakePacket)
        this.sendHandshake(this.handshakePacket);
      return;
    }
    this.conn?.update();
  }

  /**
   * Calls `update()` every `intervalMs` on the injected timers until `stop()` or `close()`.
   * @param intervalMs - milliseconds between updates (default 10).
   */
  start(intervalMs = 10): void {
    check.positive('intervalMs', intervalMs, 10);
    this.ticker.start(intervalMs, () => this.update());
  }

  /** Stops the timer started by `start()`. */
  stop(): void {
    this.ticker.stop();
  }

  /** Disconnects (telling the server) or abandons a handshake, and stops the timer. Idempotent. */
  close(): void {
    this.stop();
    if (this.conn !== undefined) this.conn.disconnect();
    else if (this.current === 'requesting' || this.current === 'responding') this.fail('local');
  }

  private receive(data: Uint8Array, from: PeerAddress): void {
    this.stats.packetsReceived++;
    if (from.port !== this.server.port || from.address !== this.server.address) {
      this.drop('unauthenticated');
      return;
    }
    const connection = this.conn;
    switch (readPacketType(data)) {
      case ConnectionPacketType.Challenge: {
        const challenge = readChallenge(data);
        if (this.checkHandshakePacket(challenge) && this.current === 'requesting') {
          this.current = 'responding';
          this.sendHandshake(this.responsePacket(challenge!.cookie));
        } else if (challenge !== undefined) this.ignoreHandshake(challenge.nonce);
        return;
      }
      case ConnectionPacketType.Accepted: {
        const accepted = readAccepted(data);
        if (!this.checkHandshakePacket(accepted)) {
          if (accepted !== undefined) this.drop('unauthenticated');
          return;
        }
        if (this.current !== 'responding') {
          this.stats.handshakesIgnored++;
          return;
        }
        // Only the server holding the token's key could seal it: this is the server the token names.
        const plain = openHandshake(this.keys!.receive, accepted!.ad, accepted!.sealed);
        if (plain === undefined) this.drop('unauthenticated');
        else this.establish(readClientId(plain));
        return;
      }
      case ConnectionPacketType.Denied: {
        const denied = readDenied(data);
        const handshaking = this.current === 'requesting' || this.current === 'responding';
        if (this.checkHandshakePacket(denied) && handshaking) this.fail(DENY_REASONS[denied!.reason]!);
        else if (denied !== undefined) this.ignoreHandshake(denied.nonce);
        return;
      }
      case ConnectionPacketType.Payload:
      case ConnectionPacketType.KeepAlive:
      case ConnectionPacketType.Disconnect: {
        if (connection === undefined) {
          this.drop('unauthenticated');
          return;
        }
        const refused = connection.receive(data);
        if (refused !== undefined) this.drop(refused);
        return;
      }
      default:
        this.drop('malformed'); // unknown type, other version, or a client-to-server type
    }
  }

  /** Counts a handshake packet that failed to parse or carries another nonce; true if it is ours. */
  private checkHandshakePacket(packet: { nonce: Uint8Array } | undefined): boolean {
    if (packet === undefined) {
      this.drop('malformed');
      return false;
    }
    return sameNonce(packet.nonce, this.nonce);
  }

  /** A well-formed handshake packet that does not fit the current state (late, duplicated, foreign). */
  private ignoreHandshake(nonce: Uint8Array): void {
    if (sameNonce(nonce, this.nonce)) this.stats.handshakesIgnored++;
    else this.drop('unauthenticated');
  }

  private responsePacket(cookie: Cookie): Uint8Array {
    const keys = {
      send: deriveSessionKey(this.token.clientToServerKey, this.nonce, cookie),
      receive: deriveSessionKey(this.token.serverToClientKey, this.nonce, cookie),
    };
    this.keys = keys;
    // The proof: a tag under our key over the packet, which a copy of the handshake token alone cannot make.
    return writeChallengeResponse(
      this.protocolId,
      this.protocolVersion,
      this.nonce,
      cookie,
      this.token.handshakeToken,
      (signed) => sealHandshake(keys.send, signed, new Uint8Array(0)),
    );
  }

  private establish(clientId: number): void {
    const connection = this.connectionFactory.create({
      id: clientId,
      peer: this.server,
      nonce: this.nonce,
      token: undefined,
      keys: this.keys!,
      timeoutMs: this.token.timeoutMs,
      transmit: (data) => this.send(data),
      onClosed: (_c, reason) => {
        this.conn = undefined;
        this.current = 'disconnected';
        this.emit('disconnect', reason);
      },
    });
    this.conn = connection;
    this.current = 'connected';
    this.handshakePacket = undefined;
    this.emit('connect', connection);
    const pending = this.pending;
    this.pending = undefined;
    pending?.resolve(connection);
  }

  private fail(reason: ClientDisconnectReason): void {
    this.current = 'disconnected';
    this.handshakePacket = undefined;
    const pending = this.pending;
    this.pending = undefined;
    this.emit('disconnect', reason);
    pending?.reject(new ConnectFailedError(reason));
  }

  private sendHandshake(packet: Uint8Array): void {
    this.handshakePacket = packet;
    this.lastHandshakeSentAt = this.clock.now();
    this.stats.handshakePacketsSent++;
    this.send(packet);
  }

  private send(data: Uint8Array): void {
    try {
      this.transport.send(data, this.server);
      this.stats.packetsSent++;
    } catch (err) {
      this.stats.sendErrors++;
      this.logger.warn({ err }, 'connection client send failed');
    }
  }

  private drop(reason: DropReason): void {
    this.stats.dropped[reason]++;
    this.observer?.datagramDropped?.(reason);
  }
}

/** The parts of a public connect token a client connects with. */
type ConnectToken = Pick<
  PublicConnectToken,
  'protocolId' | 'timeoutMs' | 'serverAddress' | 'clientToServerKey' | 'serverToClientKey' | 'handshakeToken'
>;

/** Validates the `token` option and keeps a private copy of what the client uses. */
function checkToken(token: PublicConnectToken | undefined, maxDatagramSize: number): ConnectToken {
  if (token === null || typeof token !== 'object')
    throw new InvalidOptionError('token', 'must be a decoded connect token (decodeConnectToken)');
  const key = (name: 'clientToServerKey' | 'serverToClientKey'): Uint8Array => {
    const value = token[name];
    if (!(value instanceof Uint8Array) || value.length !== KEY_BYTES)
      throw new InvalidOptionError(`token.${name}`, `must be a Uint8Array of ${KEY_BYTES} bytes`);
    return value.slice();
  };
  const handshake = token.handshakeToken;
  if (!(handshake instanceof Uint8Array) || handshake.length > MAX_CONNECT_TOKEN_BYTES)
    throw new InvalidOptionError(
      'token.handshakeToken',
      `must be a Uint8Array of at most ${MAX_CONNECT_TOKEN_BYTES} bytes`,
    );
  if (challengeResponseSize(handshake.length) > maxDatagramSize)
    throw new InvalidOptionError(
      'token.handshakeToken',
      `does not fit the transport's maxDatagramSize (${maxDatagramSize})`,
    );
  if (typeof token.serverAddress !== 'string')
    throw new InvalidOptionError('token.serverAddress', 'must be a string "host:port"');
  return Object.freeze({
    protocolId: check.int('token.protocolId', token.protocolId, Number.NaN, 0, 0xffffffff),
    timeoutMs: check.positive('token.timeoutMs', token.timeoutMs, Number.NaN),
    serverAddress: token.serverAddress,
    clientToServerKey: key('clientToServerKey'),
    serverToClientKey: key('serverToClientKey'),
    handshakeToken: handshake.slice(),
  });
}

/** `host:port` or `[host]:port` as a PeerAddress, or `undefined`. */
function parseServerAddress(text: string): PeerAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65535) return undefined;
  return { address: (match[1] ?? match[2])!, port };
}
