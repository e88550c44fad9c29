import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DrillHookResult } from '../../domain/drill';
import { DrillHook, DrillHookInput } from '../../ports/drill-hook';
import { truncateOutput } from '../hooks/command-drill-hook';
import { AwsClients } from './clients';

/**
 * The Lambda deployment's hook: the function `arn` invoked synchronously with the drill's fields
 * as JSON (`{ endpoint, port, engine, instance, sourceInstance, drillId }`), answering
 * `{ "ok": boolean, "message": string }`. A function error, an answer of another shape or no
 * answer within the timeout fails the drill.
 */
export class LambdaDrillHook implements DrillHook {
  readonly describe: string;

  constructor(
    private readonly clients: AwsClients,
    private readonly arn: string,
  ) {
    this.describe = `lambda ${arn}`;
  }

  async run(input: DrillHookInput, timeoutMs: number): Promise<DrillHookResult & { ok: boolean }> {
    const region = this.arn.split(':')[3] as string;
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const res = await this.clients.lambda(region).send(new InvokeCommand({ FunctionName: this.arn, InvocationType: 'RequestResponse', Payload: Buffer.from(JSON.stringify(input)) }), { abortSignal: signal });
      const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
      if (res.FunctionError) return { ok: false, exitCode: 1, output: truncateOutput(`function error ${res.FunctionError}: ${text}`) };
      let answer: unknown;
      try {
        answer = JSON.parse(text);
      } catch {
        return { ok: false, exitCode: 1, output: truncateOutput(`answer is not JSON: ${text}`) };
      }
      const a = answer as { ok?: unknown; message?: unknown };
      if (typeof a?.ok !== 'boolean') return { ok: false, exitCode: 1, output: truncateOutput(`answer has no boolean "ok": ${text}`) };
      return { ok: a.ok, exitCode: a.ok ? 0 : 1, output: truncateOutput(typeof a.message === 'string' ? a.message : text) };
    } catch (err) {
      if (signal.aborted) return { ok: false, exitCode: null, output: `no answer from ${this.arn} within ${Math.round(timeoutMs / 1000)}s` };
      return { ok: false, exitCode: 1, output: truncateOutput(`invoking ${this.arn}: ${(err as Error).name}: ${(err as Error).message}`) };
    }
  }
}
