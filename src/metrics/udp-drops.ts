import { readFileSync } from 'node:fs';
import { Counter, type Registry } from 'prom-client';
import { InvalidOptionError } from '../core/index.js';

/** One UDP socket's line of `/proc/net/udp` (or `udp6`). */
export interface UdpSocketStats {
  /** The local port. */
  readonly localPort: number;
  /** The socket's inode (`/proc/<pid>/fd/*` links to `socket:[inode]`). */
  readonly inode: number;
  /** Datagrams the kernel dropped for this socket (receive buffer full, bad checksum, ...). */
  readonly drops: number;
}

/** What {@link parseProcNetUdp} read. */
export interface ProcNetUdp {
  /** The sockets, in file order. */
  readonly sockets: UdpSocketStats[];
  /** Lines after the header that did not have the expected fields (skipped). */
  readonly malformed: number;
}

const HEX = /^[0-9A-Fa-f]+$/;
const DECIMAL = /^\d+$/;

/**
 * Parses the text of Linux's `/proc/net/udp` or `/proc/net/udp6`: a header line, then one line per
 * socket whose fields are `sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt
 * uid timeout inode ref pointer drops`. Read defensively: a line that does not have those fields,
 * or has a field out of shape, is skipped and counted.
 */
export function parseProcNetUdp(text: string): ProcNetUdp {
  const sockets: UdpSocketStats[] = [];
  let malformed = 0;
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const fields = line.split(/\s+/);
    const local = fields[1] ?? '';
    const colon = local.lastIndexOf(':');
    const portHex = local.slice(colon + 1);
    const inode = fields[9] ?? '';
    const drops = fields[12] ?? '';
    if (
      fields.length < 13 ||
      colon < 1 ||
      !HEX.test(local.slice(0, colon)) ||
      !HEX.test(portHex) ||
      portHex.length > 4 ||
      !DECIMAL.test(inode) ||
      !DECIMAL.test(drops)
    ) {
      malformed++;
      continue;
    }
    sockets.push({ localPort: Number.parseInt(portHex, 16), inode: Number(inode), drops: Number(drops) });
  }
  return { sockets, malformed };
}

/** Reads a file as text, `undefined` when it cannot be read (e.g. not Linux). */
export type ReadTextFile = (path: string) => string | undefined;

/** Reads with `fs.readFileSync`; `undefined` on any error. */
export const readProcFile: ReadTextFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** The kernel's UDP socket tables, IPv4 and IPv6. */
export const PROC_NET_UDP_FILES: readonly string[] = Object.freeze(['/proc/net/udp', '/proc/net/udp6']);

/**
 * The kernel's receive drops of the UDP sockets bound to `port` in this network namespace (summed,
 * for several sockets sharing a port with `SO_REUSEPORT`).
 *
 * @param port - the local port.
 * @param read - file reader (default {@link readProcFile}).
 * @returns the drops, or `undefined` where the tables cannot be read (not Linux) or no socket is
 * bound to the port.
 */
export function udpReceiveDrops(port: number, read: ReadTextFile = readProcFile): number | undefined {
  let total: number | undefined;
  for (const path of PROC_NET_UDP_FILES) {
    const text = read(path);
    if (text === undefined) continue;
    for (const socket of parseProcNetUdp(text).sockets) {
      if (socket.localPort === port) total = (total ?? 0) + socket.drops;
    }
  }
  return total;
}

/** Options of {@link registerUdpDropsMetric}. */
export interface UdpDropsMetricOptions {
  /** The registry to register into (e.g. `MetricsCollector.registry`). */
  readonly registry: Registry;
  /** The local ports of the sockets to report, read at every scrape (e.g. `() => [transport.localAddress.port]`). */
  readonly ports: () => Iterable<number>;
  /** Prepended to the name, as for `MetricsCollector` (default `''`). */
  readonly prefix?: string;
  /** Constant labels on every series (e.g. `{ server_id: 'eu-1' }`); `port` is added. */
  readonly labels?: Readonly<Record<string, string>>;
  /** File reader (default {@link readProcFile}); for tests. */
  readonly read?: ReadTextFile;
}

/**
 * Registers the counter `udp_receive_drops_total{port}`: datagrams the kernel dropped for the UDP
 * socket on `port` before the server read them (its receive buffer was full), read from
 * `/proc/net/udp` and `/proc/net/udp6` at every scrape. Where those files cannot be read (not
 * Linux) the family has no series. A rising rate means the server reads too slowly or the
 * receive buffer (`net.core.rmem_max`, the socket's `recvBufferSize`) is too small.
 *
 * @returns the metric's full name.
 */
export function registerUdpDropsMetric(options: UdpDropsMetricOptions): string {
  const prefix = options.prefix ?? '';
  const labels = options.labels ?? {};
  if ('port' in labels) throw new InvalidOptionError('labels', '"port" is set by the metric');
  const read = options.read ?? readProcFile;
  const name = `${prefix}udp_receive_drops_total`;
  new Counter({
    name,
    help: 'Datagrams the kernel dropped for the UDP socket before the server read them (/proc/net/udp drops).',
    labelNames: [...Object.keys(labels), 'port'],
    registers: [options.registry],
    collect() {
      this.reset();
      for (const port of new Set(options.ports())) {
        const drops = udpReceiveDrops(port, read);
        if (drops !== undefined) this.inc({ ...labels, port: String(port) }, drops);
      }
    },
  });
  return name;
}
