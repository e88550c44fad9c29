import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { IConstruct } from 'constructs';
import { join } from 'node:path';
import { parseReconcileInvocation } from '../../handlers/lib/reconcile-invocation';
import { addSnapshotEventForwarders, SnapshotEventForwarderStack } from '../../infra/snapshot-event-forwarder-stack';
import { SnapwardStack } from '../../infra/snapward-stack';
import { SLOT_EVENTS } from '../../src/domain/rds-events';

/**
 * RDS snapshot events -> a targeted reconcile pass: the rule on the stack region's default bus,
 * the bus the other regions forward to with its rule, and one forwarder stack per other region
 * (rule, role, exact permissions). Bundling is skipped.
 */
const ROOT = join(__dirname, '..', '..');
const KEY_USW2 = 'arn:aws:kms:us-west-2:111122223333:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9';
const PATTERN = {
  source: ['aws.rds'],
  'detail-type': ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'],
  detail: {
    EventID: ['RDS-EVENT-0042', 'RDS-EVENT-0060', 'RDS-EVENT-0061', 'RDS-EVENT-0041', 'RDS-EVENT-0075'],
    SourceIdentifier: [{ prefix: 'sw-' }, { prefix: 'rds:sw-' }],
  },
};

function synth(region: string | undefined) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new SnapwardStack(app, 'Snapward', {
    projectRoot: ROOT,
    fleetConfig: { file: 'config/examples/snapward.example.yaml' },
    kmsKeyArns: [KEY_USW2],
    ...(region ? { env: { account: '111122223333', region } } : {}),
  });
  const warnings: string[] = [];
  const forwarders = addSnapshotEventForwarders(app, stack, (l) => warnings.push(l));
  return { app, stack, forwarders, warnings };
}

const { stack, forwarders, warnings } = synth('us-east-1');
const template = Template.fromStack(stack);
const json = template.toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const id = (c: IConstruct, in_: Stack = stack) => in_.getLogicalId(c.node.defaultChild as CfnElement);
const reconcileArn = { 'Fn::GetAtt': [id(stack.functions.reconcile.function), 'Arn'] };

describe('RDS snapshot events in the snapward stack', () => {
  it("the stack region's default bus: snapward's slot events -> the reconcile function, retried briefly", () => {
    const rule = json.Resources[id(stack.snapshotEvents.localRule)]!.Properties;
    expect(rule.EventBusName).toBeUndefined(); // the default bus: where RDS delivers its events
    expect(rule.EventPattern).toStrictEqual(PATTERN);
    expect(rule.Targets).toStrictEqual([{ Id: 'Target0', Arn: reconcileArn, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 } }]);
  });

  it('a bus of its own receives the other regions\' events; its rule sends them to the same function', () => {
    expect(json.Resources[id(stack.snapshotEvents.bus)]).toMatchObject({ Type: 'AWS::Events::EventBus', Properties: { Name: 'Snapward-rds-events' } });
    const rule = json.Resources[id(stack.snapshotEvents.forwardedRule)]!.Properties;
    expect(rule.EventBusName).toEqual({ Ref: id(stack.snapshotEvents.bus) });
    expect(rule.EventPattern).toStrictEqual(PATTERN);
    expect(rule.Targets).toStrictEqual([{ Id: 'Target0', Arn: reconcileArn, RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 } }]);
  });

  it('EventBridge may invoke the reconcile function from those two rules only', () => {
    const fromRules = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties.FunctionName) === JSON.stringify(reconcileArn))
      .map((r) => r.Properties);
    expect(fromRules).toEqual(
      [stack.snapshotEvents.localRule, stack.snapshotEvents.forwardedRule].map((rule) => ({
        Action: 'lambda:InvokeFunction',
        FunctionName: reconcileArn,
        Principal: 'events.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [id(rule), 'Arn'] },
      })),
    );
  });

  it('the reconcile function keeps reserved concurrency 1: an event meeting a running pass waits in Lambda\'s queue', () => {
    expect(json.Resources[id(stack.functions.reconcile.function)]!.Properties.ReservedConcurrentExecutions).toBe(1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: id(stack.functions.reconcile.function) }, MaximumEventAgeInSeconds: 600, MaximumRetryAttempts: 0 });
  });

  it('the pattern and the handler agree: every event id the rules pass is one the function accepts, and the reverse', () => {
    expect(new Set(PATTERN.detail.EventID)).toEqual(new Set(Object.keys(SLOT_EVENTS)));
    for (const [eventId, { type }] of Object.entries(SLOT_EVENTS)) {
      for (const prefix of PATTERN.detail.SourceIdentifier.map((p) => p.prefix)) {
        const event = { source: 'aws.rds', 'detail-type': type, region: 'us-west-2', time: '2026-11-24T10:00:00Z', detail: { EventID: eventId, SourceIdentifier: `${prefix}db1-20261124` } };
        expect(parseReconcileInvocation(event)).toMatchObject({ kind: 'event', eventId, regions: ['us-west-2'] });
      }
    }
  });
});

describe('RDS snapshot events of the other regions: one forwarder stack each', () => {
  it('every fleet region but the stack\'s, each in its own region, after the snapward stack', () => {
    expect(stack.regions).toEqual(['eu-central-1', 'eu-west-1', 'us-east-1', 'us-west-2']);
    expect(forwarders.map((f) => `${f.stackName}@${f.region}`)).toEqual(['Snapward-rds-events-eu-central-1@eu-central-1', 'Snapward-rds-events-eu-west-1@eu-west-1', 'Snapward-rds-events-us-west-2@us-west-2']);
    for (const f of forwarders) expect(f.dependencies).toContain(stack);
    expect(warnings).toEqual([]);
  });

  it.each(['eu-central-1', 'eu-west-1', 'us-west-2'])('%s: its default bus\'s slot events -> the bus in us-east-1, with a role that may put events there only', (region) => {
    const f = forwarders.find((x) => x.region === region) as SnapshotEventForwarderStack;
    const t = Template.fromStack(f).toJSON() as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const busArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:us-east-1:', { Ref: 'AWS::AccountId' }, ':event-bus/Snapward-rds-events']] };
    const rule = t.Resources[id(f.rule, f)]!.Properties;
    expect(rule.EventBusName).toBeUndefined();
    expect(rule.EventPattern).toStrictEqual(PATTERN);
    expect(rule.Targets).toStrictEqual([{ Id: 'Target0', Arn: busArn, RoleArn: { 'Fn::GetAtt': [id(f.role, f), 'Arn'] } }]);
    expect(t.Resources[id(f.role, f)]!.Properties.AssumeRolePolicyDocument).toMatchObject({
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' } }],
    });
    const policies = Object.values(t.Resources).filter((r) => r.Type === 'AWS::IAM::Policy');
    expect(policies.map((p) => (p.Properties.PolicyDocument as { Statement: unknown[] }).Statement)).toEqual([[{ Effect: 'Allow', Action: 'events:PutEvents', Resource: busArn }]]);
    // Nothing else: a rule, its role and the role's one statement.
    expect(Object.values(t.Resources).map((r) => r.Type).sort()).toEqual(['AWS::Events::Rule', 'AWS::IAM::Policy', 'AWS::IAM::Role']);
  });

  it('a stack with no region at synth forwards nothing and says so (its own region still has its rule)', () => {
    const agnostic = synth(undefined);
    expect(agnostic.forwarders).toEqual([]);
    expect(agnostic.warnings).toEqual([expect.stringMatching(/Snapward has no region at synth \(set region, or CDK_DEFAULT_REGION\).*freed copy slots wait for the scheduled pass/)]);
    expect(agnostic.stack.snapshotEvents.localRule).toBeDefined();
  });
});
