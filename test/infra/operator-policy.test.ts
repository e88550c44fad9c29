import { runSimulation } from '@cloud-copilot/iam-simulate';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPWARD_TAG_KEYS } from '../../infra/constructs/snapshot-permissions';
import { actionsFor, CodeCalls } from './lib/code-calls';

/**
 * The identity policy README "Running on AWS" gives operators who run the CLI against an account:
 * its actions are exactly the AWS calls the CLI's code can make (read from the code as for the
 * Lambda roles), and it keeps the delete guard (simulated with the placeholders filled in).
 */
const ROOT = join(__dirname, '..', '..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const block = /<!-- operator-policy -->\s*```json\n([\s\S]*?)\n```/.exec(readme);

type Statement = { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> };
const policy = JSON.parse(block?.[1] ?? '{}') as { Statement: Statement[] };

describe('README operator policy', () => {
  it('is in the README, after the operator-policy marker', () => {
    expect(block).not.toBeNull();
    expect(policy.Statement.length).toBeGreaterThan(3);
  });

  it('allows exactly the actions the CLI can call: none missing, none unused', () => {
    // sts:AssumeRole of member and vault roles: only for a fleet naming them, which the README
    // says to add with the role ARNs (the block is for one account); asserted just below.
    const calls = new CodeCalls(ROOT).callsFrom('src/cli/main.ts', 'main');
    const assumes = (c: { pkg: string; op: string }) => c.pkg === '@aws-sdk/client-sts' && c.op === 'AssumeRole';
    expect(calls.some(assumes)).toBe(true);
    expect(readme).toContain('add `sts:AssumeRole` on exactly its member and vault role ARNs');
    const needed = actionsFor(calls.filter((c) => !assumes(c))).map((a) => a.action);
    const granted = [...new Set(policy.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat()))];
    expect({ unused: granted.filter((a) => !needed.includes(a)).sort(), missing: needed.filter((a) => !granted.includes(a)).sort() }).toEqual({ unused: [], missing: [] });
  });

  it('tags only with snapward\'s creation tag set, like the stack', () => {
    const tags = policy.Statement.find((s) => s.Sid === 'CreationTags');
    expect(tags?.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']).toEqual([...SNAPWARD_TAG_KEYS]);
    expect(tags?.Condition?.StringEquals).toEqual({ 'aws:RequestTag/snapward:managed': 'true' });
  });

  it('with the placeholders filled in, the simulator keeps the delete guard', async () => {
    const filled = JSON.parse(JSON.stringify(policy).replace(/<account>/g, '111122223333').replace(/<region(-\d)?>/g, 'us-east-1'));
    const sim = async (action: string, resource: string, contextVariables: Record<string, string | string[]>) => {
      const res = await runSimulation(
        {
          identityPolicies: [{ name: 'operator', policy: filled }],
          serviceControlPolicies: [],
          resourceControlPolicies: [],
          request: { principal: 'arn:aws:iam::111122223333:role/Operator', action, resource: { resource, accountId: '111122223333' }, contextVariables },
        },
        {},
      );
      if (res.resultType === 'error') throw new Error(JSON.stringify(res.errors));
      return res.overallResult;
    };
    const own = 'arn:aws:rds:us-east-1:111122223333:snapshot:sw-orders-db-req-1';
    expect(await sim('rds:AddTagsToResource', own, { 'aws:TagKeys': ['snapward:managed', 'snapward:instance'], 'aws:RequestTag/snapward:managed': 'true', 'aws:RequestTag/snapward:instance': 'orders-db' })).toBe('Allowed');
    expect(await sim('rds:AddTagsToResource', own, { 'aws:TagKeys': ['owner'], 'aws:RequestTag/owner': 'eve' })).toBe('ImplicitlyDenied');
    expect(await sim('rds:DeleteDBSnapshot', 'arn:aws:rds:us-east-1:111122223333:snapshot:sw-foreign', {})).toBe('ImplicitlyDenied');
    expect(await sim('rds:DeleteDBSnapshot', 'arn:aws:rds:us-east-1:111122223333:snapshot:sw-orders-db-20261029', { 'rds:snapshot-tag/snapward:managed': 'true' })).toBe('Allowed');
  });
});
