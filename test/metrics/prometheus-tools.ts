/**
 * Runs Debian's `promtool` and `prometheus` for the metrics tests. Without them a suite skips and
 * says why; in CI (`NETCODE_REQUIRE_SERVICES=1`, where `.ci/run` installs them) it fails instead.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { requireServices } from '../support/services.js';

/** Absolute path of the repository's `monitoring/` folder. */
export const monitoringDir = fileURLToPath(new URL('../../monitoring/', import.meta.url));

function available(tool: string): boolean {
  const ok = spawnSync(tool, ['--version'], { encoding: 'utf8' }).status === 0;
  if (!ok && requireServices) throw new Error(`${tool} is not installed and NETCODE_REQUIRE_SERVICES=1`);
  if (!ok)
    console.warn(`[skip] ${tool} is not installed (apt-get install prometheus): suites that need it skip`);
  return ok;
}

export const hasPromtool = available('promtool');
export const hasPrometheus = available('prometheus');

/** Result of one promtool run. */
export interface ToolResult {
  status: number | null;
  output: string;
}

/** Runs `promtool args...`, feeding `input` on stdin. */
export function promtool(args: string[], input?: string): ToolResult {
  const r = spawnSync('promtool', args, { encoding: 'utf8', input, timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}
