import { createSocket, type Socket } from 'node:dgram';
import { isIP } from 'node:net';
import {
  type Clock,
  InvalidOptionError,
  type Logger,
  type RandomSource,
  silentLogger,
  systemClock,
  type Timers,
} from '../core/index.js';
import { check } from './connection-options.js';
import { addressKey, type PeerAddress } from './datagram-transport.js';
import { DeliveryQueue } from './delivery-queue.js';
import { bindSocket, closeSocket } from './dgram-socket.js';
import { LinkConditioner, type LinkConditions, normalizeConditions } from './link-conditioner.js';

/** Conditions for each direction of a {@link LossyUdpProxy}. Absent means a perfect link. */
export interface ProxyConditions {
  /** Client to target. */
  upstream?: LinkConditions;
  /** Target to client. */
  downstream?: LinkConditions;
}

/** Options of {@link LossyUdpProxy.start}. */
export interface LossyUdpProxyOptions {
  /** Where clients send to. Default `{ host: '127.0.0.1', port: 0 }` (ephemeral port). */
  listen?: {
    /** IP address to bind (default `'127.0.0.1'`; an IPv6 address binds a `udp6` socket). */
    host?: string;
    /** Port to bind (default 0: an ephemeral port, read it from `proxy.address`). */
    port?: number;
  };
  /** The upstream server every client's traffic is relayed to. */
  target: PeerAddress;
  /** Initial conditions per direction (default: perfect links). */
  conditions?: ProxyConditions;
  /** Source of chance for loss, jitter and duplication; pass a seeded one. */
  random: RandomSource;
  /** Time source for delivery times. Default `systemClock`. */
  clock?: Clock;
  /**
   * Timer functions that release delayed deliveries (default `systemTimers`). With a `ManualClock`,
   * pass timers driven by that clock: the proxy arms one timer for the next due delivery and
   * re-arms only when it fires.
   */
  timers?: Timers;
  /** Most distinct client addresses relayed at once (default 1024); datagrams from more are dropped. */
  maxClients?: number;
  /**
   * A client with no datagram in either direction (and none in flight) for this long is forgotten
   * and its upstream socket closed, making room for new clients (default 30,000 ms, on `clock`).
   */
  clientIdleTimeoutMs?: number;
  /** Where socket errors are logged. */
  logger?: Logger;
}

/** Counters of one direction of a {@link LossyUdpProxy}. */
export interface ProxyDirectionCounters {
  /** Datagrams that arrived at the proxy in this direction. */
  received: number;
  /** Datagrams sent on (duplicates included). */
  forwarded: number;
  /** Bytes sent on. */
  bytesForwarded: number;
  /** Datagrams dropped by the link (loss or a full bandwidth queue). */
  dropped: number;
  /** Extra copies made by `duplicateRate`. */
  duplicated: number;
}

/** Running totals of a {@link LossyUdpProxy}. */
export interface ProxyCounters {
  /** Client to target. */
  readonly upstream: ProxyDirectionCounters;
  /** Target to client. */
  readonly downstream: ProxyDirectionCounters;
  /** Client addresses seen (each has its own upstream socket); a client that returns after eviction counts again. */
  clients: number;
  /** Clients forgotten after `clientIdleTimeoutMs` without traffic (their upstream socket closed). */
  clientsEvicted: number;
  /** Datagrams from new clients dropped because `maxClients` was reached. */
  droppedClientLimit: number;
  /** Datagrams arriving on an upstream socket from somewhere other than the target, dropped. */
  droppedForeign: number;
  /** Socket errors (failed sends and the like); the proxy keeps running. */
  socketErrors: number;
}

interface ProxyClient {
  readonly key: string;
  readonly address: PeerAddress;
  readonly socket: Socket;
  readonly up: LinkConditioner;
  readonly down: LinkConditioner;
  /** Last datagram from the client or the target for it, or delivered to either, on `clock`. */
  lastActiveAt: number;
  /** Deliveries of this client's traffic (either direction) waiting in the queue. */
  inFlight: number;
  evicted: boolean;
}

interface PendingDelivery {
  readonly client: ProxyClient;
  readonly socket: Socket;
  readonly to: PeerAddress;
  readonly data: Uint8Array;
  readonly direction: ProxyDirectionCounters;
}

const newDirection = (): ProxyDirectionCounters => ({
  received: 0,
  forwarded: 0,
  bytesForwarded: 0,
  dropped: 0,
  duplicated: 0,
});

/**
 * A UDP relay on real sockets between any number of clients and one upstream target that applies
 * {@link LinkConditions} (loss, latency, jitter, duplication, reordering, bandwidth cap) per
 * direction, so end-to-end tests exercise the kernel's sockets under bad network conditions (where
 * netem is not available). Each client address gets its own upstream socket, so the target sees
 * distinct peers; each client's two directions are separate links with their own bandwidth queue.
 *
 * @example
 * ```ts
 * import { createSeededRandom } from '@pong/netcode';
 * import { LossyUdpProxy, UdpTransport } from '@pong/netcode/transport';
 *
 * const server = await UdpTransport.bind({ host: '127.0.0.1' });
 * const proxy = await LossyUdpProxy.start({
 *   target: server.localAddress,
 *   random: createSeededRandom(1),
 *   conditions: {
 *     upstream: { lossRate: 0.2, latencyMs: 20, jitterMs: 10 },
 *     downstream: { lossRate: 0.2, latencyMs: 20, jitterMs: 10, duplicateRate: 0.05 },
 *   },
 * });
 * const client = await UdpTransport.bind({ host: '127.0.0.1' });
 * client.send(new Uint8Array([1, 2, 3]), proxy.address); // reaches `server` 80% of the time
 * // ... run the test, then:
 * proxy.setConditions({ upstream: { lossRate: 1 } }); // cut the uplink mid-test
 * console.log(proxy.counters.upstream.dropped);
 * await proxy.close();
 * ```
 */
export class LossyUdpProxy {
  /** The address clients send to. */
  readonly address: PeerAddress;
  /** Running totals (a live, read-only view). */
  readonly counters: Readonly<ProxyCounters>;

  private readonly listenSocket: Socket;
  private readonly target: PeerAddress;
  private readonly random: RandomSource;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly maxClients: number;
  private readonly idleTimeoutMs: number;
  private readonly upstreamType: 'udp4' | 'udp6';
  private readonly upstreamHost: string;
  private readonly clients = new Map<string, ProxyClient>();
  /** Sockets of evicted clients still closing (awaited by `close()`). */
  private readonly evictions = new Set<Promise<void>>();
  private sweepTimer: unknown;
  private sweepArmed = false;
  private readonly queue = new DeliveryQueue<PendingDelivery>();
  private readonly stats: ProxyCounters;
  private conditions: { upstream: LinkConditions; downstream: LinkConditions };
  private readonly timers: Timers;
  private timer: unknown;
  private timerArmed = false;
  private timerAt = Number.POSITIVE_INFINITY;
  private closing: Promise<void> | undefined;

  private constructor(
    listenSocket: Socket,
    options: LossyUdpProxyOptions,
    conditions: Required<ProxyConditions>,
  ) {
    this.listenSocket = listenSocket;
    const bound = listenSocket.address();
    this.address = Object.freeze({ address: bound.address, port: bound.port });
    this.target = Object.freeze({ address: options.target.address, port: options.target.port });
    this.random = options.random;
    this.clock = options.clock ?? systemClock;
    this.timers = check.timers(options.timers);
    this.logger = options.logger ?? silentLogger;
    this.maxClients = options.maxClients ?? 1024;
    this.idleTimeoutMs = options.clientIdleTimeoutMs ?? DEFAULT_CLIENT_IDLE_TIMEOUT_MS;
    const targetIsV6 = isIP(this.target.address) === 6;
    this.upstreamType = targetIsV6 ? 'udp6' : 'udp4';
    // Loopback targets get loopback-bound upstream sockets; others need a routable source address.
    const loopback = this.target.address === '::1' || this.target.address.startsWith('127.');
    this.upstreamHost = loopback ? this.target.address : targetIsV6 ? '::' : '0.0.0.0';
    this.conditions = conditions;
    this.stats = {
      upstream: newDirection(),
      downstream: newDirection(),
      clients: 0,
      clientsEvicted: 0,
      droppedClientLimit: 0,
      droppedForeign: 0,
      socketErrors: 0,
    };
    this.counters = this.stats;
    listenSocket.on('message', (msg, rinfo) => {
      this.onClientDatagram(msg, { address: rinfo.address, port: rinfo.port });
    });
    listenSocket.on('error', (err) => this.onSocketError(err));
  }

  /**
   * Binds the listening socket and starts relaying.
   *
   * @param options - listen address, target, conditions, random source and clock.
   * @returns the running proxy; send to its `address`.
   * @throws InvalidOptionError - for a bad option (including invalid conditions).
   */
  static async start(options: LossyUdpProxyOptions): Promise<LossyUdpProxy> {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'required');
    const { target } = options;
    if (
      !target ||
      isIP(target.address) === 0 ||
      !Number.isInteger(target.port) ||
      target.port < 1 ||
      target.port > 65535
    )
      throw new InvalidOptionError('target', 'must be an IP address and a port in 1..65535');
    if (!options.random || typeof options.random.next !== 'function')
      throw new InvalidOptionError('random', 'must be a RandomSource');
    check.timers(options.timers);
    const maxClients = options.maxClients ?? 1024;
    if (!Number.isInteger(maxClients) || maxClients < 1)
      throw new InvalidOptionError('maxClients', 'must be a positive integer');
    const idle = options.clientIdleTimeoutMs;
    if (idle !== undefined && !(typeof idle === 'number' && idle > 0 && idle < Number.POSITIVE_INFINITY))
      throw new InvalidOptionError('clientIdleTimeoutMs', 'must be a finite number > 0');
    const host = options.listen?.host ?? '127.0.0.1';
    if (isIP(host) === 0) throw new InvalidOptionError('listen.host', `must be an IP address, got "${host}"`);
    const port = options.listen?.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new InvalidOptionError('listen.port', 'must be an integer in 0..65535');
    const conditions = validateConditions(options.conditions ?? {});
    const socket = createSocket(isIP(host) === 6 ? 'udp6' : 'udp4');
    await bindSocket(socket, port, host);
    return new LossyUdpProxy(socket, options, conditions);
  }

  /**
   * Replaces the conditions of one or both directions for every client, existing and future. A
   * direction left out keeps its current conditions.
   *
   * @throws InvalidOptionError - for invalid conditions (nothing is changed then).
   */
  setConditions(conditions: ProxyConditions): void {
    if (conditions === null || typeof conditions !== 'object')
      throw new InvalidOptionError('conditions', 'must be an object');
    const next = validateConditions({
      upstream: conditions.upstream ?? this.conditions.upstream,
      downstream: conditions.downstream ?? this.conditions.downstream,
    });
    this.conditions = next;
    for (const client of this.clients.values()) {
      client.up.setConditions(next.upstream);
      client.down.setConditions(next.downstream);
    }
  }

  /** Number of datagrams waiting for their scheduled delivery time. */
  get pendingDeliveries(): number {
    return this.queue.size;
  }

  /** Clients currently relayed (each with an open upstream socket). */
  get activeClients(): number {
    return this.clients.size;
  }

  /** Stops relaying, discards pending deliveries and closes every socket. Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.disarm();
      if (this.sweepArmed) this.timers.clearTimeout(this.sweepTimer);
      this.sweepArmed = false;
      this.queue.clear();
      const sockets = [this.listenSocket, ...[...this.clients.values()].map((c) => c.socket)];
      this.clients.clear();
      await Promise.all([...sockets.map(closeSocket), ...this.evictions]);
    })();
    return this.closing;
  }

  private onClientDatagram(data: Buffer, from: PeerAddress): void {
    if (this.closing !== undefined) return;
    const key = addressKey(from);
    let client = this.clients.get(key);
    if (client === undefined) {
      if (this.clients.size >= this.maxClients) {
        this.stats.droppedClientLimit++;
        return;
      }
      client = this.addClient(from, key);
    }
    this.stats.upstream.received++;
    this.submit(client, client.up, data, client.socket, this.target, this.stats.upstream);
  }

  private addClient(address: PeerAddress, key: string): ProxyClient {
    const socket = createSocket(this.upstreamType);
    const client: ProxyClient = {
      key,
      address,
      socket,
      up: new LinkConditioner({ random: this.random, conditions: this.conditions.upstream }),
      down: new LinkConditioner({ random: this.random, conditions: this.conditions.downstream }),
      lastActiveAt: this.clock.now(),
      inFlight: 0,
      evicted: false,
    };
    this.clients.set(key, client);
    this.stats.clients++;
    socket.on('error', (err) => this.onSocketError(err));
    socket.on('message', (msg, rinfo) => {
      if (this.closing !== undefined || client.evicted) return;
      if (rinfo.port !== this.target.port || rinfo.address !== this.target.address) {
        this.stats.droppedForeign++;
        return;
      }
      this.stats.downstream.received++;
      this.submit(client, client.down, msg, this.listenSocket, client.address, this.stats.downstream);
    });
    // Binding is asynchronous; node:dgram queues sends issued before it completes.
    socket.bind(0, this.upstreamHost);
    this.armSweep(this.idleTimeoutMs);
    return client;
  }

  private submit(
    client: ProxyClient,
    link: LinkConditioner,
    data: Uint8Array,
    socket: Socket,
    to: PeerAddress,
    direction: ProxyDirectionCounters,
  ): void {
    const now = this.clock.now();
    client.lastActiveAt = now;
    const deliveries = link.submit(data, now);
    if (deliveries.length === 0) {
      direction.dropped++;
      return;
    }
    if (deliveries.length > 1) direction.duplicated += deliveries.length - 1;
    client.inFlight += deliveries.length;
    for (const d of deliveries) this.queue.push(d.deliverAt, { client, socket, to, data: d.data, direction });
    this.flush();
  }

  /** Arms the idle sweep (one timer for all clients) unless it is armed already. */
  private armSweep(delayMs: number): void {
    if (this.sweepArmed || this.closing !== undefined) return;
    this.sweepArmed = true;
    this.sweepTimer = this.timers.setTimeout(this.onSweep, Math.max(1, Math.ceil(delayMs)));
  }

  /** Forgets clients idle for `clientIdleTimeoutMs`, then re-arms for the next one that may be. */
  private readonly onSweep = (): void => {
    this.sweepArmed = false;
    if (this.closing !== undefined) return;
    const now = this.clock.now();
    let nextExpiry = Number.POSITIVE_INFINITY;
    for (const client of this.clients.values()) {
      // A client with deliveries in flight is active: each delivery refreshes `lastActiveAt`.
      const expiresAt =
        client.inFlight > 0 ? now + this.idleTimeoutMs : client.lastActiveAt + this.idleTimeoutMs;
      if (expiresAt <= now) this.evict(client);
      else nextExpiry = Math.min(nextExpiry, expiresAt);
    }
    if (nextExpiry !== Number.POSITIVE_INFINITY) this.armSweep(nextExpiry - now);
  };

  private evict(client: ProxyClient): void {
    client.evicted = true;
    this.clients.delete(client.key);
    this.stats.clientsEvicted++;
    const closing = closeSocket(client.socket);
    this.evictions.add(closing);
    void closing.then(() => this.evictions.delete(closing));
  }

  /** Sends everything that is due and arms one timer for the next due delivery. */
  private flush(): void {
    const now = this.clock.now();
    for (let d = this.queue.popDue(now); d !== undefined; d = this.queue.popDue(now)) {
      d.client.inFlight--;
      d.client.lastActiveAt = now;
      d.direction.forwarded++;
      d.direction.bytesForwarded += d.data.byteLength;
      d.socket.send(d.data, d.to.port, d.to.address, this.afterSend);
    }
    const next = this.queue.peekTime();
    if (next === undefined || this.closing !== undefined) return;
    if (this.timerArmed && this.timerAt <= next) return;
    this.disarm();
    this.timerAt = next;
    this.timerArmed = true;
    // Everything due at `now` was sent above, so `next > now` and the delay is at least 1 ms.
    this.timer = this.timers.setTimeout(this.onTimer, Math.max(1, Math.ceil(next - now)));
  }

  private readonly onTimer = (): void => {
    this.timerArmed = false;
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.flush();
  };

  private disarm(): void {
    if (this.timerArmed) this.timers.clearTimeout(this.timer);
    this.timerArmed = false;
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private readonly afterSend = (err: Error | null): void => {
    if (err) this.onSocketError(err);
  };

  private onSocketError(err: Error): void {
    this.stats.socketErrors++;
    this.logger.warn({ err }, 'lossy udp proxy socket error');
  }
}

const DEFAULT_CLIENT_IDLE_TIMEOUT_MS = 30_000;

function validateConditions(conditions: ProxyConditions): Required<ProxyConditions> {
  if (conditions === null || typeof conditions !== 'object')
    throw new InvalidOptionError('conditions', 'must be an object');
  return {
    upstream: normalizeConditions(conditions.upstream ?? {}),
    downstream: normalizeConditions(conditions.downstream ?? {}),
  };
}
