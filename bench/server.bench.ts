/**
 * `npm run bench -- server`: one Pong server process with N rooms and one bot process holding all
 * 2N clients (one timer), over real UDP on this machine, 60 ticks/s. Per room count: the server's
 * tick p50/p99, timer lateness p99, event-loop delay p99, ELU, CPU and RSS, snapshot bytes per
 * client per second, and the bot process's CPU and RSS; then the largest count whose tick p99 and
 * lateness p99 both stay under 15 ms.
 * Environment: SERVER_BENCH_ROOMS (default "100,250,500"), SERVER_BENCH_SECONDS (default 10),
 * SERVER_BENCH_SNAPSHOT_RATE (default 60).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { printTable } from './format.js';

const roomCounts = (process.env.SERVER_BENCH_ROOMS ?? '100,250,500').split(',').map(Number);
const seconds = Number(process.env.SERVER_BENCH_SECONDS ?? 10);
const snapshotRate = Number(process.env.SERVER_BENCH_SNAPSHOT_RATE ?? 60);

function child(script: string, args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', `bench/${script}`, ...args], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
}

/** The first line of `proc`'s stdout that parses as JSON with `key`. */
function line<T>(proc: ChildProcess, key: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (l) => {
      try {
        const v = JSON.parse(l) as Record<string, T>;
        if (key in v) resolve(v[key]!);
      } catch {
        // not ours
      }
    });
    proc.once('exit', (code) => reject(new Error(`${key}: process exited with ${code}`)));
  });
}

type ServerResult = Record<string, number>;

async function measure(rooms: number) {
  const server = child('server-process.ts', [String(rooms), String(seconds), String(snapshotRate)]);
  const ready = await line<unknown>(server, 'ready');
  const bots = child('server-bots.ts', [String(seconds)]);
  bots.stdin!.write(`${JSON.stringify({ ready })}\n`);
  const [s, b] = await Promise.all([line<ServerResult>(server, 'server'), line<ServerResult>(bots, 'bots')]);
  bots.kill();
  return { s, b };
}

export async function run(): Promise<void> {
  const rows: Record<string, string | number>[] = [];
  let best = 0;
  for (const rooms of roomCounts) {
    const { s, b } = await measure(rooms);
    const players = 2 * rooms;
    rows.push({
      rooms,
      connected: `${s.connected}/${players}`,
      'tick p50 ms': s.tickP50!,
      'tick p99 ms': s.tickP99!,
      'late p99 ms': s.lateP99!,
      'loop delay p99 ms': s.loopDelayP99!,
      'ticks/s': s.ticksPerSecond!,
      skipped: s.skipped!,
      'server ELU': s.elu!,
      'server CPU': s.cpu!,
      'server RSS MB': s.rssMb!,
      'server KB/client': (s.rssMb! * 1024) / players,
      'snap/s/client': s.snapshotsPerClientSecond!,
      'B/s/client sent': s.bytesPerClientSecond!,
      'bots CPU': b.cpu!,
      'bots RSS MB': b.rssMb!,
      'bots µs/client/tick': (b.cpu! * 1e6) / players / 60,
    });
    if (s.connected === players && s.tickP99! < 15 && s.lateP99! < 15) best = rooms;
  }
  printTable(
    `Pong server, ${snapshotRate} Hz snapshots, 60 Hz ticks, ${seconds} s per row (server and bots on this machine, shared with other work)`,
    rows,
  );
  console.log(`\nLargest room count with tick p99 and lateness p99 under 15 ms: ${best || 'none measured'}`);
}
