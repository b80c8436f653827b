import type { AllocationRequest } from './game-server-allocator.js';
import {
  checkReport,
  type GameServerRegistry,
  type GameServerRegistryOptions,
  type GameServerReport,
  type GameServerState,
  type RegistrySettings,
  registrySettings,
} from './game-server-registry.js';

interface Entry {
  region: string | null;
  capacity: number;
  version: string;
  roomsInUse: number;
  draining: boolean;
  expiresAt: number;
  /** Match id -> when its slot was handed out; 0 once the server reported the match. */
  slots: Map<string, number>;
}

/**
 * The in-memory {@link GameServerRegistry}: for one process (the embedded default) and tests.
 * Same rules as {@link RedisGameServerRegistry}.
 */
export class MemoryGameServerRegistry implements GameServerRegistry {
  private readonly settings: RegistrySettings;
  private readonly servers = new Map<string, Entry>();

  /** @param options - see {@link GameServerRegistryOptions}. */
  constructor(options: GameServerRegistryOptions = {}) {
    this.settings = registrySettings(options);
  }

  /** {@inheritDoc GameServerRegistry.heartbeat} */
  async heartbeat(report: GameServerReport): Promise<void> {
    const matches = checkReport(report);
    const now = this.settings.clock.now();
    const old = this.servers.get(report.address);
    const slots = old?.slots ?? new Map<string, number>();
    const reported = new Set(matches);
    for (const [matchId, at] of slots) {
      if (at <= now - this.settings.startWindowMs && !reported.has(matchId)) slots.delete(matchId);
    }
    for (const matchId of matches) slots.set(matchId, 0);
    this.servers.set(report.address, {
      region: report.region,
      capacity: report.capacity,
      version: report.version,
      roomsInUse: matches.length,
      draining: report.draining ?? false,
      expiresAt: now + this.settings.ttlMs,
      slots,
    });
  }

  /** {@inheritDoc GameServerRegistry.drain} */
  async drain(address: string): Promise<boolean> {
    const entry = this.servers.get(address);
    if (entry === undefined) return false;
    entry.draining = true;
    return true;
  }

  /** {@inheritDoc GameServerRegistry.deregister} */
  async deregister(address: string): Promise<void> {
    this.servers.delete(address);
  }

  /** {@inheritDoc GameServerRegistry.list} */
  async list(): Promise<GameServerState[]> {
    const now = this.settings.clock.now();
    return [...this.servers]
      .filter(([, e]) => e.expiresAt > now)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([address, e]) => ({
        address,
        region: e.region,
        capacity: e.capacity,
        version: e.version,
        roomsInUse: e.roomsInUse,
        slots: e.slots.size,
        draining: e.draining,
        expiresAt: e.expiresAt,
      }));
  }

  /** {@inheritDoc GameServerAllocator.allocate} */
  async allocate(request: AllocationRequest): Promise<string | null> {
    const now = this.settings.clock.now();
    let best: { address: string; entry: Entry; local: boolean } | undefined;
    for (const [address, entry] of this.servers) {
      if (entry.expiresAt <= now || entry.draining || entry.slots.size >= entry.capacity) continue;
      const local = request.region !== null && entry.region === request.region;
      if (best === undefined || better(address, entry, local, best)) best = { address, entry, local };
    }
    if (best === undefined) return null;
    best.entry.slots.set(request.matchId, now);
    return best.address;
  }

  /** {@inheritDoc GameServerRegistry.slotsOf} */
  async slotsOf(address: string): Promise<string[]> {
    return [...(this.servers.get(address)?.slots.keys() ?? [])].sort();
  }

  /** {@inheritDoc GameServerRegistry.release} */
  async release(gameServer: string, matchId: string): Promise<void> {
    this.servers.get(gameServer)?.slots.delete(matchId);
  }
}

/** Region first, then the lowest share of capacity in use, then the lowest address. */
function better(
  address: string,
  entry: Entry,
  local: boolean,
  best: { address: string; entry: Entry; local: boolean },
): boolean {
  if (local !== best.local) return local;
  const load = entry.slots.size * best.entry.capacity;
  const bestLoad = best.entry.slots.size * entry.capacity;
  if (load !== bestLoad) return load < bestLoad;
  return address < best.address;
}
