import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CfnElement } from 'aws-cdk-lib';
import { join } from 'node:path';
import { METRIC_NAMESPACE, METRICS } from '../../src/app/metrics/check-metrics';
import { SnapwardStack } from '../../infra/snapward-stack';

/** The DR dashboard's part of the stack: report bucket, function, schedule, dashboard, breach alarms. */
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new SnapwardStack(app, 'Snapward', {
  projectRoot: join(__dirname, '..', '..'),
  fleetConfig: { file: 'config/examples/snapward.example.yaml' },
  // regions and buckets come from the fleet (a stack may not grant less than its fleet needs)
  kmsKeyArns: ['arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'],
  alarmTopicArn: 'arn:aws:sns:us-east-1:111122223333:ops-alarms',
});
const template = Template.fromStack(stack);
const id = (c: { node: { defaultChild?: unknown } }) => stack.getLogicalId(c.node.defaultChild as CfnElement);
const dash = stack.drDashboard;
const bucketId = id(dash.bucket);

describe('DR dashboard: report bucket', () => {
  it('is private, encrypted, versioned, owner-enforced, retained, with lifecycle expiry', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [
            { Id: 'ExpireDatedReports', Prefix: 'reports/', ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' },
            { Id: 'ExpireReplacedLatest', Prefix: 'latest/', NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' },
            { Id: 'AbortIncompleteUploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
          ],
        },
      },
    });
  });

  it('refuses plain HTTP (TLS only)', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('DR dashboard: report function and schedule', () => {
  it('runs the report handler with the bucket in its environment, reads the table, writes only the two prefixes', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'snapward: daily DR report (HTML, JSON, CSV) into the report bucket',
      Runtime: 'nodejs22.x',
      Timeout: 300,
      Environment: { Variables: Match.objectLike({ SNAPWARD_REPORT_BUCKET: { Ref: bucketId } }) },
    });
    const policies = template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: id(dash.reportFunction.role) }] } });
    const statements = Object.values(policies).flatMap((p) => (p.Properties.PolicyDocument as { Statement: { Sid?: string; Action: unknown; Resource: unknown }[] }).Statement);
    expect(statements.find((s) => s.Sid === 'ReadStateTable')?.Action).toEqual(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']);
    const write = statements.find((s) => s.Sid === 'WriteReports');
    expect(write?.Action).toBe('s3:PutObject');
    expect(JSON.stringify(write?.Resource)).toMatch(/\/reports\/\*.*\/latest\/\*/);
    // No write anywhere else: not on the table, not on other buckets.
    expect(statements.flatMap((s) => [s.Action].flat() as string[]).filter((a) => /^(dynamodb:(Put|Update|Delete|BatchWrite)|s3:Delete)/.test(a))).toEqual([]);
  });

  it('is invoked once a day at 06:15 UTC by a Scheduler schedule', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(15 6 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [id(dash.reportFunction.function), 'Arn'] } }),
    });
  });
});

describe('DR dashboard: CloudWatch', () => {
  it('the dashboard graphs the metric names check emits, in its namespace', () => {
    const dashboards = template.findResources('AWS::CloudWatch::Dashboard');
    expect(Object.keys(dashboards)).toHaveLength(1);
    const body = JSON.stringify(stack.resolve(Object.values(dashboards)[0]!.Properties.DashboardBody));
    for (const name of Object.values(METRICS)) expect(body).toContain(`\\"${METRIC_NAMESPACE}\\",\\"${name}\\"`);
    expect(body).toContain('Tier 0, instance loss: instances by band');
  });

  it.each(['0', '1'])('alarms on tier %s breaches (two checks in a row, missing data breaching) and notifies the topic', (tier) => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: METRIC_NAMESPACE,
      MetricName: METRICS.notCompliant,
      Dimensions: [{ Name: 'Tier', Value: tier }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: 'breaching',
      AlarmActions: ['arn:aws:sns:us-east-1:111122223333:ops-alarms'],
      OKActions: ['arn:aws:sns:us-east-1:111122223333:ops-alarms'],
    });
  });

  it('no breach alarm for tiers 2 and 3', () => {
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).filter((a) => a.Properties.MetricName === METRICS.notCompliant);
    expect(alarms.map((a) => (a.Properties.Dimensions as { Value: string }[])[0]!.Value).sort()).toEqual(['0', '1']);
  });
});
