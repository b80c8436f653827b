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
  ConnectTokenRefusal,
  ConnectTokenVerifier,
  VerifiedConnectToken,
} from './connect-token/index.js';
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
  readChallengeResponse,
  readConnectRequest,
  readPacketType,
  sameNonce,
  writeAccepted,
  writeChallenge,
  writeDenied,
} from './connection-packets.js';
import { deriveSessionKey, openHandshake, sealHandshake } from './connection-seal.js';
import { addressKey, type DatagramTransport, type PeerAddress } from './datagram-transport.js';
import { RepeatingTimer } from './repeating-timer.js';
import type { DropReason, TransportObserver } from './transport-observer.js';

/**
 * Why the server refused a connect token: what the verifier refuses, plus
 * - `token_in_use`: the token was used from another address (a copy; netcode.io keeps the same rule);
 * - `player_in_use`: its player is connected from another address;
 * - `no_proof`: the handshake does not prove the sender holds the token's client-to-server key (a
 *   token seen on the wire, replayed without its keys).
 */
export type TokenRefusal = ConnectTokenRefusal | 'token_in_use' | 'player_in_use' | 'no_proof';

/** What the server needs of a {@link ConnectTokenVerifier}: `verify`, which must never throw. */
export type HandshakeTokenVerifier = Pick<ConnectTokenVerifier, 'verify'>;

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
  /**
   * Checks the connect token each client sends: a `ConnectTokenVerifier` (required; there is no
   * mode without tokens). The per-connection packet keys and the connection timeout come from the
   * verified token, which the connection exposes as `connection.token`.
   */
  connectTokens: HandshakeTokenVerifier;
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
  /** Limits of every connection's channel. */
  channel?: ConnectionChannelOptions;
  /** Receives every connection's channel stats. */
  channelObserver?: ChannelObserver;
  /**
   * Receives drops and the connected-client count. Datagram and byte counts come from the
   * transport (pass the same observer to `UdpTransport.bind`), so nothing is counted twice.
   */
  observer?: TransportObserver;
  /** Where unexpected failures (a `connect` listener throwing, a send failing) are logged. */
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
  /** Handshakes denied for other reasons than the token. */
  denied: {
    /** Denied because `maxClients` connections were reached. */
    serverFull: number;
    /** Denied because the client's protocol version differs from the server's. */
    versionMismatch: number;
  };
  /** Connect tokens refused, by reason (each also denied: `token_rejected`, or `token_in_use`). */
  tokensRefused: Record<TokenRefusal, number>;
  /** Challenge responses with a forged, expired or foreign cookie (also counted as `unauthenticated`). */
  badCookies: number;
  /** Valid handshake packets ignored (repeats of the handshake of the address's connection, or of one that ended). */
  handshakesIgnored: number;
  /** Replies not sent because they would exceed the bytes received from an unconnected address. */
  amplificationLimited: number;
  /** Unconnected addresses evicted from the bounded table. */
  readonly addressEvictions: number;
  /** Connect tokens remembered with the address that first used them (bounded, oldest forgotten first). */
  readonly tokensTracked: number;
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

interface ServerPeer {
  readonly connection: Connection;
  readonly bucket: TokenBucket;
  /** Sent again when the client repeats its ChallengeResponse (the first was lost). */
  readonly accepted: Uint8Array;
}

/** Handshakes one token may complete (reconnects from its address included); bounds what it holds. */
const MAX_HANDSHAKES_PER_TOKEN = 16;

/** The address that first used a token, and the client nonces it has connected with. */
interface TokenUse {
  readonly address: string;
  readonly nonces: string[];
}

/**
 * The server end of the connection layer over any {@link DatagramTransport}: a stateless-cookie
 * handshake that admits only holders of a valid connect token, one {@link Connection} (and
 * `ReliableUdpChannel`) per client with every packet sealed under the token's keys, keep-alive,
 * timeouts, explicit disconnects, per-address rate limits, a block list and anti-amplification. All per-address state is bounded. Driven by {@link ConnectionServer.update}
 * (your tick loop) or {@link ConnectionServer.start}. The wire format is in `docs/connection.md`.
 *
 * @example
 * ```ts
 * const transport = await UdpTransport.bind({ host: '0.0.0.0', port: 40000 });
 * const connectTokens = new ConnectTokenVerifier({ keys: [key], protocolId: 0x504f4e47,
 *   serverAddresses: ['203.0.113.5:40000'], clock: epochClock });
 * const server = new ConnectionServer({ transport, protocolId: 0x504f4e47, connectTokens, maxClients: 16 });
 * server.on('connect', (connection) => {
 *   // connection.token.playerId says whose seat this is
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
  private readonly tokens: HandshakeTokenVerifier;
  private readonly maxClients: number;
  private readonly rateLimit: RateLimit;
  private readonly blockList: BlockList | undefined;
  private readonly connectionFactory: ConnectionFactory;
  private readonly peers = new Map<string, ServerPeer>();
  private readonly byId = new Map<number, Connection>();
  /** Live connections by token id and by player id (a token or player in use elsewhere is refused). */
  private readonly byToken = new Map<string, Connection>();
  private readonly byPlayer = new Map<string, Connection>();
  /** Tokens seen, in insertion order (oldest evicted past `tokenHistoryLimit`). */
  private readonly tokenHistory = new Map<string, TokenUse>();
  private readonly tokenHistoryLimit: number;
  private readonly addresses: AddressTable;
  private readonly stats: ConnectionServerCounters;
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
    const tokens = options.connectTokens;
    if (tokens === null || typeof tokens !== 'object' || typeof tokens.verify !== 'function')
      throw new InvalidOptionError('connectTokens', 'must be a ConnectTokenVerifier ({ verify(token) })');
    this.tokens = tokens;
    this.maxClients = check.int('maxClients', options.maxClients, 64, 1, 0xffff);
    this.tokenHistoryLimit = Math.max(1024, 4 * this.maxClients);
    const maxTracked = check.int('maxTrackedAddresses', options.maxTrackedAddresses, 4096, 2, 1 << 24);
    this.rateLimit = check.rateLimit(options.rateLimit);
    if (options.blockList !== undefined && typeof options.blockList?.check !== 'function')
      throw new InvalidOptionError('blockList', 'must be a net.BlockList');
    this.blockList = options.blockList;
    this.connectionFactory = new ConnectionFactory(options, this.clock, this.transport, this.protocolId);
    this.addresses = new AddressTable(maxTracked);
    this.connections = this.byId;
    const addresses = this.addresses;
    const history = this.tokenHistory;
    this.stats = {
      packetsReceived: 0,
      bytesReceived: 0,
      packetsSent: 0,
      bytesSent: 0,
      dropped: { oversized: 0, malformed: 0, rate_limited: 0, blocked: 0, unauthenticated: 0, replayed: 0 },
      challengesSent: 0,
      accepted: 0,
      denied: { serverFull: 0, versionMismatch: 0 },
      tokensRefused: {
        malformed: 0,
        unknown_key: 0,
        unauthentic: 0,
        expired: 0,
        wrong_server: 0,
        wrong_protocol: 0,
        token_in_use: 0,
        player_in_use: 0,
        no_proof: 0,
      },
      badCookies: 0,
      handshakesIgnored: 0,
      amplificationLimited: 0,
      get addressEvictions() {
        return addresses.evictions;
      },
      get tokensTracked() {
        return history.size;
      },
      disconnects: { local: 0, remote: 0, timeout: 0, channel_timeout: 0, replaced: 0 },
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
    this.addresses.clear();
    this.tokenHistory.clear();
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
      this.receiveConnected(peer, data, key, from, now);
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

  private receiveConnected(
    peer: ServerPeer,
    data: Uint8Array,
    key: string,
    from: PeerAddress,
    now: number,
  ): void {
    const connection = peer.connection;
    const type = readPacketType(data);
    switch (type) {
      case ConnectionPacketType.Payload:
      case ConnectionPacketType.KeepAlive:
      case ConnectionPacketType.Disconnect: {
        const refused = connection.receive(data);
        if (refused !== undefined) this.drop(refused);
        return;
      }
      case ConnectionPacketType.ConnectRequest:
      case ConnectionPacketType.ChallengeResponse: {
        const request =
          type === ConnectionPacketType.ConnectRequest
            ? readConnectRequest(data)
            : readChallengeResponse(data);
        if (request === undefined || request.protocolId !== this.protocolId) {
          this.drop('malformed');
          return;
        }
        if (sameNonce(request.nonce, connection.nonce)) {
          // The client did not get our Accepted: repeat it (the same bytes); a late ConnectRequest is ignored.
          if (type === ConnectionPacketType.ChallengeResponse) this.send(peer.accepted, connection.peer);
          else this.stats.handshakesIgnored++;
          return;
        }
        // Another handshake from a connected address: the client restarted. Answering costs less
        // than it sent (no amplification), and it replaces the connection only with a valid token.
        if (request.protocolVersion !== this.protocolVersion) {
          this.stats.denied.versionMismatch++;
          this.send(writeDenied(request.nonce, DenyReason.VersionMismatch), from);
        } else if (type === ConnectionPacketType.ConnectRequest) {
          this.send(writeChallenge(request.nonce, this.cookies.issue(from, request.nonce, now)), from);
          this.stats.challengesSent++;
        } else this.receiveChallengeResponse(request as ChallengeResponse, undefined, key, from, now);
        return;
      }
      default:
        this.drop('malformed');
    }
  }

  /**
   * A ChallengeResponse with our cookie: the token decides (netcode.io's order: verify the token,
   * then "in use from another address", then capacity). `state` is the address's amplification
   * budget, `undefined` for a connected address (which proved itself already).
   */
  private receiveChallengeResponse(
    response: ChallengeResponse,
    state: AddressState | undefined,
    key: string,
    from: PeerAddress,
    now: number,
  ): void {
    if (!this.cookies.verify(response.cookie, from, response.nonce, now)) {
      this.stats.badCookies++;
      this.drop('unauthenticated');
      return;
    }
    // Accepted is the larger answer; the padded ChallengeResponse always covers it, but check anyway.
    if (state !== undefined && state.bytesSent + ACCEPTED_SIZE > state.bytesReceived) {
      this.stats.amplificationLimited++;
      return;
    }
    const reply = (packet: Uint8Array): void => {
      if (state === undefined) this.send(packet, from);
      else this.replyUnconnected(state, from, packet);
    };
    const refuse = (reason: TokenRefusal, code: DenyReasonValue): void => {
      this.stats.tokensRefused[reason]++;
      reply(writeDenied(response.nonce, code));
    };
    let check: ReturnType<HandshakeTokenVerifier['verify']>;
    try {
      check = this.tokens.verify(response.token);
    } catch (err) {
      this.logger.error({ err, from }, 'connect token verifier threw; refusing the token');
      refuse('malformed', DenyReason.TokenRejected);
      return;
    }
    if (!check.ok) {
      refuse(check.reason in this.stats.tokensRefused ? check.reason : 'malformed', DenyReason.TokenRejected);
      return;
    }
    const token = check.token;
    if (!(token.timeoutMs > 0)) {
      refuse('malformed', DenyReason.TokenRejected);
      return;
    }
    const receiveKey = deriveSessionKey(token.clientToServerKey, response.nonce, response.cookie);
    if (openHandshake(receiveKey, response.signed, response.proof) === undefined) {
      refuse('no_proof', DenyReason.TokenRejected);
      return;
    }
    const use = this.tokenHistory.get(token.tokenId);
    const holder = this.byToken.get(token.tokenId);
    if (
      (use !== undefined && use.address !== key) ||
      (holder !== undefined && addressKey(holder.peer) !== key)
    ) {
      refuse('token_in_use', DenyReason.TokenInUse);
      return;
    }
    const player = this.byPlayer.get(token.playerId);
    if (player !== undefined && addressKey(player.peer) !== key) {
      refuse('player_in_use', DenyReason.TokenInUse);
      return;
    }
    const nonceKey = Buffer.from(response.nonce).toString('hex');
    if (use?.nonces.includes(nonceKey)) {
      // A handshake this token already completed, repeated (its keys were used): never again.
      this.stats.handshakesIgnored++;
      return;
    }
    if (use !== undefined && use.nonces.length >= MAX_HANDSHAKES_PER_TOKEN) {
      refuse('token_in_use', DenyReason.TokenInUse);
      return;
    }
    this.rememberToken(token.tokenId, key, nonceKey, use);
    const previous = this.peers.get(key)?.connection;
    if (this.peers.size - (previous === undefined ? 0 : 1) >= this.maxClients) {
      this.stats.denied.serverFull++;
      reply(writeDenied(response.nonce, DenyReason.ServerFull));
      return;
    }
    previous?.close('replaced', false);
    const sendKey = deriveSessionKey(token.serverToClientKey, response.nonce, response.cookie);
    const accepted = this.stats.accepted;
    try {
      this.completeHandshake(
        token,
        key,
        from,
        response.nonce.slice(),
        { send: sendKey, receive: receiveKey },
        state,
      );
    } catch (err) {
      this.handshakeFailed(err, this.stats.accepted !== accepted, key, from, response.nonce);
    }
  }

  private rememberToken(tokenId: string, address: string, nonce: string, use: TokenUse | undefined): void {
    if (use !== undefined) {
      use.nonces.push(nonce);
      return;
    }
    this.tokenHistory.set(tokenId, { address, nonces: [nonce] });
    if (this.tokenHistory.size > this.tokenHistoryLimit) {
      const oldest = this.tokenHistory.keys().next();
      if (oldest.done !== true) this.tokenHistory.delete(oldest.value);
    }
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
    token: VerifiedConnectToken,
    key: string,
    from: PeerAddress,
    nonce: Uint8Array,
    keys: { send: Uint8Array; receive: Uint8Array },
    state: AddressState | undefined,
  ): void {
    const id = this.nextClientId;
    this.nextClientId = id === 0xffffffff ? 1 : id + 1;
    const connection = this.connectionFactory.create({
      id,
      peer: Object.freeze({ address: from.address, port: from.port }),
      nonce,
      token,
      keys,
      timeoutMs: token.timeoutMs,
      transmit: (data) => this.send(data, from),
      onClosed: (c, reason) => this.onConnectionClosed(key, c, reason),
    });
    const accepted = writeAccepted(nonce, id, (ad, plain) => sealHandshake(keys.send, ad, plain));
    const now = this.clock.now();
    this.addresses.delete(key);
    this.peers.set(key, {
      connection,
      accepted,
      bucket: new TokenBucket(this.rateLimit.packetsPerSecond, this.rateLimit.burst, now),
    });
    this.byId.set(id, connection);
    this.byToken.set(token.tokenId, connection);
    this.byPlayer.set(token.playerId, connection);
    this.stats.accepted++;
    if (state !== undefined) state.bytesSent += accepted.length;
    this.send(accepted, from);
    this.observer?.connectedClients?.(this.peers.size);
    this.emit('connect', connection);
  }

  private onConnectionClosed(key: string, connection: Connection, reason: DisconnectReason): void {
    if (this.peers.get(key)?.connection === connection) this.peers.delete(key);
    this.byId.delete(connection.id);
    const token = connection.token!;
    if (this.byToken.get(token.tokenId) === connection) this.byToken.delete(token.tokenId);
    if (this.byPlayer.get(token.playerId) === connection) this.byPlayer.delete(token.playerId);
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
