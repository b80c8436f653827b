import { type Clock, InvalidOptionError } from '../core/index.js';
import type { ChannelObserver } from './channel-observer.js';
import { EntryKind, maxEntryOverhead } from './message-codec.js';
import { MAX_HEADER_BYTES } from './packet-header.js';
import { largestMessageCost } from './reliable-receive-buffer.js';

/** Options of {@link ReliableUdpChannel}. Limits are in bytes, messages or milliseconds. */
export interface ReliableUdpChannelOptions {
  /**
   * Called synchronously with each outgoing packet, from `update()` and, when many packets arrive
   * between updates, from `receive()` (ack-only packets). The packet is a fresh view the callee
   * may keep: no other packet or message uses its bytes, though it may share an ArrayBuffer with
   * them (mind its `byteOffset`). Its first `headroom` bytes are the callee's to fill.
   */
  send: (packet: Uint8Array) => void;
  /**
   * Bytes left free at the front of every outgoing packet for the owner's own framing (default 0,
   * at most 64), so that it can write them in place instead of copying the packet. They are not
   * counted in `maxPacketSize` or in the byte counters.
   */
  headroom?: number;
  /**
   * The caller hands each packet it passes to `receive` over to the channel and never writes to
   * it again (true of `UdpTransport`'s datagrams, which are fresh buffers). Messages delivered at
   * once are then views into the packet instead of copies. Default false: everything delivered
   * is copied. Data held for later delivery is always copied.
   */
  adoptReceivedPackets?: boolean;
  /** Time source in milliseconds. */
  clock: Clock;
  /** Optional stats hooks (metrics). */
  observer?: ChannelObserver;
  /** Bytes the channel may put in one packet, header included (default 1200, minimum 32). */
  maxPacketSize?: number;
  /** Largest reliable message, reassembled from fragments (default 262,144 = 256 KiB). */
  maxMessageSize?: number;
  /**
   * Reliable messages in flight (sent, not all acknowledged) and the receiver's reorder window;
   * both peers must use the same value (default 1024, at most 16,384).
   */
  windowSize?: number;
  /** Reliable messages queued or in flight before `send` throws `SendQueueFullError` (default 4096, >= windowSize). */
  sendQueueSize?: number;
  /** Sequenced plus unreliable messages queued between two `update()` calls (default 256). */
  unreliableQueueSize?: number;
  /**
   * Bytes the receiver may hold for reliable messages not yet delivered: early (out-of-order)
   * messages, fragments, and the message next in order, each held array charged its bytes plus a
   * fixed overhead (256). Part of it, the cost of one largest message (`maxMessageSize` plus the
   * overhead of its fragments), is kept for the message next in order, so it must be at least
   * that. Default: 1 MiB, or twice that cost if larger.
   */
  maxReceiveBufferBytes?: number;
  /** Sent and received packets tracked for acks and duplicate detection, a power of two >= 32 (default 1024). */
  packetBufferSize?: number;
  /** RTO before the first RTT sample (default 1000 ms, RFC 6298). */
  initialRtoMs?: number;
  /** Lower bound of the RTO (default 100 ms). */
  minRtoMs?: number;
  /** Upper bound of the RTO, backoff included (default 2000 ms). */
  maxRtoMs?: number;
  /**
   * Data packets one `update()` may send for reliable messages (pacing: a window opening all at
   * once would otherwise burst further than the peer's ack and duplicate windows reach). Default 64.
   */
  maxPacketsPerUpdate?: number;
  /** Retransmissions of one message or fragment before the channel gives up with `timeout` (default 16). */
  maxRetries?: number;
}

/** Options with defaults applied and derived sizes. @internal */
export interface ResolvedChannelOptions {
  maxPacketSize: number;
  headroom: number;
  adoptReceivedPackets: boolean;
  maxMessageSize: number;
  windowSize: number;
  sendQueueSize: number;
  unreliableQueueSize: number;
  maxReceiveBufferBytes: number;
  /** What the largest message costs the receive buffer; kept free for the message next in order. */
  receiveReserveBytes: number;
  packetBufferSize: number;
  initialRtoMs: number;
  minRtoMs: number;
  maxRtoMs: number;
  maxRetries: number;
  maxPacketsPerUpdate: number;
  /** Payload bytes of one fragment. */
  fragmentSize: number;
  /** Largest reliable message sent whole. */
  maxWholeSize: number;
  /** Largest sequenced message. */
  maxSequencedSize: number;
  /** Largest unreliable message. */
  maxUnreliableSize: number;
}

/** Validates options and derives sizes; throws InvalidOptionError naming the bad option. @internal */
export function resolveChannelOptions(o: ReliableUdpChannelOptions): ResolvedChannelOptions {
  if (o === null || typeof o !== 'object') throw new InvalidOptionError('options', 'required');
  if (typeof o.send !== 'function') throw new InvalidOptionError('send', 'must be a function');
  if (!o.clock || typeof o.clock.now !== 'function') throw new InvalidOptionError('clock', 'must be a Clock');
  if (o.observer !== undefined && (o.observer === null || typeof o.observer !== 'object'))
    throw new InvalidOptionError('observer', 'must be an object');
  if (o.adoptReceivedPackets !== undefined && typeof o.adoptReceivedPackets !== 'boolean')
    throw new InvalidOptionError('adoptReceivedPackets', 'must be a boolean');
  const int = (name: keyof ReliableUdpChannelOptions, fallback: number, min: number, max: number): number => {
    const v = o[name] ?? fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw new InvalidOptionError(name, `must be an integer in [${min}, ${max}], got ${String(v)}`);
    return v;
  };
  const maxPacketSize = int('maxPacketSize', 1200, 32, 65_507);
  const fragmentSize = maxPacketSize - MAX_HEADER_BYTES - maxEntryOverhead(EntryKind.Fragment);
  const maxMessageSize = int('maxMessageSize', 256 * 1024, 1, fragmentSize * 65_535);
  const windowSize = int('windowSize', 1024, 1, 16_384);
  const sendQueueSize = int('sendQueueSize', Math.max(4096, windowSize), windowSize, 1 << 20);
  const packetBufferSize = int('packetBufferSize', 1024, 32, 32_768);
  if ((packetBufferSize & (packetBufferSize - 1)) !== 0)
    throw new InvalidOptionError('packetBufferSize', `must be a power of two, got ${packetBufferSize}`);
  const receiveReserveBytes = largestMessageCost(maxMessageSize, fragmentSize);
  const maxReceiveBufferBytes = int(
    'maxReceiveBufferBytes',
    Math.max(1 << 20, 2 * receiveReserveBytes),
    receiveReserveBytes,
    2 ** 31,
  );
  const minRtoMs = int('minRtoMs', 100, 1, 60_000);
  const maxRtoMs = int('maxRtoMs', 2000, minRtoMs, 600_000);
  return {
    maxPacketSize,
    headroom: int('headroom', 0, 0, 64),
    adoptReceivedPackets: o.adoptReceivedPackets ?? false,
    maxMessageSize,
    windowSize,
    sendQueueSize,
    unreliableQueueSize: int('unreliableQueueSize', 256, 1, 1 << 20),
    maxReceiveBufferBytes,
    receiveReserveBytes,
    packetBufferSize,
    initialRtoMs: int('initialRtoMs', Math.min(Math.max(1000, minRtoMs), maxRtoMs), minRtoMs, maxRtoMs),
    minRtoMs,
    maxRtoMs,
    maxRetries: int('maxRetries', 16, 0, 1000),
    maxPacketsPerUpdate: int('maxPacketsPerUpdate', 64, 1, 1 << 20),
    fragmentSize,
    maxWholeSize: maxPacketSize - MAX_HEADER_BYTES - maxEntryOverhead(EntryKind.Reliable),
    maxSequencedSize: maxPacketSize - MAX_HEADER_BYTES - maxEntryOverhead(EntryKind.Sequenced),
    maxUnreliableSize: maxPacketSize - MAX_HEADER_BYTES - maxEntryOverhead(EntryKind.Unreliable),
  };
}
