import { EventEmitter } from 'node:events';
import { type Clock, InvalidArgumentError, InvalidStateError } from '../core/index.js';
import { ByteSlab } from './byte-slab.js';
import { type ChannelCounters, createChannelCounters, type MessageKind } from './channel-counters.js';
import type { ChannelObserver } from './channel-observer.js';
import {
  type ReliableUdpChannelOptions,
  type ResolvedChannelOptions,
  resolveChannelOptions,
} from './channel-options.js';
import { MessageTooLargeError, SendQueueFullError } from './errors.js';
import {
  type Entry,
  EntryKind,
  type EntryKindValue,
  entrySize,
  readEntries,
  writeEntry,
} from './message-codec.js';
import { PacketAcks } from './packet-acks.js';
import {
  MAX_HEADER_BYTES,
  type PacketHeader,
  PacketType,
  readPacketHeader,
  writePacketHeader,
} from './packet-header.js';
import { PayloadPool, type PooledSlab } from './payload-pool.js';
import { PIECE_OVERHEAD, ReliableReceiveBuffer, type UnitCheck } from './reliable-receive-buffer.js';
import { ReliableSendBuffer } from './reliable-send-buffer.js';
import { RttEstimator } from './rtt-estimator.js';
import { sequenceGreaterThan } from './sequence.js';

/**
 * Sizes of a channel's internal structures against their fixed caps.
 * @internal
 */
export interface ChannelBufferUsage {
  sendQueue: number;
  sendQueueCapacity: number;
  unreliableQueue: number;
  receiveWindowSlots: number;
  receiveWindowCapacity: number;
  receiveBufferedBytes: number;
  receiveBufferedPieces: number;
  /** `maxReceiveBufferBytes`: the cap on held bytes plus the overhead of held arrays. */
  receiveBufferCapacity: number;
  /** Part of the capacity kept for the message next in order. */
  receiveReserveBytes: number;
  sentPacketsTracked: number;
  receivedPacketsTracked: number;
  packetBufferCapacity: number;
}

/** Events of {@link ReliableUdpChannel}. */
export interface ReliableUdpChannelEvents {
  /**
   * A message arrived: reliable ones exactly once and in order. The payload is the caller's to
   * keep; it may share an ArrayBuffer with other payloads (mind its `byteOffset`), never bytes.
   */
  message: [payload: Uint8Array, kind: MessageKind];
  /** A reliable message hit the give-up limit; the channel stops sending. */
  timeout: [];
}

/** Send an ack-only packet from `receive()` once this many data packets await an ack. */
const ACK_EVERY_PACKETS = 16;
/**
 * Slab size and largest pooled copy for message payloads. An ArrayBuffer costs about the same to
 * allocate at 1 KiB as at 64 KiB, so larger slabs are cheaper per message; what one kept
 * payload can pin is bounded by the slab size.
 */
const MESSAGE_SLAB_BYTES = 16_384;
const MESSAGE_SLAB_MAX = 1024;
/** Queued payload copies are recycled: at most 4 spare slabs kept. */
const SEND_SLAB_BYTES = 16_384;
const SEND_SPARE_SLABS = 4;
/** Packet slabs hold at least 4 packets. Larger slabs measured no faster. */
const PACKET_SLAB_BYTES = 16_384;

/**
 * A reliability layer over an unreliable datagram link, in pure logic: it is handed a `send`
 * function, fed received packets with `receive`, and advanced with `update` on an injected clock.
 * It never touches a socket.
 *
 * Three kinds of message share each packet: reliable-ordered (exactly once, in order;
 * fragmented above one packet, up to `maxMessageSize`), unreliable-sequenced (older than the
 * newest delivered is dropped) and unreliable. Every data packet carries a 16-bit sequence and
 * an ack with a 32-bit bitfield (redundant acks); reliable messages are retransmitted, by
 * message or fragment, when the packets that carried them go unacknowledged for an RTO derived
 * from the smoothed RTT (RFC 6298) with exponential backoff. All buffers are fixed-size. The wire
 * format is specified in `docs/protocol.md`.
 *
 * @example
 * ```ts
 * const channel = new ReliableUdpChannel({ clock, send: (p) => transport.send(p, peer) });
 * channel.on('message', (payload, kind) => handle(payload, kind));
 * transport.onDatagram((data) => channel.receive(data));
 * channel.send(new TextEncoder().encode('hello'));
 * setInterval(() => channel.update(), 16);
 * ```
 */
export class ReliableUdpChannel extends EventEmitter<ReliableUdpChannelEvents> {
  private readonly sendPacket: (packet: Uint8Array) => void;
  private readonly clock: Clock;
  private readonly observer: ChannelObserver | undefined;
  private readonly opts: ResolvedChannelOptions;
  private readonly stats = createChannelCounters();
  private readonly rtt: RttEstimator;
  private timedOut = false;
  private readonly packets: PacketAcks;
  private acksOwed = 0;
  private sentThisUpdate = false;
  /** The clock reading of the current `update()` (packets are only built there). */
  private updateNow = 0;

  private readonly sendBuffer: ReliableSendBuffer;
  private readonly receiveBuffer: ReliableReceiveBuffer;
  private readonly unreliableQueue: {
    kind: EntryKindValue;
    payload: Uint8Array;
    slab: PooledSlab | undefined;
    id: number;
  }[] = [];
  private nextSequencedId = 0;
  private lastSequencedId = -1;

  /** Copies of queued payloads, reused once sent (unreliable) or acknowledged (reliable). */
  private readonly sendPool = new PayloadPool(SEND_SLAB_BYTES, MESSAGE_SLAB_MAX, SEND_SPARE_SLABS);
  /** Copies of delivered payloads (the caller's to keep: never reused). */
  private readonly receiveSlab = new ByteSlab(MESSAGE_SLAB_BYTES, MESSAGE_SLAB_MAX);
  /** Outgoing packets are written in place here and handed out as views. */
  private readonly packetSlab: ByteSlab;
  /** The packet being built: `packetSlab.buffer[packetStart, pos)`, headroom first; none when !building. */
  private building = false;
  private packetStart = 0;
  private packetEnd = 0;
  private pos = 0;
  private headerBytes = 0;
  private readonly units: number[] = [];
  private unitCount = 0;
  /** Every reliable id below this has had all its units sent at least once. */
  private sendCursor = 0;
  /** No retransmission can be due before this time (units sent at `t` are due at `t + minRtoMs` at the earliest). */
  private retransmitCheckAt = Number.POSITIVE_INFINITY;
  private ack = 0;
  private ackBits = 0;
  private readonly header: PacketHeader = { type: PacketType.Data, sequence: 0, ack: 0, ackBits: 0 };
  private readonly entries: Entry[] = [];
  private readonly verdicts: UnitCheck[] = [];

  /** @param options - the send function, clock and limits (validated; throws `InvalidOptionError`). */
  constructor(options: ReliableUdpChannelOptions) {
    super();
    this.opts = resolveChannelOptions(options);
    this.sendPacket = options.send;
    this.clock = options.clock;
    this.observer = options.observer;
    this.rtt = new RttEstimator(this.opts.initialRtoMs, this.opts.minRtoMs, this.opts.maxRtoMs);
    this.sendBuffer = new ReliableSendBuffer(this.opts.sendQueueSize, this.sendPool);
    this.packets = new PacketAcks(this.opts.packetBufferSize, this.stats, this.rtt, this.observer, (unit) =>
      this.sendBuffer.ack(Math.floor(unit / 65536), unit % 65536),
    );
    this.receiveBuffer = new ReliableReceiveBuffer(
      this.opts.windowSize,
      this.opts.maxMessageSize,
      this.opts.maxReceiveBufferBytes,
      this.opts.receiveReserveBytes,
      this.receiveSlab,
    );
    const packetBytes = this.opts.headroom + this.opts.maxPacketSize;
    this.packetSlab = new ByteSlab(Math.max(PACKET_SLAB_BYTES, 4 * packetBytes), 0);
  }

  /** Counters since creation (a live, read-only view of plain numbers). */
  get counters(): Readonly<ChannelCounters> {
    return this.stats;
  }

  /** Smoothed round-trip time in milliseconds (0 before the first sample). */
  get rttMs(): number {
    return this.rtt.srtt;
  }

  /** Current retransmission timeout in milliseconds (before per-message backoff). */
  get rtoMs(): number {
    return this.rtt.rto;
  }

  /**
   * Estimated fraction of data packets lost, 0..1: a moving average over packets sent at least
   * two RTOs ago, by whether they were ever acknowledged.
   */
  get packetLoss(): number {
    return this.packets.loss;
  }

  /** Whether the give-up limit was hit; the channel no longer sends. */
  get isTimedOut(): boolean {
    return this.timedOut;
  }

  /**
   * Largest payload accepted by `send` for a kind: `maxMessageSize` for reliable messages, what
   * fits in one packet for the others.
   * @param kind - the message kind.
   */
  maxMessageSize(kind: MessageKind): number {
    return kind === 'reliable'
      ? this.opts.maxMessageSize
      : kind === 'sequenced'
        ? this.opts.maxSequencedSize
        : this.opts.maxUnreliableSize;
  }

  /**
   * How many more messages of a kind `send` accepts right now.
   * @param kind - the message kind (default `'reliable'`).
   */
  sendQueueFree(kind: MessageKind = 'reliable'): number {
    return kind === 'reliable'
      ? this.opts.sendQueueSize - this.sendBuffer.length
      : this.opts.unreliableQueueSize - this.unreliableQueue.length;
  }

  /**
   * Queues a message for the next `update()`. The payload is copied (the caller may reuse it).
   * @param payload - the message bytes.
   * @param kind - delivery guarantee (default `'reliable'`).
   * @throws MessageTooLargeError - over {@link ReliableUdpChannel.maxMessageSize} for its kind.
   * @throws SendQueueFullError - the queue for its kind is full.
   * @throws InvalidStateError - the channel has timed out.
   * @throws InvalidArgumentError - `payload` is not a `Uint8Array`.
   */
  send(payload: Uint8Array, kind: MessageKind = 'reliable'): void {
    if (this.timedOut) throw new InvalidStateError('send on a ReliableUdpChannel that has timed out');
    if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError('payload', 'must be a Uint8Array');
    const limit = this.maxMessageSize(kind);
    if (payload.length > limit) {
      this.stats.sendTooLarge++;
      throw new MessageTooLargeError(kind, payload.length, limit);
    }
    if (this.sendQueueFree(kind) <= 0) {
      this.stats.sendQueueFull++;
      throw new SendQueueFullError(
        kind,
        kind === 'reliable' ? this.opts.sendQueueSize : this.opts.unreliableQueueSize,
      );
    }
    const copy = this.sendPool.copy(payload);
    const slab = this.sendPool.lastSlab;
    if (kind === 'reliable') {
      const fragments =
        copy.length <= this.opts.maxWholeSize ? 1 : Math.ceil(copy.length / this.opts.fragmentSize);
      this.sendBuffer.push(copy, slab, fragments);
      this.stats.reliableSent++;
    } else if (kind === 'sequenced') {
      this.unreliableQueue.push({ kind: EntryKind.Sequenced, payload: copy, slab, id: this.nextSequencedId });
      this.nextSequencedId = (this.nextSequencedId + 1) & 0xffff;
      this.stats.sequencedSent++;
    } else {
      this.unreliableQueue.push({ kind: EntryKind.Unreliable, payload: copy, slab, id: 0 });
      this.stats.unreliableSent++;
    }
  }

  /**
   * Packs queued messages and due retransmissions into as few packets as fit and sends them;
   * sends an ack-only packet when acks are owed and nothing else went out; raises `timeout` when
   * a reliable message exceeds `maxRetries`.
   */
  update(): void {
    if (this.timedOut) return;
    this.sentThisUpdate = false;
    const now = this.clock.now();
    this.updateNow = now;
    const acks = this.packets.acks();
    this.ack = acks.ack;
    this.ackBits = acks.ackBits;
    for (const m of this.unreliableQueue) {
      this.addEntry(m.kind, m.payload, m.id, 0, 0, -1);
      if (m.slab !== undefined) this.sendPool.release(m.slab);
    }
    this.unreliableQueue.length = 0;

    const window = this.sendBuffer;
    const end = Math.min(window.next, window.oldest + this.opts.windowSize);
    const budget = this.stats.packetsSent + this.opts.maxPacketsPerUpdate;
    if (this.sendCursor < window.oldest) this.sendCursor = window.oldest;
    // Messages already sent are only visited when a retransmission may be due: with a window of
    // 1024 in flight, scanning them on every update cost more than sending.
    const fullScan = now >= this.retransmitCheckAt;
    let earliestSent = Number.POSITIVE_INFINITY;
    let cut = false;
    for (let id = fullScan ? window.oldest : this.sendCursor; id < end; id++) {
      if (this.stats.packetsSent >= budget) {
        cut = true;
        break;
      }
      const m = window.get(id);
      if (!m) {
        if (id === this.sendCursor) this.sendCursor = id + 1;
        continue;
      }
      let f = 0;
      for (; f < m.fragmentCount; f++) {
        if (this.stats.packetsSent >= budget) break;
        if (m.acked[f] === 1) continue;
        const sends = m.sends[f]!;
        if (sends > 0) {
          if (now - m.lastSent[f]! < this.rtt.backoff(sends)) {
            if (m.lastSent[f]! < earliestSent) earliestSent = m.lastSent[f]!;
            continue;
          }
          if (sends > this.opts.maxRetries) {
            this.flush(now);
            this.giveUp();
            return;
          }
          this.stats.retries++;
          this.observer?.retry?.();
        }
        if (now < earliestSent) earliestSent = now;
        m.sends[f] = sends + 1;
        m.lastSent[f] = now;
        const unit = id * 65536 + f;
        if (m.fragmentCount === 1) {
          this.addEntry(EntryKind.Reliable, m.payload, id & 0xffff, 0, 0, unit);
        } else {
          const start = f * this.opts.fragmentSize;
          const part = m.payload.subarray(start, Math.min(start + this.opts.fragmentSize, m.payload.length));
          this.addEntry(EntryKind.Fragment, part, id & 0xffff, f, m.fragmentCount, unit);
          this.stats.fragmentsSent++;
        }
      }
      if (f < m.fragmentCount) {
        cut = true;
        break;
      }
      if (id === this.sendCursor) this.sendCursor = id + 1;
    }
    if (fullScan) {
      // Stopped early by the budget: what was not visited is unknown, so look again next time.
      this.retransmitCheckAt = cut ? now : earliestSent + this.opts.minRtoMs;
    } else if (earliestSent < Number.POSITIVE_INFINITY) {
      this.retransmitCheckAt = Math.min(this.retransmitCheckAt, earliestSent + this.opts.minRtoMs);
    }
    this.flush(now);
    if (!this.sentThisUpdate && this.acksOwed > 0) this.sendAck();
    for (const base of this.packets.takeLateAcks()) this.sendAck(base);
    this.packets.settle(now, 2 * this.rtt.rto);
  }

  /**
   * Processes one packet from the peer. Never throws on bad bytes: malformed, stale and
   * duplicate packets are counted and dropped. Emits `message` for what it delivers.
   * @param packet - the datagram payload addressed to this channel.
   */
  receive(packet: Uint8Array): void {
    const h = this.header;
    const headerLength = readPacketHeader(packet, h);
    if (headerLength < 0 || !this.packets.isPlausible(h.ack, h.ackBits)) {
      this.dropMalformed();
      return;
    }
    if (h.type === PacketType.Ack) {
      if (headerLength !== packet.length) {
        this.dropMalformed();
        return;
      }
      this.accept(packet.length);
      this.packets.process(h.ack, h.ackBits, this.clock.now());
      return;
    }
    const count = readEntries(packet, headerLength, this.entries);
    if (count < 0) {
      this.dropMalformed();
      return;
    }
    const status = this.packets.classify(h.sequence);
    if (status === 'stale') {
      this.stats.stalePacketsDropped++;
      this.observer?.packetDropped?.('stale');
      return;
    }
    if (status === 'duplicate') {
      this.stats.duplicatePacketsDropped++;
      this.observer?.duplicateDropped?.();
      this.oweAck();
      return;
    }
    // Reliable data that does not fit the receive buffers is skipped and the packet left
    // unacknowledged (so all of it is resent); what fits is kept. Room for the largest message is
    // kept for the one next in order, so the channel cannot stall.
    let pending = 0;
    let nextInOrder = this.receiveBuffer.expected;
    let complete = true;
    const verdicts = this.verdicts;
    for (let i = 0; i < count; i++) {
      const e = this.entries[i]!;
      if (e.kind !== EntryKind.Reliable && e.kind !== EntryKind.Fragment) continue;
      const verdict = this.receiveBuffer.check(e, pending, nextInOrder);
      verdicts[i] = verdict;
      if (verdict === 'malformed') {
        this.dropMalformed();
        return;
      }
      if (verdict === 'overflow') complete = false;
      if (verdict === 'new') {
        pending += e.end - e.start + PIECE_OVERHEAD;
        if (e.kind === EntryKind.Reliable && this.receiveBuffer.resolve(e.id) === nextInOrder) nextInOrder++;
      }
    }
    if (!complete) this.stats.receiveBufferOverflows++;
    this.packets.recordReceived(h.sequence, complete);
    this.accept(packet.length);
    this.packets.process(h.ack, h.ackBits, this.clock.now());
    // Allocated only for packets that carry unreliable or sequenced messages.
    let deliveries: [Uint8Array, MessageKind][] | undefined;
    for (let i = 0; i < count; i++) {
      const e = this.entries[i]!;
      if (e.kind === EntryKind.Unreliable) {
        deliveries ??= [];
        deliveries.push([this.delivered(packet, e), 'unreliable']);
        this.stats.unreliableReceived++;
      } else if (e.kind === EntryKind.Sequenced) {
        if (this.lastSequencedId >= 0 && !sequenceGreaterThan(e.id, this.lastSequencedId)) {
          this.stats.staleMessagesDropped++;
          continue;
        }
        this.lastSequencedId = e.id;
        deliveries ??= [];
        deliveries.push([this.delivered(packet, e), 'sequenced']);
        this.stats.sequencedReceived++;
      } else if (verdicts[i] === 'overflow') {
        // skipped: the packet is not acknowledged, so the sender resends it
      } else if (this.receiveBuffer.store(e, packet, this.opts.adoptReceivedPackets)) {
        if (e.kind === EntryKind.Fragment) this.stats.fragmentsReceived++;
      } else {
        this.stats.duplicateMessagesDropped++;
        this.observer?.duplicateDropped?.();
      }
    }
    this.oweAck();
    try {
      if (deliveries !== undefined)
        for (const [payload, kind] of deliveries) this.emit('message', payload, kind);
      for (let m = this.receiveBuffer.takeNext(); m !== undefined; m = this.receiveBuffer.takeNext()) {
        this.stats.reliableReceived++;
        this.emit('message', m, 'reliable');
      }
    } finally {
      // A throwing listener stopped the loop: what it did not deliver stays, as copies of its own.
      this.receiveBuffer.detachReady();
    }
  }

  /**
   * Sizes of the internal structures, for tests that check memory stays bounded.
   * @internal
   */
  bufferUsage(): ChannelBufferUsage {
    return {
      sendQueue: this.sendBuffer.length,
      sendQueueCapacity: this.opts.sendQueueSize,
      unreliableQueue: this.unreliableQueue.length,
      receiveWindowSlots: this.receiveBuffer.occupied(),
      receiveWindowCapacity: this.opts.windowSize,
      receiveBufferedBytes: this.receiveBuffer.bufferedBytes,
      receiveBufferedPieces: this.receiveBuffer.pieces,
      receiveBufferCapacity: this.opts.maxReceiveBufferBytes,
      receiveReserveBytes: this.opts.receiveReserveBytes,
      sentPacketsTracked: this.packets.sent.occupied(),
      receivedPacketsTracked: this.packets.received.occupied(),
      packetBufferCapacity: this.opts.packetBufferSize,
    };
  }

  /** Adds an entry to the packet being built, sending the current one first if it is full. */
  private addEntry(
    kind: EntryKindValue,
    payload: Uint8Array,
    a: number,
    b: number,
    c: number,
    unit: number,
  ): void {
    const size = entrySize(kind, payload.length);
    if (this.building && this.pos + size > this.packetEnd) this.flush(this.updateNow);
    if (!this.building) {
      // Written in place in the packet slab: the packet handed to `send` is a view, no copy.
      const slab = this.packetSlab;
      const headroom = this.opts.headroom;
      slab.reserve(headroom + this.opts.maxPacketSize);
      for (let i = 0; i < headroom; i++) slab.buffer[slab.offset + i] = 0;
      this.building = true;
      this.packetStart = slab.offset;
      this.packetEnd = slab.offset + headroom + this.opts.maxPacketSize;
      this.headerBytes = writePacketHeader(
        slab.buffer,
        slab.offset + headroom,
        PacketType.Data,
        this.packets.sequence,
        this.ack,
        this.ackBits,
      );
      this.pos = slab.offset + headroom + this.headerBytes;
    }
    this.pos = writeEntry(this.packetSlab.buffer, this.pos, kind, payload, a, b, c);
    if (unit >= 0) this.units[this.unitCount++] = unit;
  }

  /** Sends the packet being built, if any; returns whether one was sent. */
  private flush(now: number): boolean {
    if (!this.building) return false;
    this.packets.recordSent(now, this.units, this.unitCount);
    this.unitCount = 0;
    this.building = false;
    const packet = this.packetSlab.take(this.pos - this.packetStart);
    this.stats.headerBytesSent += this.headerBytes;
    this.sentThisUpdate = true;
    this.transmit(packet);
    return true;
  }

  private sendAck(base?: number): void {
    const acks = this.packets.acks(base);
    const slab = this.packetSlab;
    const headroom = this.opts.headroom;
    slab.reserve(headroom + MAX_HEADER_BYTES);
    for (let i = 0; i < headroom; i++) slab.buffer[slab.offset + i] = 0;
    const n = writePacketHeader(
      slab.buffer,
      slab.offset + headroom,
      PacketType.Ack,
      0,
      acks.ack,
      acks.ackBits,
    );
    this.stats.ackPacketsSent++;
    this.stats.headerBytesSent += n;
    this.transmit(slab.take(headroom + n));
  }

  /** Hands a packet (headroom included) to `send`; counters exclude the headroom. */
  private transmit(packet: Uint8Array): void {
    const bytes = packet.length - this.opts.headroom;
    this.acksOwed = 0;
    this.stats.packetsSent++;
    this.stats.bytesSent += bytes;
    this.observer?.packetSent?.(bytes);
    this.sendPacket(packet);
  }

  /** An entry's payload to deliver now: a view when the packet is adopted, else a copy. */
  private delivered(packet: Uint8Array, e: Entry): Uint8Array {
    return this.opts.adoptReceivedPackets
      ? packet.subarray(e.start, e.end)
      : this.receiveSlab.copy(packet, e.start, e.end);
  }

  private oweAck(): void {
    this.acksOwed++;
    // A burst of more packets than the 32-bit ack field covers would otherwise go unacknowledged.
    if (this.acksOwed >= ACK_EVERY_PACKETS && !this.building && !this.timedOut) this.sendAck();
  }

  private accept(bytes: number): void {
    this.stats.packetsReceived++;
    this.stats.bytesReceived += bytes;
    this.observer?.packetReceived?.(bytes);
  }

  private dropMalformed(): void {
    this.stats.malformedPacketsDropped++;
    this.observer?.packetDropped?.('malformed');
  }

  private giveUp(): void {
    this.timedOut = true;
    this.stats.timeouts++;
    this.observer?.timeout?.();
    this.emit('timeout');
  }
}
