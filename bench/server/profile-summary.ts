/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`) by self time: shares by module (dgram,
 * reliability, snapshot, connection layer, game, timers, events, GC, ...) and the top functions.
 *
 * Usage: `npx tsx bench/server/profile-summary.ts file.cpuprofile [top]`
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Module of a call frame, by its URL (first match wins). */
const MODULES: [string, (url: string, name: string) => boolean][] = [
  ['idle', (_u, n) => n === '(idle)'],
  // The in-process profiler's own message dispatch (Profiler.stop serialising the profile).
  ['profiler', (u, n) => u === '' && n === 'dispatch'],
  ['dgram send (native, the sendmsg syscall)', (u, n) => u === '' && n === 'send'],
  ['GC', (_u, n) => n === '(garbage collector)'],
  ['native/program', (u, n) => n === '(program)' || (u === '' && n !== '')],
  ['dgram (node:dgram, udp)', (u) => u.includes('node:dgram') || u.includes('internal/dgram')],
  ['reliability', (u) => u.includes('/src/reliability/')],
  ['snapshot', (u) => u.includes('/src/snapshot/')],
  ['connection layer (src/transport)', (u) => u.includes('/src/transport/')],
  ['server (src/server)', (u) => u.includes('/src/server/')],
  ['game (examples/pong-server)', (u) => u.includes('/examples/pong-server/')],
  ['timers', (u) => u.includes('internal/timers')],
  ['events', (u) => u.includes('node:events') || u.includes('internal/events')],
  ['buffer', (u) => u.includes('node:buffer') || u.includes('internal/buffer')],
  ['bench harness', (u) => u.includes('/bench/')],
  ['other node internals', (u) => u.startsWith('node:')],
  ['other', () => true],
];

function moduleOf(url: string, name: string): string {
  for (const [label, match] of MODULES) if (match(url, name)) return label;
  return 'other';
}

export function summarise(file: string, top = 25): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const modules = new Map<string, number>();
  const functions = new Map<string, { module: string; us: number }>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const module = moduleOf(url, functionName);
    if (module === 'idle' || module === 'profiler') {
      idle += us;
      continue;
    }
    total += us;
    modules.set(module, (modules.get(module) ?? 0) + us);
    const where =
      url === ''
        ? ''
        : ` ${url.replace(/^.*\/(src|examples|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    const f = functions.get(key) ?? { module, us: 0 };
    f.us += us;
    functions.set(key, f);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
  const lines = [
    `busy ${(total / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s`,
    '',
    '| module | self time (share of busy) |',
    '|---|---|',
    ...[...modules].sort((a, b) => b[1] - a[1]).map(([m, us]) => `| ${m} | ${pct(us)} |`),
    '',
    '| function | module | self |',
    '|---|---|---|',
    ...[...functions]
      .sort((a, b) => b[1].us - a[1].us)
      .slice(0, top)
      .map(([name, f]) => `| ${name} | ${f.module} | ${pct(f.us)} |`),
  ];
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  console.log(summarise(process.argv[2]!, Number(process.argv[3] ?? 25)));
}
