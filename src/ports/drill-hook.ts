import { DrillHookResult } from '../domain/drill';

/** What a validation hook is told about the restored database. */
export interface DrillHookInput {
  readonly drillId: string;
  readonly endpoint: string | null;
  readonly port: number | null;
  readonly engine: string;
  /** The restored database's id. */
  readonly instance: string;
  /** The fleet member's id. */
  readonly sourceInstance: string;
}

/** The user's validation hook: a command (CLI) or a Lambda function (Lambda). */
export interface DrillHook {
  /** A short description for the record, e.g. `command ./smoke.sh`. */
  readonly describe: string;
  run(input: DrillHookInput, timeoutMs: number): Promise<DrillHookResult & { ok: boolean }>;
}
