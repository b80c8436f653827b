import {
  type Clock,
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  OutageLog,
  silentLogger,
  systemClock,
  systemTimers,
  type Timers,
} from '../core/index.js';
import { checkReport, type GameServerRegistry } from './game-server-registry.js';
import type { RunningRooms } from './running-rooms.js';

/** Options of {@link GameServerHeartbeat}. */
export interface GameServerHeartbeatOptions {
  /** The registry the match servers allocate from. */
  readonly registry: GameServerRegistry;
  /** The `host:port` players connect to (an address they can reach, not `0.0.0.0`). */
  readonly address: string;
  /** The server's region (default none). */
  readonly region?: string | null;
  /** Rooms it runs at once. */
  readonly capacity: number;
  /** Its software version, shown to operators. */
  readonly version: string;
  /**
   * The rooms this server runs (a {@link RunningRooms} wrapped around its room store): every
   * heartbeat reports their matches and touches them, so their keys live while the match runs.
   * Give this or `matches`.
   */
  readonly rooms?: RunningRooms;
  /** The match ids of the rooms it runs now, read at every heartbeat (default: from `rooms`). */
  readonly matches?: () => Iterable<string>;
  /**
   * Milliseconds between heartbeats (default 1000); keep it well below the registry's `ttlMs`
   * (default 3000), so that one lost heartbeat does not drop a live server.
   */
  readonly intervalMs?: number;
  /** Timer functions (default the global ones). */
  readonly timers?: Timers;
  /** Time source for the outage log's durations (default the monotonic system clock). */
  readonly clock?: Clock;
  /** Where a registry outage is logged: one line when it starts, one when it ends. */
  readonly logger?: Logger;
}

/**
 * What a game server runs to be found: registers with a {@link GameServerRegistry}, heartbeats
 * every `intervalMs` with the rooms it runs (touching them, when given `rooms`), and on shutdown drains (takes no new matches while
 * its running ones finish) and deregisters. A failed heartbeat is retried at the next interval;
 * an outage of the registry is logged once when it starts and once when it ends.
 */
export class GameServerHeartbeat {
  private readonly options: GameServerHeartbeatOptions;
  private readonly intervalMs: number;
  private readonly timers: Timers;
  private readonly outage: OutageLog;
  private readonly roomOutage: OutageLog;
  private readonly logger: Logger;
  private readonly matches: () => Iterable<string>;
  private timer: unknown;
  private running = false;
  private stopped = false;
  private draining = false;
  private inFlight: Promise<boolean> | undefined;

  /** @param options - see {@link GameServerHeartbeatOptions}. */
  constructor(options: GameServerHeartbeatOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
    if (!Number.isInteger(this.intervalMs) || this.intervalMs <= 0)
      throw new InvalidOptionError('intervalMs', `must be a positive integer, got ${this.intervalMs}`);
    this.options = options;
    const { rooms, matches } = options;
    if (matches === undefined && rooms === undefined)
      throw new InvalidOptionError('matches', 'give `matches` or `rooms`');
    this.matches = matches ?? (() => rooms!.matches());
    checkReport(this.report([]));
    this.timers = options.timers ?? systemTimers;
    this.logger = options.logger ?? silentLogger;
    const clock = options.clock ?? systemClock;
    this.outage = new OutageLog('game server registry', this.logger, clock);
    this.roomOutage = new OutageLog('room store', this.logger, clock);
  }

  /** Whether the registry answered the last heartbeat. */
  get registered(): boolean {
    return this.running && !this.outage.down;
  }

  /** Whether {@link GameServerHeartbeat.drain} was called. */
  get isDraining(): boolean {
    return this.draining;
  }

  /**
   * Sends the first heartbeat and starts the interval.
   *
   * @returns whether the first heartbeat reached the registry (if not, it is retried every
   * interval and the outage is logged).
   */
  async start(): Promise<boolean> {
    if (this.running || this.stopped)
      throw new InvalidStateError('GameServerHeartbeat.start: already started');
    this.running = true;
    return this.beat();
  }

  /** Sends a heartbeat now (besides the interval). @returns whether it reached the registry. */
  beat(): Promise<boolean> {
    if (!this.running) return Promise.resolve(false);
    this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const previous = this.inFlight ?? Promise.resolve(true);
    const next = previous.then(() => this.send());
    this.inFlight = next;
    void next.finally(() => {
      if (this.inFlight === next) this.inFlight = undefined;
      if (this.running && this.inFlight === undefined) {
        this.timer = this.timers.setTimeout(() => void this.beat(), this.intervalMs);
      }
    });
    return next;
  }

  /**
   * Takes no new matches from now on: marks the server draining in the registry at once, and every
   * later heartbeat says so. Running matches go on; call {@link GameServerHeartbeat.stop} once they
   * are over.
   *
   * @returns whether the registry took the mark.
   */
  async drain(): Promise<boolean> {
    this.draining = true;
    try {
      const marked = await this.options.registry.drain(this.options.address);
      this.outage.succeeded();
      return marked;
    } catch (err) {
      this.outage.failed(err);
      return false;
    }
  }

  /** Stops heartbeating and removes the server from the registry. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.running = false;
    this.timers.clearTimeout(this.timer);
    await this.inFlight;
    try {
      await this.options.registry.deregister(this.options.address);
    } catch (err) {
      // It drops out by itself once its last heartbeat is older than the registry's ttlMs.
      this.outage.failed(err);
    }
  }

  private report(matches: string[]) {
    return {
      address: this.options.address,
      region: this.options.region ?? null,
      capacity: this.options.capacity,
      version: this.options.version,
      matches,
      draining: this.draining,
    };
  }

  private async send(): Promise<boolean> {
    if (!this.running) return false;
    const rooms = this.options.rooms;
    if (rooms !== undefined) {
      try {
        await rooms.touchAll();
        this.roomOutage.succeeded();
      } catch (err) {
        this.roomOutage.failed(err);
      }
    }
    try {
      await this.options.registry.heartbeat(this.report([...this.matches()]));
      this.outage.succeeded();
      return true;
    } catch (err) {
      // A bad report (e.g. a malformed match id from `matches`) is this server's bug, not an outage.
      if (err instanceof InvalidOptionError) this.logger.error({ err }, 'heartbeat report rejected');
      else this.outage.failed(err);
      return false;
    }
  }
}
