import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidOptionError, NetcodeError } from '../../src/core/index.js';
import { createMetricsHandler, MetricsCollector, MetricsServer } from '../../src/metrics/index.js';
import { parseExposition, seriesValue } from './exposition.js';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function startServer(registry: Registry): Promise<string> {
  const server = new MetricsServer({ registry, host: '127.0.0.1', port: 0 });
  await server.start();
  cleanup.push(() => server.close());
  return `http://127.0.0.1:${server.address.port}`;
}

describe('MetricsServer', () => {
  it('serves the registry on /metrics in the Prometheus text format', async () => {
    const collector = new MetricsCollector();
    collector.channelObserver.retry?.();
    const base = await startServer(collector.registry);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    const body = await res.text();
    expect(body).toContain('# TYPE reliable_retries_total counter');
    expect(seriesValue(parseExposition(body), 'reliable_retries_total')).toBe(1);
    // Query strings do not change the route.
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
  });

  it('answers /healthz, 404 elsewhere, 405 for other methods, HEAD without a body', async () => {
    const base = await startServer(new MetricsCollector().registry);
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.text()]).toEqual([200, 'ok\n']);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('answers 500 and keeps serving when a collect throws', async () => {
    const registry = new Registry();
    let fail = true;
    new Gauge({
      name: 'flaky',
      help: 'h',
      registers: [registry],
      collect() {
        if (fail) throw new Error('boom');
        this.set(1);
      },
    });
    const base = await startServer(registry);
    expect((await fetch(`${base}/metrics`)).status).toBe(500);
    fail = false;
    const ok = await fetch(`${base}/metrics`);
    expect(ok.status).toBe(200);
    expect(seriesValue(parseExposition(await ok.text()), 'flaky')).toBe(1);
  });

  it('defaults to 0.0.0.0:9090 and validates its options', () => {
    const registry = new Registry();
    const option = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidOptionError);
        return (err as InvalidOptionError).option;
      }
      throw new Error('did not throw');
    };
    expect(option(() => new MetricsServer({ registry, port: 70000 }))).toBe('port');
    expect(option(() => new MetricsServer({ registry, port: 1.5 }))).toBe('port');
    expect(option(() => new MetricsServer({ registry, host: '' }))).toBe('host');
    expect(option(() => new MetricsServer({ registry: undefined as unknown as Registry }))).toBe('registry');
    expect(() => new MetricsServer({ registry })).not.toThrow();
  });

  it('rejects start() with ERR_METRICS_LISTEN when the port is taken, and close() is idempotent', async () => {
    const first = new MetricsServer({ registry: new Registry(), host: '127.0.0.1', port: 0 });
    await first.start();
    cleanup.push(() => first.close());
    const second = new MetricsServer({
      registry: new Registry(),
      host: '127.0.0.1',
      port: first.address.port,
    });
    const err = await second.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetcodeError);
    expect((err as NetcodeError).code).toBe('ERR_METRICS_LISTEN');
    await second.close();
    await first.close();
    await first.close();
    await expect(first.start()).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
  });

  it('logs a server error after start (EMFILE on accept) instead of crashing, and keeps serving', async () => {
    const logged: { obj: unknown; msg: string | undefined }[] = [];
    const noop = () => {};
    const logger = {
      debug: noop,
      info: noop,
      warn: noop,
      error: (obj: unknown, msg?: string) => logged.push({ obj, msg }),
    };
    const server = new MetricsServer({ registry: new Registry(), host: '127.0.0.1', port: 0, logger });
    await server.start();
    cleanup.push(() => server.close());
    const emfile = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
    // The real socket server is private; an accept failure is an 'error' it emits.
    (server as unknown as { server: Server }).server.emit('error', emfile);
    expect(logged).toEqual([{ obj: { err: emfile }, msg: 'metrics server error' }]);
    expect((await fetch(`http://127.0.0.1:${server.address.port}/healthz`)).status).toBe(200);
  });
});

describe('createMetricsHandler', () => {
  it('mounts in a user-owned HTTP server', async () => {
    const collector = new MetricsCollector();
    collector.tickObserver.activeRooms?.(2);
    const handler = createMetricsHandler(collector.registry);
    const server: Server = createServer((req, res) => {
      if (req.url === '/internal/metrics') return void handler(req, res);
      res.end('app');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/internal/metrics`);
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_TEXT);
    expect(seriesValue(parseExposition(await res.text()), 'active_rooms')).toBe(2);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('app');
  });
});
