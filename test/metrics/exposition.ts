/** Parses Prometheus text exposition into `series -> value` (series as printed, labels included). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** Reads one series' value, failing loudly when it is missing. */
export function seriesValue(series: Map<string, number>, key: string): number {
  const v = series.get(key);
  if (v === undefined) throw new Error(`series ${key} not exposed; have:\n${[...series.keys()].join('\n')}`);
  return v;
}
