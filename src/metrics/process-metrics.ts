import { collectDefaultMetrics, Gauge, type Registry } from 'prom-client';
import { InvalidOptionError } from '../core/index.js';

/**
 * Registers prom-client's default Node.js process metrics into `registry`, then removes the
 * gauges among them named `*_total` (`nodejs_active_handles_total` and its kin): Prometheus
 * reserves that suffix for counters and `promtool check metrics` rejects them. Nothing is lost:
 * the same numbers are the sums of the unsuffixed gauges (`nodejs_active_handles` by type).
 *
 * @internal
 */
export function registerProcessMetrics(
  registry: Registry,
  prefix: string,
  labels: Readonly<Record<string, string>>,
): void {
  const before = new Set(registry.getMetricsAsArray().map((m) => m.name));
  try {
    collectDefaultMetrics({ register: registry, prefix, labels });
  } catch (err) {
    throw new InvalidOptionError(
      'processMetrics',
      `the registry already holds default metrics with this prefix (${(err as Error).message})`,
    );
  }
  for (const metric of registry.getMetricsAsArray()) {
    if (!before.has(metric.name) && metric instanceof Gauge && metric.name.endsWith('_total')) {
      registry.removeSingleMetric(metric.name);
    }
  }
}
