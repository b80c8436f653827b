import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgPoolClient } from '../../src/matchmaking/index.js';

describe('pgPoolClient', () => {
  it('adds its idle-connection error listener once per pool, however often the pool is wrapped', async () => {
    // A pool only connects on its first query, so none is made here.
    const pool = new pg.Pool({ max: 1 });
    const other = new pg.Pool({ max: 1 });
    for (let i = 0; i < 5; i++) pgPoolClient(pool);
    pgPoolClient(other);
    expect(pool.listenerCount('error')).toBe(1);
    expect(other.listenerCount('error')).toBe(1);
    await pool.end();
    await other.end();
  });
});
