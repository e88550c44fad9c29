import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/**
 * Running moto server for the demo, the integration tests and the benchmarks: installed by
 * scripts/ensure-moto.sh when missing, started on a free loopback port, stopped by its own PID.
 */
export interface MotoInstall {
  readonly python: string;
  readonly pythonPath: string;
}

export interface MotoServer {
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Finds moto (env MOTO_PYTHON first), installing it when missing. Throws with the installer's advice. */
export function ensureMoto(): MotoInstall {
  // Compiled, this file runs from dist/scripts/lib; under ts-jest from scripts/lib.
  const compiled = join(__dirname, '..', '..', '..', 'scripts', 'ensure-moto.sh');
  const scriptPath = existsSync(compiled) ? compiled : join(__dirname, '..', 'ensure-moto.sh');
  let output: string;
  try {
    output = execFileSync('bash', [scriptPath], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch {
    throw new Error('moto is not available and could not be installed (see the messages above from ensure-moto.sh)');
  }
  const value = (name: string): string => (output.match(new RegExp(`^${name}=(.*)$`, 'm'))?.[1] ?? '').trim();
  return { python: value('MOTO_PYTHON'), pythonPath: value('MOTO_PYTHONPATH') };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  readonly install?: MotoInstall;
  /** Extra environment for the server, e.g. MOTO_RDS_SNAPSHOT_LIMIT. */
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

export async function startMoto(options: StartOptions = {}): Promise<MotoServer> {
  const install =
    options.install ?? (process.env.MOTO_PYTHON ? { python: process.env.MOTO_PYTHON, pythonPath: process.env.MOTO_PYTHONPATH ?? '' } : ensureMoto());
  const port = await freePort();
  const child: ChildProcess = spawn(install.python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, PYTHONPATH: install.pythonPath, ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto server exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto server did not answer on ${endpoint} within the timeout: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    endpoint,
    port,
    pid: child.pid as number,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: HTTP ${res.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
