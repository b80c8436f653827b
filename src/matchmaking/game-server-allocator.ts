import { InvalidOptionError } from '../core/index.js';

/** What an allocator is told about the match it places. */
export interface AllocationRequest {
  /** The match's id. */
  readonly matchId: string;
  /** The two players. */
  readonly playerIds: readonly [string, string];
  /** The players' region, `null` when none. */
  readonly region: string | null;
}

/**
 * Chooses the game server a new match plays on. Kept small and async so a live registry (Redis
 * with health checks) can implement it later.
 */
export interface GameServerAllocator {
  /**
   * @returns the game server's `host:port` (at most 128 characters), or `null` when none can
   * take the match now; then no match is made and both players stay queued in order.
   */
  allocate(request: AllocationRequest): Promise<string | null>;
  /**
   * Optional: a match that got a server was not made after all (its round rolled back), so a
   * registry that counts slots can give the slot back.
   */
  release?(gameServer: string, matchId: string): Promise<void>;
}

const HOST_PORT = /^[A-Za-z0-9.-]{1,120}:\d{1,5}$/;

/** @internal Throws {@link InvalidOptionError} naming `option` unless `value` is `host:port`. */
export function checkHostPort(option: string, value: unknown): void {
  const text = String(value);
  const port = Number(text.slice(text.lastIndexOf(':') + 1));
  if (typeof value !== 'string' || !HOST_PORT.test(value) || port < 1 || port > 65535) {
    throw new InvalidOptionError(option, `"${text.slice(0, 140)}" is not host:port`);
  }
}

/** A fixed list of game servers handed out round-robin; an empty list never allocates. */
export class StaticGameServerAllocator implements GameServerAllocator {
  /** The servers, as given. */
  readonly servers: readonly string[];
  private next = 0;

  /** @param servers - `host:port` entries. */
  constructor(servers: readonly string[]) {
    for (const server of servers) checkHostPort('servers', server);
    this.servers = [...servers];
  }

  /** {@inheritDoc GameServerAllocator.allocate} */
  async allocate(): Promise<string | null> {
    if (this.servers.length === 0) return null;
    const server = this.servers[this.next % this.servers.length]!;
    this.next = (this.next + 1) % this.servers.length;
    return server;
  }
}
