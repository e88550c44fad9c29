import { main } from '../../src/cli/main';
import { Output } from '../../src/cli/output';

/** An Output that keeps what the CLI prints, for in-process CLI tests. */
export function captureOutput(): Output & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    json: (doc: unknown) => void (o.stdout += `${JSON.stringify(doc)}\n`),
    line: (text = '') => void (o.stdout += `${text}\n`),
    table: (_c: unknown, rows: readonly Record<string, string>[]) => void (o.stdout += `${rows.map((r) => Object.values(r).join(' ')).join('\n')}\n`),
    error: (text: string) => void (o.stderr += `${text}\n`),
  };
  return o;
}

/** Runs the CLI in-process with `args`; returns its exit code and what it printed. */
export async function runCli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = captureOutput();
  const code = await main(args, out);
  return { code, stdout: out.stdout, stderr: out.stderr };
}
