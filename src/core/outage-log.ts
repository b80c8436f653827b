import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/**
 * Logs a dependency's outage as one line per state change instead of one per failure: the first
 * failure is logged (`warn`, with the error), later failures are only counted, and the first
 * success after them logs one `info` line with the count and how long the outage lasted.
 *
 * @example
 * ```ts
 * const postgres = new OutageLog('postgres', logger, clock);
 * try { await query(); postgres.succeeded(); } catch (err) { postgres.failed(err); throw err; }
 * ```
 */
export class OutageLog {
  private failures = 0;
  private since = 0;

  /**
   * @param name - the dependency, e.g. `postgres`; logged as `dependency`.
   * @param logger - where the two lines go.
   * @param clock - for the outage's duration.
   */
  constructor(
    readonly name: string,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** Whether the last outcome was a failure. */
  get down(): boolean {
    return this.failures > 0;
  }

  /** Failures counted since the outage began (0 while up). */
  get count(): number {
    return this.failures;
  }

  /** Records a failure; logs only the first of an outage. */
  failed(err: unknown): void {
    if (this.failures++ === 0) {
      this.since = this.clock.now();
      this.logger.warn({ dependency: this.name, err }, `${this.name} is unavailable`);
    }
  }

  /** Records a success; after an outage, logs its end with the count of failures. */
  succeeded(): void {
    if (this.failures === 0) return;
    const failures = this.failures;
    this.failures = 0;
    this.logger.info(
      { dependency: this.name, failures, downMs: Math.round(this.clock.now() - this.since) },
      `${this.name} is available again after ${failures} failures`,
    );
  }
}
