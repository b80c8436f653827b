/**
 * The shipped Grafana dashboard, as typed code (Grafana's foundation SDK, a devDependency).
 * `test/metrics/monitoring-files.test.ts` proves `monitoring/grafana/dashboards/pong-netcode.json`
 * equals `JSON.stringify(buildDashboard(), null, 2)`; run `npx vitest run test/metrics -u` after
 * changing this file to rewrite the JSON.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import {
  type Dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { METRIC_NAMES, type MetricKey, type MetricNames } from '../../src/metrics/metric-names.js';
import { monitoringQueries } from '../../src/metrics/monitoring-queries.js';

/** The dashboard's metric names: the collector's names behind the `$prefix` variable (empty by default). */
const names = Object.fromEntries(
  (Object.keys(METRIC_NAMES) as MetricKey[]).map((key) => [key, `\${prefix}${METRIC_NAMES[key]}`]),
) as unknown as MetricNames;
const q = monitoringQueries(names);
const datasource = { type: 'prometheus', uid: `\${datasource}` };

interface Target {
  expr: string;
  legend: string;
}

function query(t: Target, refId: string): DataqueryBuilder {
  return new DataqueryBuilder().datasource(datasource).expr(t.expr).legendFormat(t.legend).refId(refId);
}

function timeseries(
  title: string,
  description: string,
  unit: string,
  targets: Target[],
): TimeseriesPanelBuilder {
  const panel = new TimeseriesPanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .unit(unit)
    .min(0)
    .height(8)
    .span(12)
    .legend(new common.VizLegendOptionsBuilder().showLegend(true).displayMode(common.LegendDisplayMode.List))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi));
  targets.forEach((t, i) => {
    panel.withTarget(query(t, String.fromCharCode(65 + i)));
  });
  return panel;
}

function stat(title: string, description: string, target: Target): StatPanelBuilder {
  return new StatPanelBuilder()
    .title(title)
    .description(description)
    .datasource(datasource)
    .height(4)
    .span(6)
    .withTarget(query(target, 'A'));
}

const quantiles = (fn: (q: number) => string, by: string) =>
  [0.5, 0.95, 0.99].map((x) => ({ expr: fn(x), legend: `p${Math.round(x * 100)} ${by}` }));

/** Builds the dashboard; panels get ids 1, 2, ... in order, so links to a panel stay stable. */
export function buildDashboard(): Dashboard {
  const dashboard = new DashboardBuilder('Pong netcode')
    .uid('pong-netcode')
    .description('Game server tick, network and matchmaking metrics exported by @pong/netcode.')
    .tags(['pong-netcode', 'prometheus'])
    .refresh('10s')
    .time({ from: 'now-30m', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new TextBoxVariableBuilder('prefix')
        .label('Metric prefix')
        .description('The MetricsCollector prefix option (empty by default).')
        .defaultValue('')
        .current({ text: '', value: '' }),
    )
    .withRow(new RowBuilder('Server'))
    .withPanel(
      timeseries(
        'Server tick duration p50 / p95 / p99',
        'histogram_quantile over server_tick_duration_seconds; the red line is the 15 ms budget.',
        's',
        quantiles(q.tickQuantile, '{{instance}}'),
      )
        .thresholds(
          new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
            { value: null, color: 'green' },
            { value: 0.015, color: 'red' },
          ]),
        )
        .thresholdsStyle(
          new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line),
        ),
    )
    .withPanel(
      timeseries('Ticks per second', 'Ticks run per second; should sit at the tick rate.', 'none', [
        { expr: q.tickRate, legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      stat('Concurrent connections', 'Clients with a completed handshake.', {
        expr: q.connectedClients,
        legend: '{{instance}}',
      }),
    )
    .withPanel(
      stat('Active rooms', 'Rooms currently running.', { expr: q.activeRooms, legend: '{{instance}}' }),
    )
    .withRow(new RowBuilder('Network'))
    .withPanel(
      timeseries(
        'Network packet loss',
        'Sent packets that the ack bitfield shows never arrived, over packets sent.',
        'percentunit',
        [{ expr: q.networkLoss, legend: '{{instance}}' }],
      ),
    )
    .withPanel(
      timeseries(
        'Reliable messages given up / packets sent',
        'The design\'s "packet loss rate" (reliable_timeouts_total over packets_sent_total): reliable messages that hit the retry limit, per packet sent.',
        'percentunit',
        [{ expr: q.reliableGiveUps, legend: '{{instance}}' }],
      ),
    )
    .withPanel(
      timeseries('Retransmissions per second', 'Reliable messages sent again.', 'ops', [
        { expr: q.retransmitRate, legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Bandwidth in / out', 'Wire bytes per second, all headers included.', 'Bps', [
        { expr: q.bytesIn, legend: 'in {{instance}}' },
        { expr: q.bytesOut, legend: 'out {{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Packets per second', 'Packets sent and accepted by reliability channels.', 'pps', [
        { expr: q.packetsReceivedRate, legend: 'received {{instance}}' },
        { expr: q.packetsSentRate, legend: 'sent {{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Dropped packets', 'Incoming packets dropped, by reason, and duplicates dropped.', 'pps', [
        { expr: q.droppedByReason, legend: '{{reason}}' },
        { expr: q.duplicateRate, legend: 'duplicate {{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Round-trip time', 'rtt_seconds quantiles.', 's', [
        { expr: q.rttQuantile(0.5), legend: 'p50 {{instance}}' },
        { expr: q.rttQuantile(0.99), legend: 'p99 {{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Packet size', 'packet_size_bytes quantiles, per direction.', 'bytes', [
        { expr: q.packetSizeQuantile(0.5), legend: 'p50 {{direction}} {{instance}}' },
        { expr: q.packetSizeQuantile(0.99), legend: 'p99 {{direction}} {{instance}}' },
      ]),
    )
    .withRow(new RowBuilder('Matchmaking'))
    .withPanel(
      timeseries('Match requests and matches per second', 'Requests received and matches created.', 'reqps', [
        { expr: q.matchRequestRate, legend: 'requests {{instance}}' },
        { expr: q.matchCreateRate, legend: 'matches {{instance}}' },
      ]),
    )
    .withPanel(
      timeseries('Match queue size', 'Players waiting in the queue.', 'none', [
        { expr: q.matchQueueSize, legend: '{{instance}}' },
      ]),
    )
    .withPanel(
      timeseries(
        'Match wait p50 / p95 / p99',
        'Time from first request to being matched.',
        's',
        quantiles(q.matchWaitQuantile, '{{instance}}'),
      ),
    )
    .withPanel(
      timeseries(
        'Match rating gap mean / p50 / p99',
        'Absolute rating difference of the matches made: how far apart matched players are (limit 100 without widening).',
        'none',
        [
          { expr: q.matchRatingGapMean, legend: 'mean {{instance}}' },
          { expr: q.matchRatingGapQuantile(0.5), legend: 'p50 {{instance}}' },
          { expr: q.matchRatingGapQuantile(0.99), legend: 'p99 {{instance}}' },
        ],
      ),
    )
    .build();
  (dashboard.panels ?? []).forEach((panel, i) => {
    panel.id = i + 1;
  });
  return dashboard;
}

/** Every PromQL expression in `dashboard`, in panel order. */
export function dashboardExpressions(dashboard: Dashboard): string[] {
  const out: string[] = [];
  for (const panel of dashboard.panels ?? []) {
    if (!('targets' in panel)) continue;
    for (const target of panel.targets ?? []) {
      const expr: unknown = (target as unknown as Record<string, unknown>).expr;
      if (typeof expr === 'string') out.push(expr);
    }
  }
  return out;
}
