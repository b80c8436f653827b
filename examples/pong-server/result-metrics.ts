import { Counter, Gauge, type Registry } from 'prom-client';
import type { ResultReporterStats } from '../../src/matchmaking/index.js';

/** What {@link registerResultReporterMetrics} reads: a `ResultReporter` fits. */
export interface ResultReporterLike {
  /** The counters. */
  readonly stats: ResultReporterStats;
  /** Results not yet acknowledged. */
  readonly pending: number;
}

/** Options of {@link registerResultReporterMetrics}. */
export interface ResultReporterMetricsOptions {
  /** The registry to register into (e.g. `MetricsCollector.registry`). */
  readonly registry: Registry;
  /** The reporter's counters and queue, read at every scrape (e.g. the `ResultReporter` itself). */
  readonly reporter: ResultReporterLike;
  /** Prepended to the names, as for `MetricsCollector` (default `''`). */
  readonly prefix?: string;
  /** Constant labels on every series (e.g. `{ server_id: 'eu-1' }`); `outcome` is added. */
  readonly labels?: Readonly<Record<string, string>>;
}

const OUTCOMES = ['acknowledged', 'retries', 'rejected', 'dropped'] as const;

/**
 * Registers a game server's result reporting: `match_results_total{outcome}` (`acknowledged`,
 * `retries`, `rejected`: refused for good by the match server, `dropped`: the queue was full)
 * and `match_results_pending` (reported, not yet acknowledged). Anything but `acknowledged`
 * rising, or `pending` staying up, means results are not reaching the match server.
 *
 * @returns the two metric names.
 */
export function registerResultReporterMetrics(options: ResultReporterMetricsOptions): [string, string] {
  const prefix = options.prefix ?? '';
  const labels = options.labels ?? {};
  const { reporter } = options;
  const total = `${prefix}match_results_total`;
  const pending = `${prefix}match_results_pending`;
  new Counter({
    name: total,
    help: 'Match results this game server reported, by outcome (acknowledged, retries, rejected, dropped).',
    labelNames: [...Object.keys(labels), 'outcome'],
    registers: [options.registry],
    collect() {
      this.reset();
      for (const outcome of OUTCOMES) this.inc({ ...labels, outcome }, reporter.stats[outcome]);
    },
  });
  new Gauge({
    name: pending,
    help: 'Match results waiting to be acknowledged by the match server.',
    labelNames: Object.keys(labels),
    registers: [options.registry],
    collect() {
      this.set(labels, reporter.pending);
    },
  });
  return [total, pending];
}
