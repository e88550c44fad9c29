import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AwsClients } from '../../src/adapters/aws/clients';
import { LambdaDrillHook } from '../../src/adapters/aws/lambda-drill-hook';
import { CommandDrillHook, MAX_HOOK_OUTPUT } from '../../src/adapters/hooks/command-drill-hook';

const input = { drillId: 'drill-1', endpoint: 'db.example', port: 5432, engine: 'postgres', instance: 'sw-drill-db1-x', sourceInstance: 'db1' };

describe('CommandDrillHook', () => {
  const dir = mkdtempSync(join(tmpdir(), 'snapward-hook-'));
  it('runs in the given folder with the SNAPWARD_DRILL_* variables; exit 0 passes and stdout is kept', async () => {
    writeFileSync(join(dir, 'smoke.sh'), '#!/bin/sh\necho "$SNAPWARD_DRILL_ENDPOINT:$SNAPWARD_DRILL_PORT $SNAPWARD_DRILL_ENGINE $SNAPWARD_DRILL_INSTANCE $SNAPWARD_DRILL_SOURCE_INSTANCE $SNAPWARD_DRILL_ID"\n', { mode: 0o755 });
    expect(await new CommandDrillHook('./smoke.sh', dir).run(input, 10_000)).toEqual({ ok: true, exitCode: 0, output: 'db.example:5432 postgres sw-drill-db1-x db1 drill-1\n' });
  });
  it('a non-zero exit fails, with stderr kept', async () => {
    expect(await new CommandDrillHook('echo "no users table" >&2; exit 4', dir).run(input, 10_000)).toEqual({ ok: false, exitCode: 4, output: 'no users table\n' });
  });
  it('a hook that outlives its timeout is killed (its children too) and fails with exit code null', async () => {
    const started = Date.now();
    const r = await new CommandDrillHook('echo started; sleep 30 & sleep 30', dir).run(input, 300);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r).toMatchObject({ ok: false, exitCode: null });
    expect(r.output).toMatch(/^started\n\n\(timed out after 0s\)$/);
  });
  it('keeps only the end of a long output', async () => {
    const r = await new CommandDrillHook('i=0; while [ $i -lt 2000 ]; do echo "line $i of noisy output"; i=$((i+1)); done', dir).run(input, 10_000);
    expect(r.ok).toBe(true);
    expect(r.output.length).toBeLessThanOrEqual(MAX_HOOK_OUTPUT + 40);
    expect(r.output).toMatch(/characters cut/);
    expect(r.output).toMatch(/line 1999 of noisy output\n$/);
  });
});

describe('LambdaDrillHook', () => {
  const lambda = mockClient(LambdaClient);
  afterAll(() => lambda.restore());
  beforeEach(() => lambda.reset());
  const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:smoke';
  const hook = () => new LambdaDrillHook(new AwsClients({ maxAttempts: 1 }), arn);
  const answer = (payload: unknown, extra = {}) => ({ StatusCode: 200, Payload: Buffer.from(JSON.stringify(payload)) as never, ...extra });

  it('invokes the ARN synchronously with the drill fields as JSON and reads { ok, message }', async () => {
    lambda.on(InvokeCommand).resolves(answer({ ok: true, message: '42 rows' }));
    expect(await hook().run(input, 5000)).toEqual({ ok: true, exitCode: 0, output: '42 rows' });
    const call = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(call).toMatchObject({ FunctionName: arn, InvocationType: 'RequestResponse' });
    expect(JSON.parse(Buffer.from(call?.Payload as Uint8Array).toString())).toEqual(input);
  });
  it.each([
    ['ok false', answer({ ok: false, message: 'table missing' }), 'table missing'],
    ['a function error', answer({ errorMessage: 'boom' }, { FunctionError: 'Unhandled' }), 'function error Unhandled'],
    ['an answer without ok', answer({ status: 'fine' }), 'no boolean "ok"'],
  ])('%s fails the drill', async (_name, res, text) => {
    lambda.on(InvokeCommand).resolves(res);
    const r = await hook().run(input, 5000);
    expect(r).toMatchObject({ ok: false, exitCode: 1 });
    expect(r.output).toContain(text);
  });
});
