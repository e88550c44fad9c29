import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Two passes started at once on a new state file (found by the fault suite, `npm run faults`):
 * both processes saw schema version 0 and the second failed with "table runs already exists".
 * Here 4 processes open one fresh file at once, 8 times over; before the fix about 1 open in 8
 * failed. Real processes: better-sqlite3 is synchronous, so one process cannot interleave this.
 */
const STORE = resolve(__dirname, '..', '..', 'dist', 'src', 'adapters', 'state', 'sqlite-state-store.js');

const openIn = (file: string): Promise<{ code: number | null; stderr: string }> =>
  new Promise((done) => {
    const child = spawn('node', ['-e', `require(${JSON.stringify(STORE)}).SqliteStateStore.open(${JSON.stringify(file)}).close()`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => done({ code, stderr }));
  });

it('processes opening one new SQLite state file at once all succeed, and the schema is made once', async () => {
  const failures: string[] = [];
  for (let round = 0; round < 8; round += 1) {
    const file = join(mkdtempSync(join(tmpdir(), 'snapward-open-')), 'state.db');
    const results = await Promise.all([1, 2, 3, 4].map(() => openIn(file)));
    for (const r of results) if (r.code !== 0) failures.push(r.stderr.split('\n').find((l) => /Error|error/.test(l)) ?? r.stderr);
  }
  expect(failures).toEqual([]);
}, 60_000);
