import { isIPv6 } from 'node:net';
import { InvalidOptionError } from '../../core/index.js';

/** Longest server address, in UTF-8 bytes. */
export const MAX_SERVER_ADDRESS_BYTES = 128;

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):([1-9][0-9]{0,4})$/;

/**
 * True when `address` is `host:port` as a connect token carries it: a host name or IPv4 address,
 * or an IPv6 address in brackets (`[::1]:9000`), and a port in 1-65535 without leading zeros. The
 * verifier compares addresses as exact strings, so issuer and server must spell one alike.
 *
 * @internal
 */
export function isServerAddress(address: unknown): address is string {
  // Only ASCII matches the pattern, so the length in UTF-16 units is the length in bytes.
  if (typeof address !== 'string' || address.length > MAX_SERVER_ADDRESS_BYTES) return false;
  const m = HOST_PORT.exec(address);
  if (!m) return false;
  const host = m[1]!;
  if (host.startsWith('[') && !isIPv6(host.slice(1, -1))) return false;
  return Number(m[2]) <= 65535;
}

/** Throws {@link InvalidOptionError} naming `option` unless `value` is a server address. @internal */
export function checkServerAddress(option: string, value: unknown): string {
  if (!isServerAddress(value))
    throw new InvalidOptionError(
      option,
      `must be "host:port" (IPv6 in brackets, port 1-65535, at most ${MAX_SERVER_ADDRESS_BYTES} bytes), got ${JSON.stringify(value)}`,
    );
  return value;
}
