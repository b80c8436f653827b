/** Starts a real Prometheus (Debian's package) on a loopback port for the end-to-end test. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** One PromQL sample: labels and value (NaN stays NaN). */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

/** A running Prometheus and its HTTP API. */
export class PrometheusProcess {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** `http://127.0.0.1:port`. */
    readonly url: string,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.append(d));
    child.stderr?.on('data', (d: Buffer) => this.append(d));
  }

  private append(d: Buffer): void {
    this.output = (this.output + d.toString()).slice(-20_000);
  }

  /** Prometheus's log so far (the tail), for failure messages. */
  get log(): string {
    return this.output;
  }

  /**
   * Starts Prometheus scraping each job's target (`host:port`) every second, with the given rule
   * files, and resolves once it reports ready.
   */
  static async start(jobs: Record<string, string>, ruleFiles: string[]): Promise<PrometheusProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'pong-prometheus-'));
    const config = [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      ...ruleFiles.map((f) => `  - ${JSON.stringify(f)}`),
      'scrape_configs:',
      ...Object.entries(jobs).flatMap(([job, target]) => [
        `  - job_name: ${job}`,
        '    static_configs:',
        `      - targets: [${JSON.stringify(target)}]`,
      ]),
      '',
    ].join('\n');
    await writeFile(join(dir, 'prometheus.yml'), config);
    const port = await freePort();
    const child = spawn(
      'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const prom = new PrometheusProcess(child, dir, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}):\n${prom.log}`);
      const ready = await fetch(`${prom.url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) return prom;
      if (Date.now() > deadline) {
        await prom.stop();
        throw new Error(`prometheus not ready after 20 s:\n${prom.log}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** GETs an API path and returns `data`, throwing on an API error. */
  async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const url = new URL(path, this.url);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const body = (await (await fetch(url)).json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path} ${JSON.stringify(params)}: ${body.error}`);
    return body.data;
  }

  /** Evaluates an instant query (vector results only). */
  async query(expr: string): Promise<Sample[]> {
    const data = await this.api<{
      resultType: string;
      result: { metric: Record<string, string>; value: [number, string] }[];
    }>('/api/v1/query', { query: expr });
    if (data.resultType !== 'vector') throw new Error(`${expr}: ${data.resultType} result`);
    return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Kills Prometheus and removes its data directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
