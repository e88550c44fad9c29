import { spawn } from 'node:child_process';
import { DrillHookResult } from '../../domain/drill';
import { DrillHook, DrillHookInput } from '../../ports/drill-hook';

/** Evidence kept from a hook's output: its last bytes, where the verdict usually is. */
export const MAX_HOOK_OUTPUT = 4096;

/** The environment a hook command sees (besides the process's own). */
export function drillHookEnv(input: DrillHookInput): Record<string, string> {
  return {
    SNAPWARD_DRILL_ENDPOINT: input.endpoint ?? '',
    SNAPWARD_DRILL_PORT: input.port === null ? '' : String(input.port),
    SNAPWARD_DRILL_ENGINE: input.engine,
    SNAPWARD_DRILL_INSTANCE: input.instance,
    SNAPWARD_DRILL_SOURCE_INSTANCE: input.sourceInstance,
    SNAPWARD_DRILL_ID: input.drillId,
  };
}

export function truncateOutput(text: string): string {
  return text.length <= MAX_HOOK_OUTPUT ? text : `…(${text.length - MAX_HOOK_OUTPUT + 1} characters cut)…${text.slice(-(MAX_HOOK_OUTPUT - 40))}`;
}

/**
 * The CLI's hook: `command` run by /bin/sh in `cwd` (the config file's folder) with the
 * SNAPWARD_DRILL_* variables. Exit 0 passes; stdout and stderr are kept (truncated) as evidence.
 * On timeout the whole process group is killed and the drill fails.
 */
export class CommandDrillHook implements DrillHook {
  readonly describe: string;

  constructor(
    private readonly command: string,
    private readonly cwd: string,
  ) {
    this.describe = `command ${command}`;
  }

  run(input: DrillHookInput, timeoutMs: number): Promise<DrillHookResult & { ok: boolean }> {
    return new Promise((resolve) => {
      let output = '';
      let timedOut = false;
      const child = spawn('/bin/sh', ['-c', this.command], { cwd: this.cwd, env: { ...process.env, ...drillHookEnv(input) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      const keep = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        if (output.length > 4 * MAX_HOOK_OUTPUT) output = output.slice(-2 * MAX_HOOK_OUTPUT);
      };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL'); // the group: a shell's children too
        } catch {
          child.kill('SIGKILL');
        }
      }, timeoutMs);
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ ok: false, exitCode: 127, output: truncateOutput(`${output}${err.message}`) });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        if (timedOut) resolve({ ok: false, exitCode: null, output: truncateOutput(`${output}\n(timed out after ${Math.round(timeoutMs / 1000)}s)`) });
        else resolve({ ok: code === 0, exitCode: code ?? 1, output: truncateOutput(output) });
      });
    });
  }
}
