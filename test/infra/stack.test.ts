import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STATE_TABLE_ACTIONS } from '../../infra/constructs/state-table';
import { SnapwardStack, SnapwardStackProps } from '../../infra/snapward-stack';

/**
 * The stack's template, asserted resource by resource. Bundling is skipped (context
 * `aws:cdk:bundling-stacks: []`), so these tests need the handler entry files but never run esbuild.
 */
const ROOT = join(__dirname, '..', '..');
const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
const KEY_USW2 = 'arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';
const KEY_EUW1 = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function synth(props: Partial<SnapwardStackProps> = {}): { stack: SnapwardStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SnapwardStack(app, 'Snapward', {
    projectRoot: ROOT,
    fleetConfig: { file: 'config/examples/snapward.example.yaml' },
    regions: REGIONS,
    kmsKeyArns: [KEY_USW2, KEY_EUW1],
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
    expect(deletes.map((s) => s.Sid).sort()).toEqual(['RdsDeleteManagedClusterSnapshots', 'RdsDeleteManagedDbSnapshots']);
  });

  it('RDS describe/list: resource * (no ARN form exists for all of them), limited to the configured regions', () => {
    const describe = {
      Sid: 'RdsDescribeFleet',
      Effect: 'Allow',
      Action: [
        'rds:DescribeDBInstances',
        'rds:DescribeDBClusters',
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBClusterSnapshots',
        'rds:DescribeDBInstanceAutomatedBackups',
        'rds:DescribeAccountAttributes',
        'rds:ListTagsForResource',
      ],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': REGIONS } },
    };
    for (const name of ['reconcile', 'adhocBackup', 'check'] as const) expect(bySid(statementsOfRole(roleId(name)), 'RdsDescribeFleet')).toStrictEqual([describe]);
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
    expect(bySid(reconcile, 'RdsTagOwnSnapshots')).toStrictEqual([{ Sid: 'RdsTagOwnSnapshots', Effect: 'Allow', Action: 'rds:AddTagsToResource', Resource: own }]);
    expect(bySid(reconcile, 'RdsCopyOwnSnapshots')).toStrictEqual([
      { Sid: 'RdsCopyOwnSnapshots', Effect: 'Allow', Action: ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot'], Resource: own },
    ]);
  });

  it('adhoc-backup may take and tag snapshots but not copy or delete them; check and verify take none', () => {
    const adhoc = actionsOf(statementsOfRole(roleId('adhocBackup')));
    expect(adhoc).toEqual(expect.arrayContaining(['rds:CreateDBSnapshot', 'rds:CreateDBClusterSnapshot', 'rds:AddTagsToResource']));
    expect(adhoc.filter((a) => /^rds:(Copy|Delete)/.test(a) || a.startsWith('kms:'))).toEqual([]);
    for (const name of ['check', 'verifyReplication'] as const) {
      expect(actionsOf(statementsOfRole(roleId(name))).filter((a) => /^rds:(Create|Copy|Delete|AddTags)/.test(a) || a.startsWith('kms:'))).toEqual([]);
    }
  });

  it('KMS: only the configured keys; grants only for AWS resources; crypto only through RDS', () => {
    const keys = [KEY_USW2, KEY_EUW1];
    expect(bySid(reconcile, 'KmsDescribeKeys')).toStrictEqual([{ Sid: 'KmsDescribeKeys', Effect: 'Allow', Action: 'kms:DescribeKey', Resource: keys }]);
    expect(bySid(reconcile, 'KmsCreateGrantForRds')).toStrictEqual([
      { Sid: 'KmsCreateGrantForRds', Effect: 'Allow', Action: 'kms:CreateGrant', Resource: keys, Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } },
    ]);
    expect(bySid(reconcile, 'KmsUseKeysThroughRds')).toStrictEqual([
      {
        Sid: 'KmsUseKeysThroughRds',
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext'],
        Resource: keys,
        Condition: { StringEquals: { 'kms:ViaService': REGIONS.map((r) => `rds.${r}.amazonaws.com`) } },
      },
    ]);
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
      { Sid: 'S3HeadAttachmentObjects', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: [s3Arn('jira-media-use1/*'), s3Arn('jira-media-usw2/*')] },
    ]);
    expect(actionsOf(verify).filter((a) => a.startsWith('rds:') || a.startsWith('kms:') || a.startsWith('events:'))).toEqual([]);
  });

  it('the check function may put events on the alert bus only', () => {
    const puts = statementsOfRole(roleId('check')).filter((s) => actionsOf([s]).includes('events:PutEvents'));
    expect(puts).toStrictEqual([{ Effect: 'Allow', Action: 'events:PutEvents', Resource: { 'Fn::GetAtt': [logicalId(stack.alertBus), 'Arn'] } }]);
    for (const name of ['reconcile', 'adhocBackup', 'verifyReplication'] as const) expect(actionsOf(statementsOfRole(roleId(name)))).not.toContain('events:PutEvents');
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'snapward-alerts' });
  });

  it('every function reads and writes items of the state table, and nothing else on it', () => {
    for (const name of ['reconcile', 'adhocBackup', 'check', 'verifyReplication'] as const) {
      const onTable = statementsOfRole(roleId(name)).filter((s) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
      expect(onTable).toStrictEqual([{ Effect: 'Allow', Action: [...STATE_TABLE_ACTIONS], Resource: { 'Fn::GetAtt': [logicalId(stack.table.table), 'Arn'] } }]);
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
      TransactWrite: ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'],
      Scan: ['dynamodb:Scan'],
      TransactGet: ['dynamodb:GetItem'],
    };
    const setupOnly = new Set(['CreateTable', 'DescribeTimeToLive', 'UpdateTimeToLive', 'DescribeTable']);
    const source = readFileSync(join(ROOT, 'src', 'adapters', 'state', 'dynamodb-state-store.ts'), 'utf8');
    const commands = [...new Set([...source.matchAll(/new (\w+)Command\(/g)].map((m) => m[1] as string))].filter((c) => !setupOnly.has(c));
    const unknown = commands.filter((c) => !(c in needs));
    expect(unknown).toEqual([]);
    const missing = commands.flatMap((c) => (needs[c] ?? []).filter((a) => !(STATE_TABLE_ACTIONS as readonly string[]).includes(a)));
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
    const denies = statements.filter((s) => s.Effect === 'Deny');
    expect(denies.length).toBe(6); // one per dead-letter queue, one for the report bucket
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
    expect(Object.keys(queues)).toHaveLength(5); // operator requests + one per schedule (the DR report's included)
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
  it('Backup Requested from snapward.operator on the default bus -> adhoc-backup, with retries and a dead-letter queue', () => {
    const rules = template.findResources('AWS::Events::Rule');
    expect(Object.values(rules)).toHaveLength(1);
    const rule = Object.values(rules)[0]!.Properties as Record<string, unknown>;
    expect(rule.EventBusName).toBeUndefined(); // the default bus
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

  it('Errors and Throttles > 0 for each function', () => {
    for (const name of ['reconcile', 'adhocBackup', 'check', 'verifyReplication'] as const) {
      for (const metric of ['Errors', 'Throttles']) {
        expect(alarms).toContainEqual(
          expect.objectContaining({
            Namespace: 'AWS/Lambda',
            MetricName: metric,
            Dimensions: [{ Name: 'FunctionName', Value: { Ref: fnId(name) } }],
            Statistic: 'Sum',
            Period: 300,
            Threshold: 0,
            ComparisonOperator: 'GreaterThanThreshold',
            EvaluationPeriods: 1,
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

  it('no actions without a topic', () => {
    for (const a of alarms) {
      expect(a.AlarmActions).toBeUndefined();
      expect(a.OKActions).toBeUndefined();
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

  it('alarms notify the topic on ALARM and on OK', () => {
    const alarms = Object.values(s3template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(17); // 5 functions x 2, 5 dead-letter queues, tier 0/1 breaches
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

  it('regions may not be empty', () => {
    expect(build({ regions: [] })).toThrow(/regions: got \[\], expected at least one entry/);
  });

  it('defaults: the four example regions, no keys, no buckets, the snapward-alerts bus', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bare = new SnapwardStack(app, 'Bare', { projectRoot: ROOT, fleetConfig: { file: 'config/examples/snapward.example.yaml' } });
    const t = Template.fromStack(bare);
    t.hasResourceProperties('AWS::Events::EventBus', { Name: 'snapward-alerts' });
    t.hasResourceProperties('AWS::IAM::Policy', { PolicyDocument: { Statement: [Match.objectLike({ Sid: 'RdsDescribeFleet', Condition: { StringEquals: { 'aws:RequestedRegion': REGIONS } } })] } });
    const all = JSON.stringify(t.toJSON());
    expect(all).not.toMatch(/"kms:|"s3:ListBucket"/);
    expect(Stack.of(bare).resolve(bare.schedules.verifyReplication.schedule.scheduleName)).toBeDefined();
  });
});
