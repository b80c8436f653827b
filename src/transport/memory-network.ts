import { type Clock, InvalidOptionError, InvalidStateError, type RandomSource } from '../core/index.js';
import {
  addressKey,
  type DatagramHandler,
  type DatagramTransport,
  type PeerAddress,
} from './datagram-transport.js';
import { DeliveryQueue } from './delivery-queue.js';
import { PacketTooLargeError } from './errors.js';
import {
  LinkConditioner,
  type LinkConditions,
  type LinkCounters,
  normalizeConditions,
} from './link-conditioner.js';

/** Options of {@link MemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** The time source; deliveries happen when `pump()` is called at or after their time. */
  clock: Clock;
  /** The source of chance for every link (seed it for reproducible runs). */
  random: RandomSource;
  /** Conditions of every link not configured with `setLink` (default: a perfect link). */
  defaultConditions?: LinkConditions;
}

/** Options of {@link MemoryNetwork.createEndpoint}. */
export interface MemoryEndpointOptions {
  /** Largest datagram this endpoint sends or accepts, in bytes (default 1200). */
  maxDatagramSize?: number;
}

/** What a {@link MemoryNetwork} has done so far. Plain numbers. */
export interface MemoryNetworkCounters {
  /** Datagrams accepted by an endpoint's `send`. */
  sent: number;
  /** Datagrams handed to a receiving endpoint's handler. */
  delivered: number;
  /** Datagrams lost on a link (loss or bandwidth queue); details per link in `linkCounters`. */
  droppedByLink: number;
  /** Datagrams that arrived where no open endpoint was bound (or no handler was set). */
  droppedNoRoute: number;
  /** Datagrams dropped on arrival for exceeding the receiver's `maxDatagramSize`. */
  droppedOversized: number;
}

const DEFAULT_MAX_DATAGRAM_SIZE = 1200;
const FIRST_AUTO_PORT = 40_000;

interface InFlight {
  readonly deliverAt: number;
  /** Send order: datagrams sent during a `pump()` wait for the next one. */
  readonly order: number;
  readonly data: Uint8Array;
  readonly from: PeerAddress;
  readonly toKey: string;
}

/**
 * A deterministic in-memory network for tests and simulations. Endpoints implement
 * {@link DatagramTransport}, so the connection layer runs on it unchanged. Each directed link
 * applies its own {@link LinkConditions} (loss, duplication, latency, jitter, reordering,
 * bandwidth) through a {@link LinkConditioner}. Nothing happens on its own: `pump()` delivers
 * every datagram that is due at `clock.now()`, in (arrival time, send order) order. The same seed
 * and the same sequence of calls always give the same run.
 */
export class MemoryNetwork {
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private defaultConditions: LinkConditions;
  private readonly endpoints = new Map<string, MemoryEndpoint>();
  private readonly links = new Map<string, LinkConditioner>();
  private readonly queue = new DeliveryQueue<InFlight>();
  private order = 0;
  private nextPort = FIRST_AUTO_PORT;
  private readonly stats: MemoryNetworkCounters = {
    sent: 0,
    delivered: 0,
    droppedByLink: 0,
    droppedNoRoute: 0,
    droppedOversized: 0,
  };

  /** @param options - clock, random source and default link conditions. */
  constructor(options: MemoryNetworkOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'required');
    if (!options.clock || typeof options.clock.now !== 'function')
      throw new InvalidOptionError('clock', 'must be a Clock');
    if (!options.random || typeof options.random.next !== 'function')
      throw new InvalidOptionError('random', 'must be a RandomSource');
    this.clock = options.clock;
    this.random = options.random;
    // Validated eagerly so a bad default fails in the constructor, not on the first send.
    this.defaultConditions = normalizeConditions(options.defaultConditions ?? {});
  }

  /** Network-wide counters (a live, read-only view). */
  get counters(): Readonly<MemoryNetworkCounters> {
    return this.stats;
  }

  /** Datagrams in flight (scheduled, not yet delivered). */
  get inFlight(): number {
    return this.queue.size;
  }

  /**
   * Binds a new endpoint.
   * @param address - a full address, or a host name to which the next free simulated port
   *   (from 40000 up) is given.
   * @param options - per-endpoint limits.
   * @returns a {@link DatagramTransport} on this network.
   */
  createEndpoint(address: PeerAddress | string, options: MemoryEndpointOptions = {}): DatagramTransport {
    const local: PeerAddress =
      typeof address === 'string'
        ? { address, port: this.nextPort++ }
        : { address: address.address, port: address.port };
    if (typeof local.address !== 'string' || local.address === '')
      throw new InvalidOptionError('address', 'must be a non-empty string');
    if (!Number.isInteger(local.port) || local.port < 0 || local.port > 65_535)
      throw new InvalidOptionError('address', `port must be an integer in [0, 65535], got ${local.port}`);
    const maxDatagramSize = options.maxDatagramSize ?? DEFAULT_MAX_DATAGRAM_SIZE;
    if (!Number.isInteger(maxDatagramSize) || maxDatagramSize < 1 || maxDatagramSize > 65_507)
      throw new InvalidOptionError(
        'maxDatagramSize',
        `must be an integer in [1, 65507], got ${maxDatagramSize}`,
      );
    const key = addressKey(local);
    if (this.endpoints.has(key)) throw new InvalidOptionError('address', `${key} is already bound`);
    const endpoint = new MemoryEndpoint(this, local, key, maxDatagramSize);
    this.endpoints.set(key, endpoint);
    return endpoint;
  }

  /**
   * Sets the conditions of the directed link `from` -> `to` (the other direction is separate).
   * @param from - sender address.
   * @param to - receiver address.
   * @param conditions - the link's conditions (validated; throws `InvalidOptionError`).
   */
  setLink(from: PeerAddress, to: PeerAddress, conditions: LinkConditions): void {
    this.link(addressKey(from), addressKey(to)).setConditions(conditions);
  }

  /**
   * Sets the conditions of every link, present and future, that `setLink` has not configured.
   * @param conditions - the new default conditions.
   */
  setDefaultConditions(conditions: LinkConditions): void {
    this.defaultConditions = normalizeConditions(conditions);
    for (const link of this.links.values())
      if (!this.custom.has(link)) link.setConditions(this.defaultConditions);
  }

  /**
   * Counters of the directed link `from` -> `to`.
   * @param from - sender address.
   * @param to - receiver address.
   */
  linkCounters(from: PeerAddress, to: PeerAddress): Readonly<LinkCounters> {
    return this.link(addressKey(from), addressKey(to), false).counters;
  }

  /**
   * Delivers every datagram due at `clock.now()` (arrival time <= now), earliest first, ties in
   * send order. Datagrams sent by handlers during this call are scheduled but wait for the next
   * `pump()`, so zero-latency echo loops cannot spin forever.
   * @returns how many datagrams were delivered.
   */
  pump(): number {
    const now = this.clock.now();
    const limit = this.order;
    let delivered = 0;
    for (let head = this.queue.popDue(now); head !== undefined; head = this.queue.popDue(now)) {
      if (head.order >= limit) {
        // Sent by a handler during this pump: it waits for the next one.
        this.deferred.push(head);
        continue;
      }
      const endpoint = this.endpoints.get(head.toKey);
      if (!endpoint?.handler) {
        this.stats.droppedNoRoute++;
        continue;
      }
      if (head.data.length > endpoint.maxDatagramSize) {
        this.stats.droppedOversized++;
        continue;
      }
      this.stats.delivered++;
      delivered++;
      endpoint.handler(head.data, head.from);
    }
    for (const item of this.deferred) this.queue.push(item.deliverAt, item);
    this.deferred.length = 0;
    return delivered;
  }

  /** Arrival time of the earliest datagram in flight, or `undefined` when none is. */
  nextDeliveryAt(): number | undefined {
    return this.queue.peekTime();
  }

  private readonly deferred: InFlight[] = [];
  private readonly custom = new WeakSet<LinkConditioner>();

  private link(fromKey: string, toKey: string, custom = true): LinkConditioner {
    const key = `${fromKey}>${toKey}`;
    let link = this.links.get(key);
    if (!link) {
      link = new LinkConditioner({ conditions: this.defaultConditions, random: this.random });
      this.links.set(key, link);
    }
    if (custom) this.custom.add(link);
    return link;
  }

  /** @internal Called by an endpoint's `send`. */
  transmit(from: MemoryEndpoint, data: Uint8Array, to: PeerAddress): void {
    this.stats.sent++;
    const toKey = addressKey(to);
    const copy = data.slice();
    const deliveries = this.link(from.key, toKey, false).submit(copy, this.clock.now());
    if (deliveries.length === 0) this.stats.droppedByLink++;
    for (const d of deliveries) {
      this.queue.push(d.deliverAt, {
        deliverAt: d.deliverAt,
        order: this.order++,
        data: d.data,
        from: from.localAddress,
        toKey,
      });
    }
  }

  /** @internal Called by an endpoint's `close`. */
  unbind(endpoint: MemoryEndpoint): void {
    if (this.endpoints.get(endpoint.key) === endpoint) this.endpoints.delete(endpoint.key);
  }
}

/** One endpoint of a {@link MemoryNetwork}. */
class MemoryEndpoint implements DatagramTransport {
  handler: DatagramHandler | undefined;
  private closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    readonly localAddress: PeerAddress,
    readonly key: string,
    readonly maxDatagramSize: number,
  ) {}

  send(data: Uint8Array, to: PeerAddress): void {
    if (this.closed) throw new InvalidStateError(`send on closed endpoint ${this.key}`);
    if (data.length > this.maxDatagramSize) throw new PacketTooLargeError(data.length, this.maxDatagramSize);
    this.network.transmit(this, data, to);
  }

  onDatagram(handler: DatagramHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.handler = undefined;
      this.network.unbind(this);
    }
    return Promise.resolve();
  }
}
