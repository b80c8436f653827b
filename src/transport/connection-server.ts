import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { type BlockList, isIP } from 'node:net';
import {
  type Clock,
  InvalidOptionError,
  type Logger,
  silentLogger,
  systemClock,
  type Timers,
} from '../core/index.js';
import type { ChannelObserver } from '../reliability/channel-observer.js';
import { type AddressState, AddressTable, TokenBucket } from './address-table.js';
import type {
  Connection,
  ConnectionChannelOptions,
  ConnectionTimings,
  DisconnectReason,
} from './connection.js';
import { CookieJar } from './connection-cookie.js';
import { ConnectionFactory } from './connection-factory.js';
import { check, type RateLimit } from './connection-options.js';
import {
  ACCEPTED_SIZE,
  type ChallengeResponse,
  ConnectionPacketType,
  DenyReason,
  type DenyReasonValue,
  isKeepAlive,
  readChallengeResponse,
  readConnectRequest,
  readDisconnect,
  readPacketType,
  readPayload,
  sameNonce,
  writeAccepted,
  writeChallenge,
  writeDenied,
} from './connection-packets.js';
import { addressKey, type DatagramTransport, type PeerAddress } from './datagram-transport.js';
import { RepeatingTimer } from './repeating-timer.js';
import type { DropReason, TransportObserver } from './transport-observer.js';

/** What a token validator may return: accept (optionally attaching data to the connection) or reject. */
export type TokenVerdict =
  | boolean
  | {
      /** Accepts the client and attaches this to its connection (`connection.userData`). */
      userData: unknown;
    };

/**
 * Checks a client's connect token (opaque bytes, at most 256). Called only after the client proved
 * its address with the cookie round trip, so spoofed floods never reach it. May be async (any
 * promise or thenable); at most `maxPendingValidations` run at once. Throwing or rejecting counts as
 * a rejection. `signal` is aborted when the answer is no longer wanted (the check outlived
 * `tokenValidationTimeoutMs`, or the server closed): pass it on to the database or HTTP call.
 */
export type TokenValidator = (
  token: Uint8Array,
  from: PeerAddress,
  signal: AbortSignal,
) => TokenVerdict | PromiseLike<TokenVerdict>;

/** Options of {@link ConnectionServer}. */
export interface ConnectionServerOptions extends ConnectionTimings {
  /** The socket (a `UdpTransport`) or simulated endpoint to serve on. The server does not close it. */
  transport: DatagramTransport;
  /** Application protocol id (uint32); packets carrying another id are malformed. */
  protocolId: number;
  /** Application protocol version (uint16, default 0); clients with another version are denied. */
  protocolVersion?: number;
  /** Time source (default `systemClock`). */
  clock?: Clock;
  /** Timer functions `start()` schedules with (default `systemTimers`); inject to drive it by hand. */
  timers?: Timers;
  /** Cookie MAC key, at least 16 bytes (default: 32 random bytes from `node:crypto`). */
  secret?: Uint8Array;
  /** Connect token check (default: accept every token). */
  validateToken?: TokenValidator;
  /** Most connections at once (default 64); more are denied with `server_full`. */
  maxClients?: number;
  /** How long a challenge cookie stays valid (default 10,000 ms). */
  cookieLifetimeMs?: number;
  /** Per-address packet rate limit (default 1,000 packets/s, burst 200). */
  rateLimit?: RateLimit;
  /** Addresses and subnets whose packets are dropped (checked on every packet; edit it at run time). */
  blockList?: BlockList;
  /** Addresses without a connection tracked at once (default 4,096; least recently used evicted). */
  maxTrackedAddresses?: number;
  /** Token validations running at once (default 256); further handshakes are dropped as `rate_limited`. */
  maxPendingValidations?: number;
  /**
   * How long a `validateToken` call may take (default 5,000 ms, on `clock`, checked by `update()`).
   * Past it the client is denied with `token_rejected`, counted in `denied.tokenTimedOut`, and its
   * slot is freed; a verdict that comes later is ignored.
   */
  tokenValidationTimeoutMs?: number;
  /** Limits of every connection's channel. */
  channel?: ConnectionChannelOptions;
  /** Receives every connection's channel stats. */
  channelObserver?: ChannelObserver;
  /**
   * Receives drops and the connected-client count. Datagram and byte counts come from the
   * transport (pass the same observer to `UdpTransport.bind`), so nothing is counted twice.
   */
  observer?: TransportObserver;
  /** Where unexpected failures (a validator throwing, a send failing) are logged. */
  logger?: Logger;
}

/** Events of a {@link ConnectionServer}. */
export interface ConnectionServerEvents {
  /** A client completed the handshake. */
  connect: [connection: Connection];
  /** A connection ended (also emitted on the connection itself). */
  disconnect: [connection: Connection, reason: DisconnectReason];
}

/** Running totals of a {@link ConnectionServer}. Plain numbers. */
export interface ConnectionServerCounters {
  /** Datagrams received from the transport. */
  packetsReceived: number;
  /** Bytes received from the transport. */
  bytesReceived: number;
  /** Datagrams sent. */
  packetsSent: number;
  /** Bytes sent. */
  bytesSent: number;
  /** Incoming datagrams dropped, by reason. */
  dropped: Record<DropReason, number>;
  /** Challenges sent. */
  challengesSent: number;
  /** Handshakes completed. */
  accepted: number;
  /** Handshakes denied, by reason. */
  denied: {
    /** Denied because `maxClients` connections (or pending validations) were reached. */
    serverFull: number;
    /** Denied because `validateToken` rejected the token (returned false, threw or rejected). */
    tokenRejected: number;
    /** Denied because the client's protocol version differs from the server's. */
    versionMismatch: number;
    /** Denied because `validateToken` gave no verdict within `tokenValidationTimeoutMs` (sent as `token_rejected`). */
    tokenTimedOut: number;
  };
  /** Challenge responses with a forged, expired or foreign cookie (also counted as `unauthenticated`). */
  badCookies: number;
  /** Valid handshake packets ignored (a validation already under way, or the address already connected). */
  handshakesIgnored: number;
  /** Replies not sent because they would exceed the bytes received from an unconnected address. */
  amplificationLimited: number;
  /** Unconnected addresses evicted from the bounded table. */
  readonly addressEvictions: number;
  /** Connections ended, by reason. */
  disconnects: Record<DisconnectReason, number>;
  /** Sends that failed in the transport (logged). */
  sendErrors: number;
  /**
   * Handshakes that failed after the token check because something threw (typically a `connect`
   * listener; logged). A connection already created is disconnected; otherwise the client is
   * denied with `server_full`.
   */
  handshakeErrors: number;
}

/** A `validateToken` call under way. */
interface PendingValidation {
  /** Clock time after which the client is denied. */
  readonly deadline: number;
  /** Settles the handshake once (later calls do nothing). */
  readonly settle: (verdict: TokenVerdict, timedOut: boolean) => void;
  /** Aborts the validator's work (its `signal`). */
  readonly controller: AbortController;
}

interface ServerPeer {
  readonly connection: Connection;
  readonly bucket: TokenBucket;
}

/**
 * The server end of the connection layer over any {@link DatagramTransport}: a stateless-cookie
 * handshake with a pluggable token check, one {@link Connection} (and `ReliableUdpChannel`) per
 * client, keep-alive, timeouts, explicit disconnects, per-address rate limits, a block list and
 * anti-amplification. All per-address state is bounded. Driven by {@link ConnectionServer.update}
 * (your tick loop) or {@link ConnectionServer.start}. The wire format is in `docs/connection.md`.
 *
 * @example
 * ```ts
 * const transport = await UdpTransport.bind({ host: '0.0.0.0', port: 40000 });
 * const server = new ConnectionServer({ transport, protocolId: 0x504f4e47, maxClients: 16 });
 * server.on('connect', (connection) => {
 *   connection.on('message', (payload) => connection.send(payload)); // echo, reliable-ordered
 * });
 * server.start(10); // or call server.update() from your own tick loop
 * ```
 */
export class ConnectionServer extends EventEmitter<ConnectionServerEvents> {
  /** Connected clients by id. */
  readonly connections: ReadonlyMap<number, Connection>;
  /** Running totals (a live, read-only view). */
  readonly counters: Readonly<ConnectionServerCounters>;

  private readonly transport: DatagramTransport;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly observer: TransportObserver | undefined;
  private readonly protocolId: number;
  private readonly protocolVersion: number;
  private readonly cookies: CookieJar;
  private readonly validateToken: TokenValidator;
  private readonly maxClients: number;
  private readonly maxPendingValidations: number;
  private readonly rateLimit: RateLimit;
  private readonly blockList: BlockList | undefined;
  private readonly connectionFactory: ConnectionFactory;
  private readonly peers = new Map<string, ServerPeer>();
  private readonly byId = new Map<number, Connection>();
  private readonly addresses: AddressTable;
  private readonly stats: ConnectionServerCounters;
  private readonly pendingValidations = new Set<PendingValidation>();
  private readonly tokenValidationTimeoutMs: number;
  private nextClientId = 1;
  private readonly ticker: RepeatingTimer;
  private closed = false;

  /** @param options - transport, protocol id and limits (validated; throws `InvalidOptionError`). */
  constructor(options: ConnectionServerOptions) {
    super();
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'required');
    this.transport = check.transport(options.transport);
    this.protocolId = check.int('protocolId', options.protocolId, Number.NaN, 0, 0xffffffff);
    this.protocolVersion = check.int('protocolVersion', options.protocolVersion, 0, 0, 0xffff);
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger ?? silentLogger;
    this.ticker = new RepeatingTimer(check.timers(options.timers));
    this.observer = options.observer;
    const secret = options.secret ?? randomBytes(32);
    if (!(secret instanceof Uint8Array) || secret.length < 16)
      throw new InvalidOptionError('secret', 'must be a Uint8Array of at least 16 bytes');
    const cookieLifetimeMs = check.positive('cookieLifetimeMs', options.cookieLifetimeMs, 10_000);
    this.cookies = new CookieJar(secret, this.protocolId, cookieLifetimeMs);
    if (options.validateToken !== undefined && typeof options.validateToken !== 'function')
      throw new InvalidOptionError('validateToken', 'must be a function');
    this.validateToken = options.validateToken ?? (() => true);
    this.maxClients = check.int('maxClients', options.maxClients, 64, 1, 0xffff);
    const maxTracked = check.int('maxTrackedAddresses', options.maxTrackedAddresses, 4096, 2, 1 << 24);
    this.maxPendingValidations = check.int(
      'maxPendingValidations',
      options.maxPendingValidations,
      Math.min(256, Math.floor(maxTracked / 2)),
      1,
      maxTracked - 1,
    );
    this.tokenValidationTimeoutMs = check.positive(
      'tokenValidationTimeoutMs',
      options.tokenValidationTimeoutMs,
      5000,
    );
    this.rateLimit = check.rateLimit(options.rateLimit);
    if (options.blockList !== undefined && typeof options.blockList?.check !== 'function')
      throw new InvalidOptionError('blockList', 'must be a net.BlockList');
    this.blockList = options.blockList;
    this.connectionFactory = new ConnectionFactory(options, this.clock, this.transport);
    this.addresses = new AddressTable(maxTracked);
    this.connections = this.byId;
    const addresses = this.addresses;
    this.stats = {
      packetsReceived: 0,
      bytesReceived: 0,
      packetsSent: 0,
      bytesSent: 0,
      dropped: { oversized: 0, malformed: 0, rate_limited: 0, blocked: 0, unauthenticated: 0 },
      challengesSent: 0,
      accepted: 0,
      denied: { serverFull: 0, tokenRejected: 0, versionMismatch: 0, tokenTimedOut: 0 },
      badCookies: 0,
      handshakesIgnored: 0,
      amplificationLimited: 0,
      get addressEvictions() {
        return addresses.evictions;
      },
      disconnects: { local: 0, remote: 0, timeout: 0, channel_timeout: 0 },
      sendErrors: 0,
      handshakeErrors: 0,
    };
    this.counters = this.stats;
    this.transport.onDatagram((data, from) => this.receive(data, from));
  }

  /** Addresses without a connection currently tracked (bounded by `maxTrackedAddresses`). */
  get trackedAddresses(): number {
    return this.addresses.size;
  }

  /**
   * Advances every connection: flushes queued messages, retransmits, sends keep-alives and ends
   * connections that timed out. Call it from your tick loop, or use {@link ConnectionServer.start}.
   */
  update(): void {
    if (this.closed) return;
    for (const peer of this.peers.values()) peer.connection.update();
    if (this.pendingValidations.size === 0) return;
    const now = this.clock.now();
    for (const pending of this.pendingValidations) {
      if (now >= pending.deadline) pending.settle(false, true);
    }
  }

  /**
   * Calls `update()` every `intervalMs` on the injected timers until `stop()` or `close()`.
   * @param intervalMs - milliseconds between updates (default 10).
   */
  start(intervalMs = 10): void {
    check.positive('intervalMs', intervalMs, 10);
    if (this.closed) this.stop();
    else this.ticker.start(intervalMs, () => this.update());
  }

  /** Stops the timer started by `start()`. */
  stop(): void {
    this.ticker.stop();
  }

  /**
   * Disconnects every client (each gets Disconnect packets) and stops serving. The transport is
   * left open (it belongs to the caller). Idempotent.
   */
  close(): void {
    if (this.closed) return;
    this.stop();
    for (const peer of [...this.peers.values()]) peer.connection.disconnect();
    this.closed = true;
    for (const pending of this.pendingValidations) {
      pending.controller.abort(new DOMException('connection server closed', 'AbortError'));
    }
    this.pendingValidations.clear();
    this.addresses.clear();
    this.transport.onDatagram(() => {});
  }

  private receive(data: Uint8Array, from: PeerAddress): void {
    if (this.closed) return;
    this.stats.packetsReceived++;
    this.stats.bytesReceived += data.length;
    if (this.blockList !== undefined && this.isBlocked(from.address)) {
      this.drop('blocked');
      return;
    }
    const key = addressKey(from);
    const now = this.clock.now();
    const peer = this.peers.get(key);
    if (peer !== undefined) {
      if (!peer.bucket.take(now)) {
        this.drop('rate_limited');
        return;
      }
      this.receiveConnected(peer.connection, data);
      return;
    }
    const type = readPacketType(data);
    if (
      type === ConnectionPacketType.Payload ||
      type === ConnectionPacketType.KeepAlive ||
      type === ConnectionPacketType.Disconnect
    ) {
      this.drop('unauthenticated');
      return;
    }
    const request =
      type === ConnectionPacketType.ConnectRequest
        ? readConnectRequest(data)
        : type === ConnectionPacketType.ChallengeResponse
          ? readChallengeResponse(data)
          : undefined;
    if (request === undefined || request.protocolId !== this.protocolId) {
      this.drop('malformed');
      return;
    }
    let state = this.addresses.get(key);
    if (state === undefined) {
      state = {
        bucket: new TokenBucket(this.rateLimit.packetsPerSecond, this.rateLimit.burst, now),
        bytesReceived: 0,
        bytesSent: 0,
        validating: false,
      };
      this.addresses.add(key, state);
    }
    if (!state.bucket.take(now)) {
      this.drop('rate_limited');
      return;
    }
    state.bytesReceived += data.length;
    if (request.protocolVersion !== this.protocolVersion) {
      this.stats.denied.versionMismatch++;
      this.replyUnconnected(state, from, writeDenied(request.nonce, DenyReason.VersionMismatch));
      return;
    }
    if (type === ConnectionPacketType.ConnectRequest) {
      if (
        this.replyUnconnected(
          state,
          from,
          writeChallenge(request.nonce, this.cookies.issue(from, request.nonce, now)),
        )
      )
        this.stats.challengesSent++;
      return;
    }
    this.receiveChallengeResponse(request as ChallengeResponse, state, key, from, now);
  }

  private receiveConnected(connection: Connection, data: Uint8Array): void {
    switch (readPacketType(data)) {
      case ConnectionPacketType.Payload: {
        const packet = readPayload(data);
        if (packet === undefined) {
          this.drop('malformed');
          return;
        }
        connection.receivePayload(packet);
        return;
      }
      case ConnectionPacketType.KeepAlive:
        if (!isKeepAlive(data)) {
          this.drop('malformed');
          return;
        }
        connection.touch();
        return;
      case ConnectionPacketType.Disconnect: {
        const packet = readDisconnect(data);
        if (packet === undefined) {
          this.drop('malformed');
          return;
        }
        if (!sameNonce(packet.nonce, connection.nonce)) {
          this.drop('unauthenticated');
          return;
        }
        connection.close('remote', false);
        return;
      }
      case ConnectionPacketType.ChallengeResponse: {
        const response = readChallengeResponse(data);
        if (response === undefined) {
          this.drop('malformed');
          return;
        }
        // The client did not get our Accepted: repeat it (this address completed the handshake).
        if (sameNonce(response.nonce, connection.nonce))
          this.send(writeAccepted(connection.nonce, connection.id), connection.peer);
        else this.stats.handshakesIgnored++;
        return;
      }
      case ConnectionPacketType.ConnectRequest:
        if (readConnectRequest(data) === undefined) {
          this.drop('malformed');
          return;
        }
        this.stats.handshakesIgnored++;
        return;
      default: {
        this.drop('malformed');
        return;
      }
    }
  }

  private receiveChallengeResponse(
    response: ChallengeResponse,
    state: AddressState,
    key: string,
    from: PeerAddress,
    now: number,
  ): void {
    if (!this.cookies.verify(response.cookie, from, response.nonce, now)) {
      this.stats.badCookies++;
      this.drop('unauthenticated');
      return;
    }
    if (state.validating) {
      this.stats.handshakesIgnored++;
      return;
    }
    if (this.peers.size + this.pendingValidations.size >= this.maxClients) {
      this.stats.denied.serverFull++;
      this.replyUnconnected(state, from, writeDenied(response.nonce, DenyReason.ServerFull));
      return;
    }
    if (this.pendingValidations.size >= this.maxPendingValidations) {
      this.drop('rate_limited');
      return;
    }
    // Reserve the reply (Accepted is the larger of Accepted and Denied) before validating.
    if (state.bytesSent + ACCEPTED_SIZE > state.bytesReceived) {
      this.stats.amplificationLimited++;
      return;
    }
    state.bytesSent += ACCEPTED_SIZE;
    state.validating = true;
    const nonce = response.nonce.slice();
    const token = response.token.slice();
    // Neither callback can throw, so an async verdict never leaves an unhandled rejection.
    const pending: PendingValidation = {
      deadline: now + this.tokenValidationTimeoutMs,
      controller: new AbortController(),
      settle: (verdict, timedOut) => {
        // Settled already (or dropped by close()): a later verdict or deadline does nothing.
        if (!this.pendingValidations.delete(pending)) return;
        state.validating = false;
        if (timedOut) {
          this.logger.warn(
            { from, timeoutMs: this.tokenValidationTimeoutMs },
            'connect token check timed out',
          );
          pending.controller.abort(new DOMException('connect token check timed out', 'TimeoutError'));
        }
        const accepted = this.stats.accepted;
        try {
          this.completeHandshake(verdict, key, from, nonce, timedOut);
        } catch (err) {
          this.handshakeFailed(err, this.stats.accepted !== accepted, key, from, nonce);
        }
      },
    };
    this.pendingValidations.add(pending);
    const finish = (verdict: TokenVerdict): void => pending.settle(verdict, false);
    const reject = (err: unknown): void => {
      this.logger.warn({ err, from }, 'connect token validator failed; rejecting');
      finish(false);
    };
    let verdict: TokenVerdict | PromiseLike<TokenVerdict>;
    let async: boolean;
    try {
      verdict = this.validateToken(token, from, pending.controller.signal);
      async = isThenable(verdict);
    } catch (err) {
      reject(err);
      return;
    }
    // Promise.resolve adopts any thenable (and guards against one that calls back twice or throws).
    if (async) Promise.resolve(verdict).then(finish, reject);
    else finish(verdict as TokenVerdict);
  }

  /**
   * Something threw while completing a handshake (a `connect` listener, most likely): log and count
   * it, then undo: disconnect the new connection, or deny the client if there is none.
   */
  private handshakeFailed(
    err: unknown,
    created: boolean,
    key: string,
    from: PeerAddress,
    nonce: Uint8Array,
  ): void {
    this.stats.handshakeErrors++;
    this.logger.error({ err, from }, 'completing a handshake failed; dropping the client');
    try {
      if (created) this.peers.get(key)?.connection.disconnect();
      else if (!this.closed) this.send(writeDenied(nonce, DenyReason.ServerFull), from);
    } catch (cleanupErr) {
      this.logger.error({ err: cleanupErr, from }, 'cleaning up a failed handshake failed');
    }
  }

  private completeHandshake(
    verdict: TokenVerdict,
    key: string,
    from: PeerAddress,
    nonce: Uint8Array,
    timedOut: boolean,
  ): void {
    if (this.closed || this.peers.has(key)) return;
    const rejected =
      verdict === false || verdict === null || (typeof verdict !== 'object' && verdict !== true);
    if (rejected || this.peers.size >= this.maxClients) {
      const reason: DenyReasonValue = rejected ? DenyReason.TokenRejected : DenyReason.ServerFull;
      if (timedOut) this.stats.denied.tokenTimedOut++;
      else if (rejected) this.stats.denied.tokenRejected++;
      else this.stats.denied.serverFull++;
      this.send(writeDenied(nonce, reason), from); // within the budget reserved for the reply
      return;
    }
    const id = this.nextClientId;
    this.nextClientId = id === 0xffffffff ? 1 : id + 1;
    const connection = this.connectionFactory.create({
      id,
      peer: Object.freeze({ address: from.address, port: from.port }),
      nonce,
      userData: typeof verdict === 'object' ? verdict.userData : undefined,
      transmit: (data) => this.send(data, from),
      onClosed: (c, reason) => this.onConnectionClosed(key, c, reason),
    });
    const now = this.clock.now();
    this.addresses.delete(key);
    this.peers.set(key, {
      connection,
      bucket: new TokenBucket(this.rateLimit.packetsPerSecond, this.rateLimit.burst, now),
    });
    this.byId.set(id, connection);
    this.stats.accepted++;
    this.send(writeAccepted(nonce, id), from);
    this.observer?.connectedClients?.(this.peers.size);
    this.emit('connect', connection);
  }

  private onConnectionClosed(key: string, connection: Connection, reason: DisconnectReason): void {
    this.peers.delete(key);
    this.byId.delete(connection.id);
    this.stats.disconnects[reason]++;
    this.observer?.connectedClients?.(this.peers.size);
    this.emit('disconnect', connection, reason);
  }

  /** Sends to an address without a connection only within the bytes it sent us. */
  private replyUnconnected(state: AddressState, to: PeerAddress, packet: Uint8Array): boolean {
    if (state.bytesSent + packet.length > state.bytesReceived) {
      this.stats.amplificationLimited++;
      return false;
    }
    state.bytesSent += packet.length;
    this.send(packet, to);
    return true;
  }

  private send(data: Uint8Array, to: PeerAddress): void {
    try {
      this.transport.send(data, to);
      this.stats.packetsSent++;
      this.stats.bytesSent += data.length;
    } catch (err) {
      this.stats.sendErrors++;
      this.logger.warn({ err, to }, 'connection server send failed');
    }
  }

  private drop(reason: DropReason): void {
    this.stats.dropped[reason]++;
    this.observer?.datagramDropped?.(reason);
  }

  private isBlocked(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    const list = this.blockList!;
    if (family === 4) return list.check(address, 'ipv4');
    if (list.check(address, 'ipv6')) return true;
    // An IPv4 peer on a dual-stack socket appears as ::ffff:a.b.c.d; check it as IPv4 too.
    const mapped = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : '';
    return isIP(mapped) === 4 && list.check(mapped, 'ipv4');
  }
}

/** True for a promise or any other thenable (an object or function with a `then` method). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
