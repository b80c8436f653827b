import { type Clock, type Logger, OutageLog } from '../core/index.js';
import { StoreUnavailableError } from './errors.js';

/**
 * One {@link OutageLog} per backing store, named as in {@link StoreUnavailableError.store}: a
 * match server logs a PostgreSQL or Redis outage as one line when it starts and one (with the count
 * of failed calls) when it ends, instead of a stack trace per request and per round.
 *
 * @internal
 */
export class StoreOutages {
  private readonly logs = new Map<string, OutageLog>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** Records a failure of the store the error names (`fallback` for other errors). */
  failed(err: unknown, fallback = 'postgres'): void {
    const store = err instanceof StoreUnavailableError ? err.store : fallback;
    let log = this.logs.get(store);
    if (log === undefined) {
      log = new OutageLog(store, this.logger, this.clock);
      this.logs.set(store, log);
    }
    log.failed(err instanceof StoreUnavailableError && err.cause !== undefined ? err.cause : err);
  }

  /** Records that these stores answered (ends their outage, if any). */
  succeeded(...stores: string[]): void {
    for (const store of stores) this.logs.get(store)?.succeeded();
  }

  /** The stores that are down now. */
  get down(): string[] {
    return [...this.logs.values()].filter((log) => log.down).map((log) => log.name);
  }
}
