import {
  type Clock,
  epochClock,
  InvalidOptionError,
  InvalidStateError,
  type Logger,
  silentLogger,
  systemTimers,
  type Timers,
} from '../core/index.js';
import {
  encodeResultReport,
  type MatchResult,
  RESULT_SIGNATURE_HEADER,
  signResultReport,
} from './match-result.js';

/**
 * Sends one signed report; resolves the HTTP status (a rejection or a throw is a network failure).
 * The default posts with `fetch` and gives up after `requestTimeoutMs`.
 */
export type PostReport = (url: string, body: string, headers: Record<string, string>) => Promise<number>;

/** Counters of a {@link ResultReporter}. */
export interface ResultReporterStats {
  /** Results accepted into the queue. */
  queued: number;
  /** Results the match server recorded (200: `recorded` or `duplicate`). */
  acknowledged: number;
  /** Attempts that failed (network, timeout, 5xx, 429) and will be tried again. */
  retries: number;
  /** Results the match server refused for good (another 4xx: forged key, unknown match, 409). */
  rejected: number;
  /** Results refused because the queue was full ({@link ResultReporter.report} returned false). */
  dropped: number;
}

/** Options of {@link ResultReporter}. */
export interface ResultReporterOptions {
  /** The match server's base URL, e.g. `http://match:8080` (`/match/result` is appended). */
  readonly url: string;
  /** The key shared with the match server's {@link ResultReportOptions.key} (at least 32 bytes). */
  readonly key: Uint8Array;
  /** Wall clock the reports are stamped with (default {@link epochClock}). */
  readonly clock?: Clock;
  /** Timers for the backoff (default the global ones). */
  readonly timers?: Timers;
  /** The HTTP call (default `fetch`). */
  readonly post?: PostReport;
  /** Results waiting at most; past it {@link ResultReporter.report} refuses (default 10 000). */
  readonly maxQueue?: number;
  /** First retry delay, doubled after each failure (default 500 ms). */
  readonly initialBackoffMs?: number;
  /** Longest retry delay (default 30 000 ms). */
  readonly maxBackoffMs?: number;
  /** Timeout of one attempt with the default `post` (default 10 000 ms). */
  readonly requestTimeoutMs?: number;
  /** Diagnostics: one line per refused result and per change between failing and working. */
  readonly logger?: Logger;
}

const positive = (name: string, value: number) => {
  if (!Number.isInteger(value) || value <= 0)
    throw new InvalidOptionError(name, `must be a positive integer, got ${value}`);
  return value;
};

/**
 * Reports match results from a game server to the match server (`POST /match/result`), signed
 * with HMAC-SHA256 and stamped with the time of each attempt, one at a time in order, retrying
 * with exponential backoff (network errors, timeouts, 5xx, 429) until the match server
 * acknowledges. Reports are idempotent on the match server, so a retry after a lost answer
 * changes nothing. A 4xx other than 429 is final (counted `rejected`, logged). The queue is
 * bounded: when full, {@link ResultReporter.report} returns false and counts `dropped`.
 */
export class ResultReporter {
  /** Counters. */
  readonly stats: ResultReporterStats = { queued: 0, acknowledged: 0, retries: 0, rejected: 0, dropped: 0 };
  private readonly endpoint: string;
  private readonly key: Uint8Array;
  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly post: PostReport;
  private readonly maxQueue: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: Logger;
  private readonly pendingResults: MatchResult[] = [];
  private backoffMs = 0;
  private timer: unknown;
  private sending = false;
  private closed = false;
  private idle: (() => void)[] = [];

  /** @param options - see {@link ResultReporterOptions}. */
  constructor(options: ResultReporterOptions) {
    if (options.key.byteLength < 32) throw new InvalidOptionError('key', 'must be at least 32 bytes');
    this.endpoint = `${options.url.replace(/\/+$/, '')}/match/result`;
    this.key = options.key;
    this.clock = options.clock ?? epochClock;
    this.timers = options.timers ?? systemTimers;
    const timeoutMs = positive('requestTimeoutMs', options.requestTimeoutMs ?? 10_000);
    this.post =
      options.post ??
      (async (url, body, headers) => {
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers,
          signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer();
        return res.status;
      });
    this.maxQueue = positive('maxQueue', options.maxQueue ?? 10_000);
    this.initialBackoffMs = positive('initialBackoffMs', options.initialBackoffMs ?? 500);
    this.maxBackoffMs = positive('maxBackoffMs', options.maxBackoffMs ?? 30_000);
    this.logger = options.logger ?? silentLogger;
  }

  /** Results not yet acknowledged or refused. */
  get pending(): number {
    return this.pendingResults.length;
  }

  /**
   * Queues a result for sending.
   *
   * @returns false (and counts `dropped`) when the queue is full.
   */
  report(result: MatchResult): boolean {
    if (this.closed) throw new InvalidStateError('ResultReporter.report: closed');
    if (this.pendingResults.length >= this.maxQueue) {
      this.stats.dropped++;
      this.logger.error({ matchId: result.matchId, queued: this.pendingResults.length }, 'result queue full');
      return false;
    }
    this.stats.queued++;
    this.pendingResults.push(result);
    if (!this.sending && this.backoffMs === 0) void this.drain();
    return true;
  }

  /** Resolves once every queued result was acknowledged or refused (for a draining server). */
  flushed(): Promise<void> {
    if (this.pendingResults.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops retrying; results still queued are given up (see {@link ResultReporter.pending}). */
  close(): void {
    this.closed = true;
    this.timers.clearTimeout(this.timer);
  }

  private async drain(): Promise<void> {
    this.sending = true;
    while (!this.closed && this.pendingResults.length > 0) {
      const result = this.pendingResults[0]!;
      const body = encodeResultReport(result, this.clock.now());
      let status: number | undefined;
      let failure: unknown;
      try {
        status = await this.post(this.endpoint, body, {
          'content-type': 'application/json',
          [RESULT_SIGNATURE_HEADER]: signResultReport(body, this.key),
        });
      } catch (err) {
        failure = err;
      }
      if (status !== undefined && status >= 200 && status < 300) {
        this.pendingResults.shift();
        this.stats.acknowledged++;
        if (this.backoffMs > 0)
          this.logger.info({ matchId: result.matchId }, 'reporting results works again');
        this.backoffMs = 0;
      } else if (status !== undefined && status >= 400 && status < 500 && status !== 429) {
        this.pendingResults.shift();
        this.stats.rejected++;
        this.logger.error({ matchId: result.matchId, status }, 'the match server refused a result');
      } else {
        this.stats.retries++;
        if (this.backoffMs === 0)
          this.logger.warn(
            { matchId: result.matchId, status, err: failure },
            'reporting results failed; retrying',
          );
        this.backoffMs = Math.min(
          this.maxBackoffMs,
          this.backoffMs === 0 ? this.initialBackoffMs : this.backoffMs * 2,
        );
        this.sending = false;
        if (!this.closed) this.timer = this.timers.setTimeout(() => void this.drain(), this.backoffMs);
        return;
      }
    }
    this.sending = false;
    if (this.pendingResults.length === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
