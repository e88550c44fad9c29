import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { STATE_PARTITIONS } from '../../infra/constructs/state-table';
import { SnapwardStack, SnapwardStackProps } from '../../infra/snapward-stack';
import { baseTags, copyTags, TAG } from '../../src/domain/tags';
import { FleetMember, Snapshot } from '../../src/domain/types';
import { actionsFor, CodeCalls, NeededAction, SdkCall } from './lib/code-calls';
import { ACCOUNT, policiesOfRole, PolicyDocument, REGION, rolesOf } from './lib/template-policies';

/**
 * Least privilege, both ways, proven with an IAM policy simulator (@cloud-copilot/iam-simulate)
 * over the synthesised policies:
 *
 * - each function's role grants exactly the actions its handler's code can call (read from the
 *   code by test/infra/lib/code-calls.ts, never hand-listed): a grant no code path uses fails, and
 *   so does a call no grant covers; every needed action is then simulated against the role with
 *   a request like the one the code sends, in every region of the fleet;
 * - the delete guard: snapward's own create-with-tags is allowed, retagging or deleting someone
 *   else's snapshot is denied, for every role in the stack.
 */
const ROOT = join(__dirname, '..', '..');
const KEY_USW2 = 'arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';
const KEY_EUW1 = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

const DRILL_HOOK = `arn:aws:lambda:us-east-1:${'123456789012'}:function:snapward-smoke`;
function synth(props: Partial<SnapwardStackProps> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SnapwardStack(app, 'Snapward', {
    projectRoot: ROOT,
    env: { account: ACCOUNT, region: REGION },
    fleetConfig: { file: 'config/examples/snapward.example.yaml' },
    kmsKeyArns: [KEY_USW2],
    drillHookArn: DRILL_HOOK,
    ...props,
  });
  return { stack, template: Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> } };
}
const logicalId = (stack: Stack, c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);

const HANDLERS = { reconcile: 'reconcile', adhocBackup: 'adhoc-backup', check: 'check', verifyReplication: 'verify-replication' } as const;
type FunctionName = keyof typeof HANDLERS;

/** Granted by the stack for Lambda itself, not for the code: its logs and its async dead-letter queue. */
const PLATFORM_ACTIONS = new Set(['logs:CreateLogStream', 'logs:PutLogEvents', 'sqs:SendMessage']);
/** Calls that read the fleet YAML from S3: needed only when the fleet config is an s3Uri. */
const readsConfigFromS3 = (c: SdkCall) => c.at.startsWith('src/adapters/aws/config-source.ts');

const codeCalls = new CodeCalls(ROOT);
const callsByFunction = Object.fromEntries(Object.entries(HANDLERS).map(([fn, handler]) => [fn, codeCalls.callsOf(handler)])) as Record<FunctionName, SdkCall[]>;

const actionList = (doc: PolicyDocument[]) =>
  [...new Set(doc.flatMap((d) => d.Statement.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action as string | string[]].flat())))].filter((a) => !PLATFORM_ACTIONS.has(a)).sort();

type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

/**
 * KMS authorizes against the key policy too. The keys get the policy AWS gives a new key, which
 * delegates to IAM in the stack's account ("Enable IAM User Permissions"): what the README asks
 * of a DR key, and what leaves the decision to the role's policies under test.
 */
const delegatingKeyPolicy: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'EnableIamUserPermissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};

async function simulate(policies: Array<{ name: string; policy: PolicyDocument }>, action: string, resource: string, context: Record<string, string | string[]> = {}): Promise<Decision> {
  const kmsKey = /^arn:aws:kms:[^:]+:(\d{12}):key\//.exec(resource);
  const res = await runSimulation(
    {
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(kmsKey ? { resourcePolicy: delegatingKeyPolicy } : {}),
      request: { principal: `arn:aws:iam::${ACCOUNT}:role/snapward-test`, action, resource: { resource, accountId: kmsKey ? (kmsKey[1] as string) : ACCOUNT }, contextVariables: context },
    },
    {},
  );
  if (res.resultType === 'error') throw new Error(`simulator refused ${action} on ${resource}: ${JSON.stringify(res.errors)}`);
  return res.overallResult as Decision;
}

// A fleet member and the tags snapward writes on its snapshots and copies (src/domain/tags.ts).
const member = { id: 'jira-prod-use1-1', kind: 'instance', region: 'us-east-1', drRegion: 'us-west-2', tier: 1, product: 'jira', origin: 'config' } as unknown as FleetMember;
const createTags = { ...baseTags(member, 'adhoc'), [TAG.reason]: 'before migration', [TAG.requestedBy]: 'alice' };
const source = { id: 'sw-jira-prod-use1-1-20261129', region: 'us-east-1', tags: baseTags(member, 'daily') } as unknown as Snapshot;
const copyTagSet = copyTags(source, new Date('2026-11-29T00:00:00Z'));
const tagContext = (tags: Record<string, string>) => ({ 'aws:TagKeys': Object.keys(tags), ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])) });
const rdsArn = (region: string, type: string, name: string) => `arn:aws:rds:${region}:${ACCOUNT}:${type}:${name}`;

/**
 * A request like the one the code sends for each action, in each region it may go to. The
 * simulator needs a concrete resource and context; these are test data, not the list of calls.
 */
function requestsFor(action: string, regions: readonly string[], sourceRegions: readonly string[], fn?: FunctionName): Array<{ resource: string; context: Record<string, string | string[]> }> {
  const inRegions = (f: (r: string) => { resource: string; context?: Record<string, string | string[]> }) => regions.map((r) => ({ context: {}, ...f(r) }));
  const requested = (r: string) => ({ 'aws:RequestedRegion': r });
  const viaRds = (r: string) => ({ 'kms:ViaService': `rds.${r}.amazonaws.com` });
  switch (action) {
    case 'rds:DescribeDBInstances':
      return inRegions((r) => ({ resource: rdsArn(r, 'db', 'jira-prod-use1-1'), context: requested(r) }));
    case 'rds:DescribeDBClusters':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster', 'billing-aurora'), context: requested(r) }));
    case 'rds:DescribeDBSnapshots':
      return inRegions((r) => ({ resource: rdsArn(r, 'snapshot', 'rds:jira-prod-use1-1-2026-11-29-03-10'), context: requested(r) }));
    case 'rds:DescribeDBClusterSnapshots':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster-snapshot', 'sw-billing-aurora-20261129'), context: requested(r) }));
    case 'rds:DescribeDBInstanceAutomatedBackups':
      return inRegions((r) => ({ resource: `arn:aws:rds:${r}:${ACCOUNT}:auto-backup:ab-abcdefghijklmnopqrstuvwxyz123456`, context: requested(r) }));
    case 'rds:DescribeAccountAttributes':
      return inRegions((r) => ({ resource: '*', context: requested(r) }));
    case 'rds:CreateDBSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'db', 'jira-prod-use1-1'), context: tagContext(createTags) })).concat(
        inRegions((r) => ({ resource: rdsArn(r, 'snapshot', 'sw-jira-prod-use1-1-ops-12'), context: tagContext(createTags) })),
      );
    case 'rds:CreateDBClusterSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster', 'billing-aurora'), context: tagContext(createTags) })).concat(
        inRegions((r) => ({ resource: rdsArn(r, 'cluster-snapshot', 'sw-billing-aurora-ops-12'), context: tagContext(createTags) })),
      );
    // Restore drills (infra/constructs/drill-permissions.ts): sw-drill-* databases with the drill tag.
    case 'rds:RestoreDBInstanceFromDBSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'db', 'sw-drill-jira-prod-use1-1-20261129100000'), context: { 'aws:RequestTag/snapward:drill': 'drill-1' } }));
    case 'rds:RestoreDBClusterFromSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster', 'sw-drill-billing-aurora-20261129100000'), context: { 'aws:RequestTag/snapward:drill': 'drill-1' } }));
    case 'rds:CreateDBInstance':
      return inRegions((r) => ({ resource: rdsArn(r, 'db', 'sw-drill-billing-aurora-20261129100000-1'), context: { 'aws:RequestTag/snapward:drill': 'drill-1' } }));
    case 'rds:DeleteDBInstance':
      return inRegions((r) => ({ resource: rdsArn(r, 'db', 'sw-drill-jira-prod-use1-1-20261129100000'), context: { 'rds:db-tag/snapward:drill': 'drill-1' } }));
    case 'rds:DeleteDBCluster':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster', 'sw-drill-billing-aurora-20261129100000'), context: { 'rds:cluster-tag/snapward:drill': 'drill-1' } }));
    case 'lambda:InvokeFunction':
      return [{ resource: DRILL_HOOK, context: {} }];
    case 'rds:AddTagsToResource':
      return [
        ...inRegions((r) => ({ resource: rdsArn(r, 'snapshot', 'sw-jira-prod-use1-1-ops-12'), context: tagContext(createTags) })),
        ...inRegions((r) => ({ resource: rdsArn(r, 'cluster-snapshot', 'sw-billing-aurora-20261129'), context: tagContext(copyTagSet) })),
      ];
    case 'rds:CopyDBSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'snapshot', 'sw-jira-prod-use1-1-20261129'), context: tagContext(copyTagSet) }));
    case 'rds:CopyDBClusterSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster-snapshot', 'sw-billing-aurora-20261129'), context: tagContext(copyTagSet) }));
    case 'rds:DeleteDBSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'snapshot', 'sw-jira-prod-use1-1-20261029'), context: { 'rds:snapshot-tag/snapward:managed': 'true' } }));
    case 'rds:DeleteDBClusterSnapshot':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster-snapshot', 'sw-billing-aurora-20261029'), context: { 'rds:cluster-snapshot-tag/snapward:managed': 'true' } }));
    // A managed DR copy shared with the vault account while the vault copies it (issue 16).
    case 'rds:ModifyDBSnapshotAttribute':
      return inRegions((r) => ({ resource: rdsArn(r, 'snapshot', 'sw-jira-prod-use1-1-20261029'), context: { 'rds:snapshot-tag/snapward:managed': 'true' } }));
    case 'rds:ModifyDBClusterSnapshotAttribute':
      return inRegions((r) => ({ resource: rdsArn(r, 'cluster-snapshot', 'sw-billing-aurora-20261029'), context: { 'rds:cluster-snapshot-tag/snapward:managed': 'true' } }));
    case 'kms:DescribeKey':
      // the resolver describes the DR keys itself; RDS describes the source keys during a copy;
      // the watchdog describes both itself (Key Unusable)
      return [
        { resource: KEY_USW2, context: {} },
        { resource: KEY_EUW1, context: {} },
        ...sourceRegions.map((r) => ({ resource: `arn:aws:kms:${r}:${ACCOUNT}:key/5a5a5a5a-1111-2222-3333-444455556666`, context: fn === 'check' ? {} : viaRds(r) })),
      ];
    case 'kms:CreateGrant':
      return [
        { resource: KEY_USW2, context: { ...viaRds('us-west-2'), 'kms:GrantIsForAWSResource': 'true' } },
        { resource: KEY_EUW1, context: { ...viaRds('eu-west-1'), 'kms:GrantIsForAWSResource': 'true' } },
        ...sourceRegions.map((r) => ({ resource: `arn:aws:kms:${r}:${ACCOUNT}:key/5a5a5a5a-1111-2222-3333-444455556666`, context: { ...viaRds(r), 'kms:GrantIsForAWSResource': 'true' } })),
      ];
    case 'events:PutEvents':
      return [{ resource: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/Snapward-alerts`, context: {} }];
    case 's3:ListBucket':
    case 's3:GetBucketVersioning':
    case 's3:GetReplicationConfiguration':
    case 's3:GetBucketLocation':
      return ['jira-media-use1', 'jira-media-usw2'].map((b) => ({ resource: `arn:aws:s3:::${b}`, context: {} }));
    case 's3:GetObject':
      return ['jira-media-use1', 'jira-media-usw2'].map((b) => ({ resource: `arn:aws:s3:::${b}/attachments/2026/11/a.png`, context: {} }));
    default:
      if (action.startsWith('dynamodb:')) return [{ resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Snapward-state`, context: {} }];
      throw new Error(`no sample request for ${action}: add one to requestsFor in ${__filename}`);
  }
}

describe('code calls', () => {
  it('are read from the adapters: each handler reaches the SDK commands its use case needs', () => {
    const ops = (fn: FunctionName) => new Set(callsByFunction[fn].map((c) => c.op));
    expect([...ops('reconcile')]).toEqual(expect.arrayContaining(['CreateDBSnapshot', 'CopyDBSnapshot', 'DeleteDBSnapshot', 'DescribeKey']));
    expect(ops('adhocBackup').has('DeleteDBSnapshot')).toBe(false);
    expect(ops('check').has('PutEvents')).toBe(true);
    expect(ops('verifyReplication').has('HeadObject')).toBe(true);
    expect(ops('verifyReplication').has('CreateDBSnapshot')).toBe(false);
  });

  it('no code path ever tags an existing resource or removes tags', () => {
    const all = Object.values(callsByFunction).flat().map((c) => c.op);
    expect(all.filter((op) => /Tag/.test(op))).toEqual([]);
  });
});

describe.each([
  ['fleet config bundled as a file', {}],
  ['fleet config in S3 (with a local copy)', { fleetConfig: { s3Uri: 's3://ops-config-bucket/snapward/prod.yaml' }, fleetConfigCopy: 'config/examples/snapward.example.yaml' }],
] as const)('each function role against its handler\'s calls: %s', (_label, props) => {
  const { stack, template } = synth(props as Partial<SnapwardStackProps>);
  const s3Config = 'fleetConfig' in props;
  const regions = ['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2'];
  const sourceRegions = ['eu-central-1', 'us-east-1'];

  const needed = (fn: FunctionName): NeededAction[] => actionsFor(callsByFunction[fn].filter((c) => s3Config || !readsConfigFromS3(c)));

  it.each(Object.keys(HANDLERS) as FunctionName[])('%s: grants exactly the actions its code can call', (fn) => {
    const policies = policiesOfRole(template, logicalId(stack, stack.functions[fn].role));
    const granted = actionList(policies.map((p) => p.policy));
    const need = needed(fn).map((n) => n.action);
    const unused = granted.filter((a) => !need.includes(a));
    const missing = need.filter((a) => !granted.includes(a));
    expect({ unused, missing }).toEqual({ unused: [], missing: [] });
  });

  it.each(Object.keys(HANDLERS) as FunctionName[])('%s: the simulator allows every call its code makes, in every fleet region', async (fn) => {
    const policies = policiesOfRole(template, logicalId(stack, stack.functions[fn].role));
    const denied: string[] = [];
    for (const { action, because } of needed(fn)) {
      const requests =
        action === 's3:GetObject' && fn !== 'verifyReplication'
          ? [{ resource: 'arn:aws:s3:::ops-config-bucket/snapward/prod.yaml', context: {} }]
          : requestsFor(action, regions, sourceRegions, fn);
      for (const r of requests) {
        const decision = await simulate(policies, action, r.resource, r.context);
        if (decision !== 'Allowed') denied.push(`${action} on ${r.resource} (${because[0]}): ${decision}`);
      }
    }
    expect(denied).toEqual([]);
  });
});

describe('the delete guard, for every role in the stack', () => {
  const { stack, template } = synth();
  const roles = rolesOf(template);
  const reconcile = policiesOfRole(template, logicalId(stack, stack.functions.reconcile.role));
  const adhoc = policiesOfRole(template, logicalId(stack, stack.functions.adhocBackup.role));
  const foreign = rdsArn('us-east-1', 'snapshot', 'sw-someone-elses-snapshot');
  const foreignCluster = rdsArn('eu-central-1', 'cluster-snapshot', 'sw-someone-elses-cluster-snapshot');

  it('allows snapward\'s own create-with-tags (the create and the tags RDS authorizes with it)', async () => {
    for (const policies of [reconcile, adhoc]) {
      const ctx = tagContext(createTags);
      expect(await simulate(policies, 'rds:CreateDBSnapshot', rdsArn('us-east-1', 'db', 'jira-prod-use1-1'), ctx)).toBe('Allowed');
      expect(await simulate(policies, 'rds:CreateDBSnapshot', rdsArn('us-east-1', 'snapshot', 'sw-jira-prod-use1-1-ops-12'), ctx)).toBe('Allowed');
      expect(await simulate(policies, 'rds:AddTagsToResource', rdsArn('us-east-1', 'snapshot', 'sw-jira-prod-use1-1-ops-12'), ctx)).toBe('Allowed');
      expect(await simulate(policies, 'rds:CreateDBClusterSnapshot', rdsArn('eu-central-1', 'cluster-snapshot', 'sw-billing-aurora-ops-12'), ctx)).toBe('Allowed');
    }
    expect(await simulate(reconcile, 'rds:AddTagsToResource', rdsArn('us-west-2', 'snapshot', 'sw-jira-prod-use1-1-20261129'), tagContext(copyTagSet))).toBe('Allowed');
  });

  it.each([
    ['a tag of its own (owner=dba) on a foreign sw- snapshot', foreign, { owner: 'dba' }, { 'rds:snapshot-tag/owner': 'alice' }],
    ['snapward:managed=true plus a foreign key', foreign, { [TAG.managed]: 'true', owner: 'dba' }, {}],
    ['snapward:managed=true on a snapshot not named sw-', rdsArn('us-east-1', 'snapshot', 'prod-before-upgrade'), { [TAG.managed]: 'true' }, {}],
    ['the whole creation tag set on a snapshot not named sw-', rdsArn('us-east-1', 'snapshot', 'prod-before-upgrade'), createTags, {}],
    ['snapward:managed=false alone (never part of a creation tag set)', foreign, { [TAG.managed]: 'false' }, {}],
    ['a foreign key on a foreign cluster snapshot', foreignCluster, { owner: 'dba' }, {}],
    ['the creation tag set in a region outside the fleet', rdsArn('ap-south-1', 'snapshot', 'sw-x'), createTags, {}],
  ])('denies retagging: %s', async (_what, arn, tags, resourceTags) => {
    for (const role of roles) {
      const policies = policiesOfRole(template, role);
      expect({ role, decision: await simulate(policies, 'rds:AddTagsToResource', arn, { ...tagContext(tags), ...resourceTags }) }).toEqual({ role, decision: expect.stringMatching(/Denied$/) });
      expect({ role, decision: await simulate(policies, 'rds:RemoveTagsFromResource', arn, { 'aws:TagKeys': Object.keys(tags) }) }).toEqual({ role, decision: expect.stringMatching(/Denied$/) });
    }
  });

  it.each([
    ['a foreign sw- snapshot without the tag', 'rds:DeleteDBSnapshot', foreign, {}],
    ['a foreign sw- snapshot tagged snapward:managed=false', 'rds:DeleteDBSnapshot', foreign, { 'rds:snapshot-tag/snapward:managed': 'false' }],
    ['a snapshot not named sw- even if tagged managed', 'rds:DeleteDBSnapshot', rdsArn('us-east-1', 'snapshot', 'prod-before-upgrade'), { 'rds:snapshot-tag/snapward:managed': 'true' }],
    ['a foreign sw- cluster snapshot', 'rds:DeleteDBClusterSnapshot', foreignCluster, {}],
    ['a cluster snapshot whose tag is on the wrong key type', 'rds:DeleteDBClusterSnapshot', foreignCluster, { 'rds:snapshot-tag/snapward:managed': 'true' }],
  ])('denies deleting %s', async (_what, action, arn, context) => {
    for (const role of roles) {
      expect({ role, decision: await simulate(policiesOfRole(template, role), action, arn, context) }).toEqual({ role, decision: expect.stringMatching(/Denied$/) });
    }
  });

  it('only reconcile may delete, and only managed sw- snapshots', async () => {
    const managed = { 'rds:snapshot-tag/snapward:managed': 'true' };
    const allowed: string[] = [];
    for (const role of roles) if ((await simulate(policiesOfRole(template, role), 'rds:DeleteDBSnapshot', rdsArn('us-east-1', 'snapshot', 'sw-jira-prod-use1-1-20261029'), managed)) === 'Allowed') allowed.push(role);
    expect(allowed).toEqual([logicalId(stack, stack.functions.reconcile.role)]);
  });

  it('documents what IAM cannot express: the whole creation tag set on an existing, untagged sw- snapshot looks like tag-on-create', async () => {
    // RDS has no condition key telling "tags of the snapshot this request creates" from "tags on
    // an existing snapshot" (nothing like ec2:CreateAction), so this request is allowed. No code
    // path sends AddTagsToResource (see "code calls" above); README "Running on AWS" lists the
    // account-level guard (an SCP) that closes it. If this starts failing, IAM learned to tell
    // them apart: make the test assert Denied.
    expect(await simulate(reconcile, 'rds:AddTagsToResource', foreign, tagContext(createTags))).toBe('Allowed');
  });
});

describe('the state table, split by partition key (dynamodb:LeadingKeys)', () => {
  // The store and its drills part (dynamodb-drill-store.ts), each read for its key builders.
  const STORES = ['src/adapters/state/dynamodb-state-store.ts', 'src/adapters/state/dynamodb-drill-store.ts'];
  const scanned = STORES.map((STORE) => {
    const text = readFileSync(join(ROOT, STORE), 'utf8');
    /** Constants used as a partition key: `pk: NAME` in a key builder or `':pk': NAME` in a query. */
    const partitionConstants = new Map(
      [...text.matchAll(/(?:pk: |':pk': )([A-Z_]+)\b/g)].map((m) => {
        const name = m[1] as string;
        const value = new RegExp(`const ${name} = '([^']+)'`).exec(text)?.[1];
        if (!value) throw new Error(`${STORE}: partition constant ${name} has no string value`);
        return [name, value] as const;
      }),
    );
    return { STORE, text, partitionConstants };
  });
  /** The partition-key patterns the code reachable from a handler can touch. */
  function partitionsOf(handler: string): string[] {
    const out = new Set<string>();
    for (const { STORE, text, partitionConstants } of scanned) {
      for (const name of codeCalls.declarationsReached(handler, STORE)) {
        const constant = partitionConstants.get(name);
        if (constant) out.add(constant);
        const builder = new RegExp(`const ${name} = \\([^)]*\\)(?:: Key)? => \\(\\{ pk: (?:\`([A-Z]+#)\\$\\{|([A-Z_]+)\\b)`).exec(text);
        if (builder?.[1]) out.add(`${builder[1]}*`);
        if (builder?.[2]) out.add(partitionConstants.get(builder[2]) ?? `?${builder[2]}`);
      }
    }
    return [...out].sort();
  }

  const { stack, template } = synth();
  const leadingKeysOf = (fn: FunctionName) =>
    policiesOfRole(template, logicalId(stack, stack.functions[fn].role))
      .flatMap((p) => p.policy.Statement)
      .filter((s) => [s.Action].flat().some((a) => String(a).startsWith('dynamodb:')))
      .map((s) => (s.Condition as { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': string[] } })['ForAllValues:StringLike']['dynamodb:LeadingKeys']);

  it('the key builders are read from the store: every partition the store writes is known to the stack', () => {
    const all = Object.values(STATE_PARTITIONS).flat();
    const used = [...new Set(Object.values(HANDLERS).flatMap(partitionsOf))];
    expect(used.filter((p) => !(all as readonly string[]).includes(p))).toEqual([]);
    // The drill store's partitions are reached through the store's drill delegates (a coarse reach for verify-replication).
    expect(partitionsOf('verify-replication')).toEqual(['DRILL#*', 'DRILLS', 'DRILLSIGHTINGS', 'RUN#*', 'RUNNING', 'RUNS']);
  });

  it.each(Object.keys(HANDLERS) as FunctionName[])('%s: may touch exactly the partitions its code reaches', (fn) => {
    const granted = leadingKeysOf(fn);
    expect(granted).toHaveLength(1);
    expect([...(granted[0] ?? [])].sort()).toEqual(partitionsOf(HANDLERS[fn]));
  });

  it.each(Object.keys(HANDLERS) as FunctionName[])('%s: the simulator allows its partitions and denies the others', async (fn) => {
    const policies = policiesOfRole(template, logicalId(stack, stack.functions[fn].role));
    const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/Snapward-state`;
    const sample = (pattern: string) => pattern.replace('*', 'x-1');
    const mine = partitionsOf(HANDLERS[fn]);
    const decisions: Record<string, Decision> = {};
    for (const pattern of Object.values(STATE_PARTITIONS).flat()) {
      decisions[pattern] = await simulate(policies, 'dynamodb:PutItem', table, { 'dynamodb:LeadingKeys': [sample(pattern)] });
    }
    const expected = Object.fromEntries(Object.values(STATE_PARTITIONS).flat().map((p) => [p, mine.includes(p) ? 'Allowed' : 'ImplicitlyDenied']));
    expect(decisions).toEqual(expected);
    // a request touching one partition it may and one it may not is denied as a whole
    const other = Object.values(STATE_PARTITIONS).flat().find((p) => !mine.includes(p));
    if (other) expect(await simulate(policies, 'dynamodb:BatchGetItem', table, { 'dynamodb:LeadingKeys': [sample(mine[0] as string), sample(other)] })).toBe('ImplicitlyDenied');
  });
});
