/**
 * Measuring inside a bench child process: samples with percentiles, and a process probe (CPU,
 * event-loop utilisation, event-loop delay, resident memory) read over a window.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { type EventLoopUtilization, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/** A growing list of numbers with percentiles (values kept: a step holds at most ~10^5). */
export class Samples {
  private values: number[] = [];

  add(v: number): void {
    this.values.push(v);
  }

  reset(): void {
    this.values = [];
  }

  get count(): number {
    return this.values.length;
  }

  percentile(p: number): number {
    if (this.values.length === 0) return Number.NaN;
    const sorted = Float64Array.from(this.values).sort();
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  }
}

/** What a process did over a window. */
export interface ProcessWindow {
  seconds: number;
  /** CPU time (user + system) as a share of one core. */
  cpu: number;
  /** CPU microseconds (user + system) over the window. */
  cpuMicros: number;
  /** Event-loop utilisation (0..1). */
  elu: number;
  /** Event-loop delay p99, ms (monitorEventLoopDelay, 10 ms resolution timer). */
  eventLoopDelayP99Ms: number;
  /** Resident set size at the end, MiB. */
  rssMiB: number;
  /** Heap used at the end, MiB. */
  heapMiB: number;
}

export class ProcessProbe {
  private readonly delay = monitorEventLoopDelay({ resolution: 10 });
  private startedAt = 0;
  private cpu = process.cpuUsage();
  private elu: EventLoopUtilization = performance.eventLoopUtilization();

  constructor() {
    this.delay.enable();
  }

  begin(): void {
    this.startedAt = performance.now();
    this.cpu = process.cpuUsage();
    this.elu = performance.eventLoopUtilization();
    this.delay.reset();
  }

  end(): ProcessWindow {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpu = process.cpuUsage(this.cpu);
    const cpuMicros = cpu.user + cpu.system;
    const memory = process.memoryUsage();
    return {
      seconds,
      cpu: cpuMicros / 1e6 / seconds,
      cpuMicros,
      elu: performance.eventLoopUtilization(this.elu).utilization,
      eventLoopDelayP99Ms: this.delay.percentile(99) / 1e6,
      rssMiB: memory.rss / 2 ** 20,
      heapMiB: memory.heapUsed / 2 ** 20,
    };
  }
}

/**
 * CPU profile of the measured window only (not start-up): `node:inspector`'s profiler, started
 * by `begin()` and written by `end()` as `<dir>/<name>.cpuprofile` when `dir` is set.
 */
export class WindowProfiler {
  private session: Session | undefined;

  constructor(
    private readonly dir: string | undefined,
    private readonly name: string,
  ) {}

  async begin(): Promise<void> {
    if (this.dir === undefined) return;
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 200 });
    await this.session.post('Profiler.start');
  }

  async end(): Promise<void> {
    const session = this.session;
    if (session === undefined || this.dir === undefined) return;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    this.session = undefined;
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, `${this.name}.cpuprofile`), JSON.stringify(profile));
  }
}
