import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { InvalidOptionError, InvalidStateError, type Logger, silentLogger } from '../core/index.js';
import type { DatagramHandler, DatagramTransport, PeerAddress } from './datagram-transport.js';
import { bindSocket, closeSocket } from './dgram-socket.js';
import { PacketTooLargeError } from './errors.js';
import type { TransportObserver } from './transport-observer.js';

/** Options of {@link UdpTransport.bind}. */
export interface UdpTransportOptions {
  /**
   * Local address to bind. Default `'0.0.0.0'` for `udp4`, `'::'` for `udp6`. Tests use
   * `'127.0.0.1'` or `'::1'`.
   */
  host?: string;
  /** Local port; `0` (the default) picks an ephemeral port, readable from `localAddress`. */
  port?: number;
  /** Socket family. Default: `udp6` when `host` is an IPv6 address, else `udp4`. */
  type?: 'udp4' | 'udp6';
  /** Largest datagram sent or accepted, in bytes (default 1200, at most 65507). */
  maxDatagramSize?: number;
  /** Kernel receive buffer size in bytes (`SO_RCVBUF`); default: the OS default. */
  receiveBufferSize?: number;
  /** Kernel send buffer size in bytes (`SO_SNDBUF`); default: the OS default. */
  sendBufferSize?: number;
  /** Receives datagram counts and drops. */
  observer?: TransportObserver;
  /** Where socket errors are logged when nobody listens to the `error` event. */
  logger?: Logger;
}

/** Running totals kept by a {@link UdpTransport}. */
export interface UdpTransportCounters {
  /** Datagrams handed to the socket. */
  datagramsSent: number;
  /** Bytes handed to the socket. */
  bytesSent: number;
  /** Datagrams received and passed to the handler. */
  datagramsReceived: number;
  /** Bytes received and passed to the handler. */
  bytesReceived: number;
  /** Received datagrams dropped because they exceeded `maxDatagramSize`. */
  droppedOversized: number;
  /** Received datagrams dropped because no handler was set yet. */
  droppedNoHandler: number;
  /** Socket errors (failed sends, ICMP unreachable reports and the like). */
  socketErrors: number;
}

/** Events of a {@link UdpTransport}. */
export interface UdpTransportEvents {
  /**
   * A socket error (for example a failed send). The transport keeps running. When nobody
   * listens, the error goes to the logger instead of crashing the process.
   */
  error: [error: Error];
}

const MAX_UDP_PAYLOAD = 65507;

/**
 * A {@link DatagramTransport} over a real `node:dgram` socket, IPv4 or IPv6.
 *
 * Datagrams larger than `maxDatagramSize` are never sent ({@link PacketTooLargeError}) and, when
 * received, are dropped and counted (`observer.datagramDropped('oversized')`). Socket errors never
 * crash the process: they are emitted as `error` events, or logged when nobody listens.
 *
 * @example
 * ```ts
 * const server = await UdpTransport.bind({ host: '0.0.0.0', port: 40000 });
 * server.onDatagram((data, from) => server.send(data, from)); // echo
 * // ...
 * await server.close();
 * ```
 */
export class UdpTransport extends EventEmitter<UdpTransportEvents> implements DatagramTransport {
  /** Largest datagram, in bytes, this transport sends or accepts. */
  readonly maxDatagramSize: number;
  /** The bound local address (with the real port when bound to port 0). */
  readonly localAddress: PeerAddress;
  /** Always true: node:dgram hands every datagram over in a new buffer. */
  readonly freshDatagrams = true;
  /** Running totals; read-only for callers. */
  readonly counters: Readonly<UdpTransportCounters>;

  private readonly socket: Socket;
  private readonly observer: TransportObserver | undefined;
  private readonly logger: Logger;
  private readonly stats: UdpTransportCounters;
  private handler: DatagramHandler | undefined;
  /** One shared send callback: node:dgram reports send failures only through a callback. */
  private readonly afterSend = (err: Error | null): void => {
    if (err) this.reportError(err);
  };
  private closing: Promise<void> | undefined;

  private constructor(socket: Socket, maxDatagramSize: number, options: UdpTransportOptions) {
    super();
    this.socket = socket;
    this.maxDatagramSize = maxDatagramSize;
    this.observer = options.observer;
    this.logger = options.logger ?? silentLogger;
    this.stats = {
      datagramsSent: 0,
      bytesSent: 0,
      datagramsReceived: 0,
      bytesReceived: 0,
      droppedOversized: 0,
      droppedNoHandler: 0,
      socketErrors: 0,
    };
    this.counters = this.stats;
    const bound = socket.address();
    this.localAddress = Object.freeze({ address: bound.address, port: bound.port });
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo));
    socket.on('error', (err) => this.reportError(err));
  }

  /**
   * Creates a socket and binds it.
   *
   * @param options - address, family, size limit, observer and logger.
   * @returns the bound transport.
   * @throws InvalidOptionError - for a bad option; the bind error (e.g. `EADDRINUSE`) if
   *   binding fails.
   */
  static override async bind(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const maxDatagramSize = options.maxDatagramSize ?? 1200;
    if (!Number.isInteger(maxDatagramSize) || maxDatagramSize < 1 || maxDatagramSize > MAX_UDP_PAYLOAD)
      throw new InvalidOptionError('maxDatagramSize', `must be an integer in 1..${MAX_UDP_PAYLOAD}`);
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new InvalidOptionError('port', 'must be an integer in 0..65535');
    if (options.host !== undefined && isIP(options.host) === 0)
      throw new InvalidOptionError('host', `must be an IPv4 or IPv6 address, got "${options.host}"`);
    const type = options.type ?? (options.host !== undefined && isIP(options.host) === 6 ? 'udp6' : 'udp4');
    if (type !== 'udp4' && type !== 'udp6') throw new InvalidOptionError('type', "must be 'udp4' or 'udp6'");
    if (options.host !== undefined && type === 'udp4' && isIP(options.host) === 6)
      throw new InvalidOptionError('host', 'an IPv6 address needs type udp6');
    for (const name of ['receiveBufferSize', 'sendBufferSize'] as const) {
      const v = options[name];
      if (v !== undefined && (!Number.isInteger(v) || v < 1))
        throw new InvalidOptionError(name, 'must be a positive integer');
    }
    const host = options.host ?? (type === 'udp6' ? '::' : '0.0.0.0');
    const socket = createSocket({
      type,
      ...(options.receiveBufferSize !== undefined ? { recvBufferSize: options.receiveBufferSize } : {}),
      ...(options.sendBufferSize !== undefined ? { sendBufferSize: options.sendBufferSize } : {}),
    });
    await bindSocket(socket, port, host);
    return new UdpTransport(socket, maxDatagramSize, options);
  }

  /**
   * Sends one datagram (fire-and-forget). A failure reported later by the socket becomes an
   * `error` event.
   *
   * @throws {@link PacketTooLargeError} when `data` is larger than `maxDatagramSize`.
   * @throws InvalidStateError - after `close()`.
   */
  send(data: Uint8Array, to: PeerAddress): void {
    if (data.byteLength > this.maxDatagramSize)
      throw new PacketTooLargeError(data.byteLength, this.maxDatagramSize);
    if (this.closing !== undefined) throw new InvalidStateError('UdpTransport.send: the transport is closed');
    this.socket.send(data, to.port, to.address, this.afterSend);
    this.stats.datagramsSent++;
    this.stats.bytesSent += data.byteLength;
    this.observer?.datagramSent?.(data.byteLength);
  }

  /**
   * Sets the handler for accepted datagrams. Each `data` is a fresh buffer the handler may keep.
   * An exception thrown by the handler is reported as an `error` event, not rethrown.
   */
  onDatagram(handler: DatagramHandler): void {
    this.handler = handler;
  }

  /** Closes the socket. Idempotent: every call returns the same promise. */
  close(): Promise<void> {
    this.handler = undefined;
    this.closing ??= closeSocket(this.socket);
    return this.closing;
  }

  private onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    const size = msg.byteLength;
    if (size > this.maxDatagramSize) {
      this.stats.droppedOversized++;
      this.observer?.datagramDropped?.('oversized');
      return;
    }
    const handler = this.handler;
    if (handler === undefined) {
      this.stats.droppedNoHandler++;
      return;
    }
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += size;
    this.observer?.datagramReceived?.(size);
    try {
      handler(msg, { address: rinfo.address, port: rinfo.port });
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private reportError(err: Error): void {
    this.stats.socketErrors++;
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.logger.error({ err, localAddress: this.localAddress }, 'udp transport socket error');
  }
}
