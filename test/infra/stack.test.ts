import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SNAPWARD_TAG_KEYS } from '../../infra/constructs/snapshot-permissions';
import { STATE_TABLE_ACTIONS } from '../../infra/constructs/state-table';
import { SnapwardStack, SnapwardStackProps } from '../../infra/snapward-stack';

/**
 * The stack's template, asserted resource by resource. Bundling is skipped (context
 * `aws:cdk:bundling-stacks: []`), so these tests need the handler entry files but never run esbuild.
 */
const ROOT = join(__dirname, '..', '..');
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
const KEY_USW2 = 'arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';
/** The example fleet names this DR key by ARN under kms.eu-west-1: granted without being listed. */
const KEY_EUW1 = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
/** The example fleet's databases live in these (its source keys are granted through RDS there). */
const SOURCE_REGIONS = ['eu-central-1', 'us-east-1'];

function synth(props: Partial<SnapwardStackProps> = {}): { stack: SnapwardStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SnapwardStack(app, 'Snapward', {
    projectRoot: ROOT,
    fleetConfig: { file: 'config/examples/snapward.example.yaml' },
    regions: REGIONS,
    // the example fleet's us-west-2 key is an alias: IAM needs its ARN from the settings
    kmsKeyArns: [KEY_USW2],
    attachmentBuckets: ['jira-media-use1', 'jira-media-usw2'],
    ...props,
  });
  return { stack, template: Template.fromStack(stack) };
}

/** `arn:${AWS::Partition}:rds:<region>:${AWS::AccountId}:<type>:<name>` as CloudFormation renders it. */
const rdsArn = (region: string, type: string, name: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:rds:${region}:`, { Ref: 'AWS::AccountId' }, `:${type}:${name}`]],
});
const s3Arn = (resource: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${resource}`]] });

type Statement = { Sid?: string; Effect: string; Action: string | string[]; Resource?: unknown; Condition?: unknown; Principal?: unknown };

const { stack, template } = synth();
const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string }> };
/** The logical id of an L2 construct's CloudFormation resource in `stack`. */
const logicalId = (c: IConstruct, in_: Stack = stack) => in_.getLogicalId(c.node.defaultChild as CfnElement);
const fnId = (name: keyof SnapwardStack['functions']) => logicalId(stack.functions[name].function);
const roleId = (name: keyof SnapwardStack['functions']) => logicalId(stack.functions[name].role);

/** Every statement of every identity policy attached to the role. */
function statementsOfRole(id: string): Statement[] {
  return Object.values(json.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: id }]))
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const bySid = (statements: Statement[], sid: string) => statements.filter((s) => s.Sid === sid);
const actionsOf = (statements: Statement[]) => statements.flatMap((s) => [s.Action].flat());

describe('SnapwardStack: functions', () => {
  const expected = {
    reconcile: { entry: 'reconcile', memory: 1024, timeout: 900, retries: 0, age: 600 },
    adhocBackup: { entry: 'adhoc-backup', memory: 512, timeout: 60, retries: 2, age: 3600 },
    check: { entry: 'check', memory: 1024, timeout: 120, retries: 0, age: 240 },
    verifyReplication: { entry: 'verify-replication', memory: 512, timeout: 900, retries: 0, age: 1800 },
  } as const;

  it.each(Object.entries(expected))('%s: Node.js 22 on arm64 with its memory, timeout and environment', (name, want) => {
    const props = json.Resources[fnId(name as keyof typeof expected)]?.Properties;
    expect(props).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: want.memory,
      Timeout: want.timeout,
      Role: { 'Fn::GetAtt': [roleId(name as keyof typeof expected), 'Arn'] },
    });
    const env = (props?.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({
      SNAPWARD_CONFIG: '/var/task/snapward.yaml',
      SNAPWARD_STATE_TABLE: { Ref: logicalId(stack.table.table) },
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it.each(Object.entries(expected))('%s: Lambda async retries and event age', (name, want) => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fnId(name as keyof typeof expected) },
      MaximumRetryAttempts: want.retries,
      MaximumEventAgeInSeconds: want.age,
      Qualifier: '$LATEST',
    });
  });

  it('the four entries are the handler files, and each exists', () => {
    for (const name of Object.values(expected).map((e) => e.entry)) {
      expect(readFileSync(join(ROOT, 'handlers', `${name}.ts`), 'utf8')).toMatch(/export async function handler|export const handler/);
    }
  });

  it('only the check function knows the alert bus (name and region)', () => {
    const env = (id: string) => (json.Resources[id]?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env(fnId('check'))).toMatchObject({
      SNAPWARD_ALERT_BUS: { Ref: logicalId(stack.alertBus) },
      SNAPWARD_ALERT_BUS_REGION: { Ref: 'AWS::Region' },
    });
    for (const other of ['reconcile', 'adhocBackup', 'verifyReplication'] as const) expect(env(fnId(other))).not.toHaveProperty('SNAPWARD_ALERT_BUS');
  });

  it('each function logs to its own log group (90 days) and may write only there', () => {
    for (const name of Object.keys(expected) as Array<keyof typeof expected>) {
      const logs = logicalId(stack.functions[name].logGroup);
      expect(json.Resources[logs]?.Properties).toEqual({ RetentionInDays: 90 });
      expect(json.Resources[fnId(name)]?.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logs } });
      expect(bySid(statementsOfRole(roleId(name)), 'WriteOwnLogs')).toEqual([
        { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logs, 'Arn'] } },
      ]);
    }
  });

  it('no function role carries a managed policy', () => {
    for (const name of Object.keys(expected) as Array<keyof typeof expected>) {
      expect(json.Resources[roleId(name)]?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('SnapwardStack: IAM', () => {
  const reconcile = statementsOfRole(roleId('reconcile'));

  it('rds:DeleteDBSnapshot only on sw-* snapshots tagged snapward:managed=true', () => {
    expect(bySid(reconcile, 'RdsDeleteManagedDbSnapshots')).toStrictEqual([
      {
        Sid: 'RdsDeleteManagedDbSnapshots',
        Effect: 'Allow',
        Action: 'rds:DeleteDBSnapshot',
        Resource: REGIONS.map((r) => rdsArn(r, 'snapshot', 'sw-*')),
        Condition: { StringEquals: { 'rds:snapshot-tag/snapward:managed': 'true' } },
      },
    ]);
  });

  it('rds:DeleteDBClusterSnapshot only on sw-* cluster snapshots tagged snapward:managed=true', () => {
    expect(bySid(reconcile, 'RdsDeleteManagedClusterSnapshots')).toStrictEqual([
      {
        Sid: 'RdsDeleteManagedClusterSnapshots',
        Effect: 'Allow',
        Action: 'rds:DeleteDBClusterSnapshot',
        Resource: REGIONS.map((r) => rdsArn(r, 'cluster-snapshot', 'sw-*')),
        Condition: { StringEquals: { 'rds:cluster-snapshot-tag/snapward:managed': 'true' } },
      },
    ]);
  });

  it('no other statement anywhere allows a delete', () => {
    const deletes = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy')
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .filter((s) => s.Effect === 'Allow' && actionsOf([s]).some((a) => /delete/i.test(a) && !a.startsWith('dynamodb:')));
    // (The drill deletes, tag-conditioned, are asserted in drill-permissions.test.ts.)
    expect(deletes.map((s) => s.Sid).sort()).toEqual(['RdsDeleteDrillClusters', 'RdsDeleteDrillInstances', 'RdsDeleteManagedClusterSnapshots', 'RdsDeleteManagedDbSnapshots']);
  });

  it('RDS describe: resource * (no ARN form exists for all of them), limited to the configured regions; the watchdog alone reads backups and quotas', () => {
    const fleet = ['rds:DescribeDBInstances', 'rds:DescribeDBClusters', 'rds:DescribeDBSnapshots', 'rds:DescribeDBClusterSnapshots'];
    const describe = (actions: string[]) => ({ Sid: 'RdsDescribeFleet', Effect: 'Allow', Action: actions, Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': REGIONS } } });
    for (const name of ['reconcile', 'adhocBackup'] as const) expect(bySid(statementsOfRole(roleId(name)), 'RdsDescribeFleet')).toStrictEqual([describe(fleet)]);
    expect(bySid(statementsOfRole(roleId('check')), 'RdsDescribeFleet')).toStrictEqual([describe([...fleet, 'rds:DescribeDBInstanceAutomatedBackups', 'rds:DescribeAccountAttributes'])]);
    expect(bySid(statementsOfRole(roleId('verifyReplication')), 'RdsDescribeFleet')).toEqual([]);
  });

  it('create, tag and copy only snapward-named snapshots in the configured regions', () => {
    expect(bySid(reconcile, 'RdsCreateDbSnapshots')).toStrictEqual([
      {
        Sid: 'RdsCreateDbSnapshots',
        Effect: 'Allow',
        Action: 'rds:CreateDBSnapshot',
        Resource: [...REGIONS.map((r) => rdsArn(r, 'db', '*')), ...REGIONS.map((r) => rdsArn(r, 'snapshot', 'sw-*'))],
      },
    ]);
    expect(bySid(reconcile, 'RdsCreateClusterSnapshots')).toStrictEqual([
      {
        Sid: 'RdsCreateClusterSnapshots',
        Effect: 'Allow',
        Action: 'rds:CreateDBClusterSnapshot',
        Resource: [...REGIONS.map((r) => rdsArn(r, 'cluster', '*')), ...REGIONS.map((r) => rdsArn(r, 'cluster-snapshot', 'sw-*'))],
      },
    ]);
    const own = [...REGIONS.map((r) => rdsArn(r, 'snapshot', 'sw-*')), ...REGIONS.map((r) => rdsArn(r, 'cluster-snapshot', 'sw-*'))];
    expect(bySid(reconcile, 'RdsTagOwnSnapshotsOnCreate')).toStrictEqual([
      {
        Sid: 'RdsTagOwnSnapshotsOnCreate',
        Effect: 'Allow',
        Action: 'rds:AddTagsToResource',
        Resource: own,
        Condition: {
          'ForAllValues:StringEquals': { 'aws:TagKeys': [...SNAPWARD_TAG_KEYS] },
          StringEquals: { 'aws:RequestTag/snapward:managed': 'true' },
        },
      },
    ]);
    expect(bySid(reconcile, 'RdsCopyOwnSnapshots')).toStrictEqual([
      { Sid: 'RdsCopyOwnSnapshots', Effect: 'Allow', Action: ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot'], Resource: own },
    ]);
  });

  it('adhoc-backup may take and tag snapshots but not copy or delete them; check and verify take none; check may only describe keys', () => {
    const adhoc = actionsOf(statementsOfRole(roleId('adhocBackup')));
    expect(adhoc).toEqual(expect.arrayContaining(['rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot', 'rds:AddTagsToResource']));
    expect(adhoc.filter((a) => /^rds:(Copy|Delete)/.test(a) || a.startsWith('kms:'))).toEqual([]);
    for (const name of ['check', 'verifyReplication'] as const) {
      expect(actionsOf(statementsOfRole(roleId(name))).filter((a) => /^rds:(Create|Copy|Delete|AddTags)/.test(a) || (a.startsWith('kms:') && !(name === 'check' && a === 'kms:DescribeKey')))).toEqual([]);
    }
    const kmsArn = (region: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${region}:`, { Ref: 'AWS::AccountId' }, ':key/*']] });
    expect(bySid(statementsOfRole(roleId('check')), 'KmsInspectKeys')).toStrictEqual([
      { Sid: 'KmsInspectKeys', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: [KEY_EUW1, KEY_USW2, ...SOURCE_REGIONS.map(kmsArn)] },
    ]);
  });

  it('KMS: the fleet DR keys (by ARN) and the source regions keys through RDS; grants only for AWS resources; no data-key actions', () => {
    const keys = [KEY_EUW1, KEY_USW2];
    expect(bySid(reconcile, 'KmsDescribeDrKeys')).toStrictEqual([{ Sid: 'KmsDescribeDrKeys', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: keys }]);
    expect(bySid(reconcile, 'KmsCreateGrantOnDrKeysForRds')).toStrictEqual([
      {
        Sid: 'KmsCreateGrantOnDrKeysForRds',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: keys,
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: { 'kms:ViaService': REGIONS.map((r) => `rds.${r}.amazonaws.com`) } },
      },
    ]);
    const kmsArn = (region: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:kms:${region}:`, { Ref: 'AWS::AccountId' }, ':key/*']] });
    const viaSource = { 'kms:ViaService': REGIONS.map((r) => `rds.${r}.amazonaws.com`) };
    expect(bySid(reconcile, 'KmsDescribeSourceKeysThroughRds')).toStrictEqual([
      { Sid: 'KmsDescribeSourceKeysThroughRds', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: SOURCE_REGIONS.map(kmsArn), Condition: { StringEquals: viaSource } },
    ]);
    expect(bySid(reconcile, 'KmsCreateGrantOnSourceKeysForRds')).toStrictEqual([
      {
        Sid: 'KmsCreateGrantOnSourceKeysForRds',
        Effect: 'Allow',
        Action: 'kms:CreateGrant',
        Resource: SOURCE_REGIONS.map(kmsArn),
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: viaSource },
      },
    ]);
    expect(actionsOf(reconcile).filter((a) => a.startsWith('kms:')).sort()).toEqual(['kms:CreateGrant', 'kms:CreateGrant', 'kms:DescribeKey', 'kms:DescribeKey']);
  });

  it('verify-replication reads exactly the attachment buckets', () => {
    const verify = statementsOfRole(roleId('verifyReplication'));
    expect(bySid(verify, 'S3ReadReplicationSetup')).toStrictEqual([
      {
        Sid: 'S3ReadReplicationSetup',
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:GetBucketVersioning', 's3:GetReplicationConfiguration', 's3:GetBucketLocation'],
        Resource: [s3Arn('jira-media-use1'), s3Arn('jira-media-usw2')],
      },
    ]);
    expect(bySid(verify, 'S3HeadAttachmentObjects')).toStrictEqual([
      { Sid: 'S3HeadAttachmentObjects', Effect: 'Allow', Action: 's3:GetObject', Resource: [s3Arn('jira-media-use1/*'), s3Arn('jira-media-usw2/*')] },
    ]);
    expect(actionsOf(verify).filter((a) => a.startsWith('rds:') || a.startsWith('kms:') || a.startsWith('events:'))).toEqual([]);
  });

  it('the check function may put events on the alert bus only', () => {
    const puts = statementsOfRole(roleId('check')).filter((s) => actionsOf([s]).includes('events:PutEvents'));
    expect(puts).toStrictEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [logicalId(stack.alertBus), 'Arn'] } }]);
    for (const name of ['reconcile', 'adhocBackup', 'verifyReplication'] as const) expect(actionsOf(statementsOfRole(roleId(name)))).not.toContain('events:PutEvents');
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'Snapward-alerts' });
  });

  it('every function reads and writes items of the state table in its own partitions, and nothing else on it', () => {
    const partitions = {
      reconcile: ['RUN#*', 'RUNS', 'RUNNING', 'MEMBERS', 'MEMBER#*', 'LEASE#*', 'DRILL#*', 'DRILLS', 'DRILLSIGHTINGS'],
      adhocBackup: ['RUN#*', 'RUNS', 'RUNNING', 'MEMBERS', 'MEMBER#*', 'LEASE#*', 'DRILL#*', 'DRILLS', 'DRILLSIGHTINGS'],
      check: ['RUN#*', 'RUNS', 'RUNNING', 'MEMBERS', 'MEMBER#*', 'LEASE#*', 'FINDINGS', 'FINDING#*', 'FINDINGKEY#*', 'HISTORY#*', 'DRILL#*', 'DRILLS', 'DRILLSIGHTINGS'],
      verifyReplication: ['RUN#*', 'RUNS', 'RUNNING', 'DRILL#*', 'DRILLS', 'DRILLSIGHTINGS'],
    } as const;
    for (const name of ['reconcile', 'adhocBackup', 'check', 'verifyReplication'] as const) {
      const onTable = statementsOfRole(roleId(name)).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
      expect(onTable).toStrictEqual([
        {
          Effect: 'Allow',
          Action: [...STATE_TABLE_ACTIONS, ...(name === 'check' ? ['dynamodb:BatchWriteItem'] : [])],
          Resource: { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] },
          Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...partitions[name]] } },
        },
      ]);
    }
  });

  it('the table grant covers every DynamoDB call the store makes', () => {
    // Data-plane commands of the store adapter -> the IAM actions they need. CreateTable and the
    // TTL calls belong to `createTable`, which only tests and local setups use.
    const needs: Record<string, string[]> = {
      Get: ['dynamodb:GetItem'],
      BatchGet: ['dynamodb:BatchGetItem'],
      Query: ['dynamodb:Query'],
      Put: ['dynamodb:PutItem'],
      Update: ['dynamodb:UpdateItem'],
      Delete: ['dynamodb:DeleteItem'],
      BatchWrite: ['dynamodb:BatchWriteItem'],
      TransactWrite: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', ...(/\bConditionCheck:/.test(readFileSync(join(ROOT, 'src', 'adapters', 'state', 'dynamodb-state-store.ts'), 'utf8')) ? ['dynamodb:ConditionCheckItem'] : [])],
      Scan: ['dynamodb:Scan'],
      TransactGet: ['dynamodb:GetItem'],
    };
    const setupOnly = new Set(['CreateTable', 'DescribeTimeToLive', 'UpdateTimeToLive', 'DescribeTable']);
    const source = readFileSync(join(ROOT, 'src', 'adapters', 'state', 'dynamodb-state-store.ts'), 'utf8');
    const commands = [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1] as string))].filter((c) => !setupOnly.has(c));
    const unknown = commands.filter((c) => !(c in needs));
    expect(unknown).toEqual([]);
    const missing = commands.flatMap((c) => (needs[c] ?? []).filter((a) => ![...STATE_TABLE_ACTIONS, 'dynamodb:BatchWriteItem'].includes(a)));
    expect(missing).toEqual([]);
  });

  it('no statement anywhere allows a wildcard action; the only wildcard Deny is the queues\' TLS guard', () => {
    const statements: Array<Statement & { in: string }> = [];
    for (const [id, r] of Object.entries(json.Resources)) {
      const docs = [r.Properties.PolicyDocument, r.Properties.AssumeRolePolicyDocument, ...((r.Properties.Policies as Array<{ PolicyDocument: unknown }> | undefined) ?? []).map((p) => p.PolicyDocument)];
      for (const doc of docs) for (const s of (doc as { Statement?: Statement[] } | undefined)?.Statement ?? []) statements.push({ ...s, in: id });
      if (r.Type === 'AWS::Lambda::Permission') statements.push({ Effect: 'Allow', Action: r.Properties.Action as string, in: id });
    }
    expect(statements.length).toBeGreaterThan(40);
    const wildcard = (a: string) => a === '*' || /^[a-z0-9-]+:\*$/.test(a);
    expect(statements.filter((s) => s.Effect === 'Allow' && actionsOf([s]).some((a) => a.includes('*'))).map((s) => `${s.in}: ${JSON.stringify(s.Action)}`)).toEqual([]);
    const denies = statements.filter((s) => s.Effect === 'Deny' && actionsOf([s]).some((a) => a.startsWith('sqs:') || a.startsWith('s3:')));
    expect(denies.length).toBe(7); // one per dead-letter queue, one for the report bucket
    for (const d of denies) {
      expect(d).toMatchObject({ Action: expect.stringMatching(/^(sqs|s3):\*$/), Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Principal: { AWS: '*' } });
      expect(wildcard(d.Action as string)).toBe(true);
    }
  });
});

describe('SnapwardStack: schedules', () => {
  const cases = [
    { name: 'reconcile', cron: 'cron(0/15 * * * ? *)', window: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 }, retry: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 }, input: { dryRun: false } },
    { name: 'check', cron: 'cron(0/5 * * * ? *)', window: { Mode: 'OFF' }, retry: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 240 }, input: {} },
    { name: 'verifyReplication', cron: 'cron(30 * * * ? *)', window: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 }, retry: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 1800 }, input: { mode: 'sample' } },
  ] as const;

  it.each(cases)('$name: $cron in UTC, its window, retry policy and dead-letter queue', (c) => {
    const sched = stack.schedules[c.name];
    const props = json.Resources[logicalId(sched.schedule)]?.Properties;
    expect(props).toStrictEqual({
      Description: expect.any(String),
      ScheduleExpression: c.cron,
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: c.window,
      State: 'ENABLED',
      Target: {
        Arn: { 'Fn::GetAtt': [fnId(c.name), 'Arn'] },
        RoleArn: { 'Fn::GetAtt': [logicalId(sched.role), 'Arn'] },
        RetryPolicy: c.retry,
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(sched.deadLetterQueue), 'Arn'] } },
        Input: JSON.stringify(c.input),
      },
    });
  });

  it.each(cases)('$name: the execution role may invoke its function and write its dead-letter queue, nothing else', (c) => {
    const sched = stack.schedules[c.name];
    expect(statementsOfRole(logicalId(sched.role))).toStrictEqual([
      { Sid: 'InvokeTarget', Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: { 'Fn::GetAtt': [fnId(c.name), 'Arn'] } },
      { Sid: 'SendToDeadLetterQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': [logicalId(sched.deadLetterQueue), 'Arn'] } },
    ]);
    expect(json.Resources[logicalId(sched.role)]?.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': expect.anything() } },
        },
      ],
    });
  });

  it('every dead-letter queue is encrypted (SSE-SQS), keeps messages 14 days and refuses plain HTTP', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(6); // operator requests, one per schedule (the DR report's included), the alert rule
    for (const [id, q] of Object.entries(queues)) {
      expect(q.Properties).toEqual({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
    }
  });
});

describe('SnapwardStack: operator rule', () => {
  it('Backup Requested from snapward.operator on the operator bus -> adhoc-backup, with retries and a dead-letter queue', () => {
    const rule = json.Resources[logicalId(stack.operatorRule.rule)]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: logicalId(stack.operatorRule.bus) }); // not the default bus
    expect(rule.EventPattern).toStrictEqual({ source: ['snapward.operator'], 'detail-type': ['Backup Requested'] });
    const dlq = logicalId(stack.functions.adhocBackup.function.deadLetterQueue!);
    expect(rule.Targets).toStrictEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [fnId('adhocBackup'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId('adhocBackup'), 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalId(stack.operatorRule.rule), 'Arn'] },
    });
    // The function's own failures (after Lambda's 2 retries) land in the same queue.
    expect(json.Resources[fnId('adhocBackup')]?.Properties.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } });
  });
});

describe('SnapwardStack: RDS snapshot deletions run a check at once', () => {
  it("deletion events of snapward's snapshots on the region's default bus -> check, with retries and the check's dead-letter queue", () => {
    const rule = json.Resources[logicalId(stack.deletionRule.rule)]!.Properties;
    expect(rule.EventBusName).toBeUndefined(); // the default bus: where RDS delivers its events
    expect(rule.EventPattern).toStrictEqual({
      source: ['aws.rds'],
      'detail-type': ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'],
      detail: { EventCategories: ['deletion'], SourceIdentifier: [{ prefix: 'sw-' }, { prefix: 'rds:sw-' }] },
    });
    expect(rule.Targets).toStrictEqual([
      {
        Id: 'Target0',
        Arn: { 'Fn::GetAtt': [fnId('check'), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.schedules.check.deadLetterQueue), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId('check'), 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [logicalId(stack.deletionRule.rule), 'Arn'] },
    });
  });
});

describe('SnapwardStack: state table', () => {
  it('on-demand, PITR, encrypted with the AWS managed key, TTL on expiresAt, pk/sk strings, retained', () => {
    const table = json.Resources[logicalId(stack.table.table)]!;
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    expect(table.Properties).toStrictEqual({
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true }, // KMS with the AWS managed aws/dynamodb key
      TableName: 'Snapward-state',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      DeletionProtectionEnabled: true,
    });
  });
});

describe('SnapwardStack: alarms', () => {
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);

  it('Errors and Throttles > 0 for each function (reconcile: Throttles in 3 periods in a row, since events wait for a running pass)', () => {
    for (const name of ['reconcile', 'adhocBackup', 'check', 'verifyReplication'] as const) {
      for (const metric of ['Errors', 'Throttles']) {
        const periods = name === 'reconcile' && metric === 'Throttles' ? 3 : 1;
        expect(alarms).toContainEqual(
          expect.objectContaining({
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(name) } }],
            Statistic: 'Sum',
            Period: 300,
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
            EvaluationPeriods: periods,
            DatapointsToAlarm: periods,
            TreatMissingData: 'notBreaching',
          }),
        );
      }
    }
  });

  it('a visible message in any dead-letter queue', () => {
    const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
    for (const id of queues) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/SQS',
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }],
          Statistic: 'Maximum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
    // Errors and Throttles of 5 functions (the DR report's included), the tier 0/1 breach alarms, the queues.
    expect(alarms).toHaveLength(10 + 2 + queues.length);
  });

  it('without alarmTopicArn every alarm notifies the stack\'s own alert topic, on ALARM and on OK', () => {
    const topic = { Ref: logicalId(stack.alerts.topic) };
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) {
      expect(a.AlarmActions).toEqual([topic]);
      expect(a.OKActions).toEqual([topic]);
    }
  });
});

describe('SnapwardStack: cdk-nag AwsSolutions', () => {
  it('no unacknowledged finding', () => {
    // cdk-nag v3 is a CDK policy-validation plugin: findings come back in a report, not as
    // annotations. validateScope runs the same checks `npm run synth` gates on.
    const report = new AwsSolutionsChecks().validateScope(stack);
    const errors = report.violations.filter((v) => v.severity === 'error').map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
    expect(errors).toEqual([]);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
    // And nothing in the stack reports an error annotation (v2-style packs, CDK itself).
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  it('every acknowledgement carries its reason', () => {
    const acks = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => ({ at: c.node.path, data: m.data as Record<string, unknown> })));
    expect(acks.length).toBeGreaterThan(10);
    for (const { at, data } of acks) {
      for (const [id, reason] of Object.entries(data)) {
        expect({ at, id, reason: typeof reason === 'string' && reason.length >= 60 }).toEqual({ at, id, reason: true });
      }
    }
  });

  it('a wildcard added later is not covered by an existing acknowledgement', () => {
    const { stack: other } = synth();
    other.functions.check.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['rds:DescribeDBInstances'], resources: ['*'] }));
    const rules = new AwsSolutionsChecks().validateScope(other).violations.map((v) => v.ruleName);
    expect(rules).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });
});

describe('SnapwardStack: fleet config in S3, alarm topic', () => {
  const { stack: s3stack, template: s3template } = synth({
    fleetConfig: { s3Uri: 's3://ops-config-bucket/snapward/prod.yaml' },
    alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:ops-alarms',
  });
  const s3json = s3template.toJSON() as typeof json;

  it('every function reads exactly that object, and SNAPWARD_CONFIG is the s3:// URI', () => {
    for (const name of ['reconcile', 'adhocBackup', 'check', 'verifyReplication'] as const) {
      const fn = s3json.Resources[logicalId(s3stack.functions[name].function, s3stack)]!;
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.SNAPWARD_CONFIG).toBe('s3://ops-config-bucket/snapward/prod.yaml');
      const role = logicalId(s3stack.functions[name].role, s3stack);
      const statements = Object.values(s3json.Resources)
        .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: role }]))
        .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      expect(bySid(statements, 'ReadFleetConfigObject')).toStrictEqual([
        { Sid: 'ReadFleetConfigObject', Effect: 'Allow', Action: 's3:GetObject', Resource: s3Arn('ops-config-bucket/snapward/prod.yaml') },
      ]);
    }
  });

  it('alarms notify the given topic on ALARM and on OK', () => {
    const alarms = Object.values(s3template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(18); // 5 functions x 2, 6 dead-letter queues, tier 0/1 breaches
    for (const a of alarms) {
      expect(a.Properties.AlarmActions).toEqual(['arn:aws:sns:us-east-1:111122223333:ops-alarms']);
      expect(a.Properties.OKActions).toEqual(['arn:aws:sns:us-east-1:111122223333:ops-alarms']);
    }
  });

  it('still passes cdk-nag', () => {
    expect(new AwsSolutionsChecks().validateScope(s3stack).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('SnapwardStack: props validation', () => {
  const build = (props: Partial<SnapwardStackProps>) => () => synth(props);

  it('reports every bad prop at once, with the value and the fix', () => {
    expect(
      build({
        regions: ['us-east-1', 'us-east'],
        kmsKeyArns: ['arn:aws:kms:us-west-2:111122223333:alias/snapward-dr', 'arn:aws:kms:ap-south-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
        attachmentBuckets: ['s3://not-a-name'],
        alertBusName: 'default',
        alarmTopicArn: 'ops-alarms',
      }),
    ).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /6 problems[\s\S]*regions\[1\]: got "us-east", expected an AWS region code[\s\S]*kmsKeyArns\[0\]: got alias ARN[\s\S]*kmsKeyArns\[1\]: key is in ap-south-1, which is not in regions[\s\S]*attachmentBuckets\[0\]: got "s3:\/\/not-a-name"[\s\S]*alertBusName: got "default"[\s\S]*alarmTopicArn: got "ops-alarms", expected an SNS topic ARN/,
        ),
      }),
    );
  });

  it('fleetConfig: exactly one of s3Uri / file, a real s3 URI, an existing file', () => {
    expect(build({ fleetConfig: { s3Uri: 'https://bucket/key' } })).toThrow(/fleetConfig.s3Uri: got "https:\/\/bucket\/key", expected s3:\/\/<bucket>\/<key>/);
    expect(build({ fleetConfig: { file: 'config/nope.yaml' } })).toThrow(/fleetConfig.file: "config\/nope.yaml" \(resolved to .*\) does not exist/);
    expect(build({ fleetConfig: { s3Uri: 's3://b/k', file: 'x' } as never })).toThrow(/exactly one of them/);
    expect(build({ fleetConfig: { s3Uri: 's3://bucket/configs/*' } })).toThrow(/contains a wildcard/);
  });

  it('alertEmail and operatorPrincipals are checked', () => {
    expect(build({ alertEmail: 'a@b.org, c@d.org' })).toThrow(/alertEmail: got "a@b.org, c@d.org", expected one e-mail address/);
    expect(build({ operatorPrincipals: ['Admin'] })).toThrow(/operatorPrincipals\[0\]: got "Admin", expected an IAM role or user ARN/);
  });

  it('regions may not be empty', () => {
    expect(build({ regions: [] })).toThrow(/regions: got \[\], expected at least one entry/);
  });

  it('defaults: regions, DR key ARNs and buckets come from the fleet; names from the stack name', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bare = new SnapwardStack(app, 'Bare', { projectRoot: ROOT, fleetConfig: { file: 'config/examples/snapward.example.yaml' }, kmsKeyArns: [KEY_USW2] });
    const t = Template.fromStack(bare);
    t.hasResourceProperties('AWS::Events::EventBus', { Name: 'Bare-alerts' });
    t.hasResourceProperties('AWS::Events::EventBus', { Name: 'Bare-operators' });
    t.hasResourceProperties('AWS::DynamoDB::Table', { TableName: 'Bare-state' });
    t.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Sid: 'RdsDescribeFleet', Condition: { StringEquals: { 'aws:RequestedRegion': ['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2'] } } })] },
    });
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: [Match.objectLike({ Sid: 'KmsDescribeDrKeys', Resource: [KEY_EUW1, KEY_USW2] })] } });
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: [Match.objectLike({ Sid: 'S3ReadReplicationSetup', Resource: [s3Arn('jira-media-use1'), s3Arn('jira-media-usw2')] })] } });
  });

  it('a fleet needing a region, key or bucket the settings leave out fails the synth with the list', () => {
    expect(build({ regions: ['us-east-1', 'us-west-2'], kmsKeyArns: [], attachmentBuckets: ['jira-media-use1'] })).toThrow(
      expect.objectContaining({
        message: expect.stringMatching(
          /3 problems[\s\S]*regions: \["us-east-1","us-west-2"\] leaves out eu-central-1, eu-west-1, which the fleet .*snapward.example.yaml uses[\s\S]*kmsKeyArns: the fleet .* encrypts copies in us-west-2 with "alias\/snapward-dr", which IAM cannot authorize by name; add that key's ARN[\s\S]*attachmentBuckets: \["jira-media-use1"\] leaves out jira-media-usw2/,
        ),
      }),
    );
    // settings may add to the fleet's needs
    const { stack: more } = synth({ regions: [...REGIONS, 'ap-south-1'] });
    expect(Stack.of(more).resolve(JSON.stringify(Template.fromStack(more).toJSON()))).toContain('rds.ap-south-1.amazonaws.com');
  });

  it('an s3Uri fleet config is read from its local copy, or needs regions', () => {
    expect(build({ fleetConfig: { s3Uri: 's3://ops/snapward.yaml' }, regions: undefined })).toThrow(/regions: not given, and the fleet config is in S3 with no local copy/);
    expect(build({ fleetConfig: { s3Uri: 's3://ops/snapward.yaml' }, fleetConfigCopy: 'config/examples/snapward.example.yaml', regions: ['us-east-1'], kmsKeyArns: [] })).toThrow(/regions: \["us-east-1"\] leaves out eu-central-1, eu-west-1, us-west-2/);
    expect(() => synth({ fleetConfig: { s3Uri: 's3://ops/snapward.yaml' }, fleetConfigCopy: 'config/examples/snapward.example.yaml', regions: undefined })).not.toThrow();
  });
});

describe('SnapwardStack: alert delivery', () => {
  const topicId = logicalId(stack.alerts.topic);
  const ruleProps = json.Resources[logicalId(stack.alerts.rule)]!.Properties;

  it('an SNS topic encrypted with its own rotated key, refusing plain HTTP', () => {
    const keyId = logicalId(stack.alerts.key);
    expect(json.Resources[topicId]?.Properties).toMatchObject({ KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect(json.Resources[keyId]?.Properties).toMatchObject({ EnableKeyRotation: true });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    // EventBridge and CloudWatch alarms may use the key to publish, from this account only
    const keyPolicy = json.Resources[keyId]?.Properties.KeyPolicy as { Statement: Statement[] };
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      expect(keyPolicy.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Allow', Principal: { Service: service }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
      );
    }
  });

  it('a rule on the alert bus sends every snapward finding event to the topic as a readable message', () => {
    expect(ruleProps.EventBusName).toEqual({ Ref: logicalId(stack.alertBus) });
    expect(ruleProps.EventPattern).toStrictEqual({ source: ['snapward'] });
    const [target] = ruleProps.Targets as Array<Record<string, unknown>>;
    expect(target).toMatchObject({ Arn: { Ref: topicId }, RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 } });
    const transformer = target!.InputTransformer as { InputPathsMap: Record<string, string>; InputTemplate: string };
    expect(transformer.InputPathsMap).toMatchObject({ 'detail-type': '$.detail-type', 'detail-message': '$.detail.message', 'detail-findingId': '$.detail.findingId' });
    expect(transformer.InputTemplate).toBe(
      '"snapward <detail-type> (account <account>, <region>, <time>): <detail-message>. Finding <detail-findingId>, check run <detail-runId>. See `snapward findings` for what is still open."',
    );
    // EventBridge and this account's CloudWatch alarms may publish to the topic (its resource policy)
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Sid: 'AlarmsMayPublish', Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'cloudwatch.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
          Match.objectLike({ Effect: 'Allow', Action: 'sns:Publish', Principal: { Service: 'events.amazonaws.com' } }),
        ]),
      },
    });
  });

  it('no e-mail subscription unless alertEmail is set; then exactly that one', () => {
    expect(Object.keys(template.findResources('AWS::SNS::Subscription'))).toEqual([]);
    const { stack: withMail, template: t } = synth({ alertEmail: 'oncall@example.org' });
    t.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.org', TopicArn: { Ref: logicalId(withMail.alerts.topic, withMail) } });
    expect(new AwsSolutionsChecks().validateScope(withMail).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('SnapwardStack: operator bus', () => {
  const busId = logicalId(stack.operatorRule.bus);

  /** The bus's policy statements (CDK writes one AWS::Events::EventBusPolicy per statement). */
  const busStatements = (t: typeof json, bus: string) =>
    Object.values(t.Resources)
      .filter((r) => r.Type === 'AWS::Events::EventBusPolicy' && JSON.stringify(r.Properties.EventBusName) === JSON.stringify({ Ref: bus }))
      .map((r) => r.Properties.Statement as Statement);

  it('its own bus, named after the stack, whose policy admits the Admin role by default and denies everyone else', () => {
    expect(json.Resources[busId]?.Properties.Name).toBe('Snapward-operators');
    const admin = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/Admin']] };
    const arn = { 'Fn::GetAtt': [busId, 'Arn'] };
    expect(busStatements(json, busId)).toStrictEqual([
      { Sid: 'cdk-OperatorsMayRequestBackups', Effect: 'Allow', Principal: { AWS: admin }, Action: 'events:PutEvents', Resource: arn },
      { Sid: 'cdk-NobodyElse', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'events:PutEvents', Resource: arn, Condition: { ArnNotEquals: { 'aws:PrincipalArn': [admin] } } },
    ]);
  });

  it('operatorPrincipals replaces the default', () => {
    const ops = ['arn:aws:iam::111122223333:role/SreOnCall', 'arn:aws:iam::111122223333:user/alice'];
    const { stack: other } = synth({ operatorPrincipals: ops });
    const t = Template.fromStack(other).toJSON() as typeof json;
    const statements = busStatements(t, logicalId(other.operatorRule.bus, other));
    expect(statements[0]?.Principal).toEqual({ AWS: ops });
    expect(statements[1]?.Condition).toEqual({ ArnNotEquals: { 'aws:PrincipalArn': ops } });
  });
});

describe('SnapwardStack: one pass at a time', () => {
  it('the reconcile function has reserved concurrency 1; the others reserve none', () => {
    expect(json.Resources[fnId('reconcile')]?.Properties.ReservedConcurrentExecutions).toBe(1);
    for (const name of ['adhocBackup', 'check', 'verifyReplication'] as const) expect(json.Resources[fnId(name)]?.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});
