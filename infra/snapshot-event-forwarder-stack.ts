import { Aws, Stack, StackProps, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { forwardedEventsBusName, slotEventPattern } from './constructs/snapshot-event-rules';

export interface SnapshotEventForwarderStackProps extends StackProps {
  /** The region of the snapward stack, where the forwarded events go. */
  readonly stackRegion: string;
  /** The receiving bus's name in that region (`<stack name>-rds-events`). */
  readonly busName: string;
}

/**
 * One region's RDS snapshot events, forwarded to the snapward stack's region. CloudFormation
 * stacks are regional and RDS raises its events only on the default bus of the region where they
 * happen, so each region of the fleet other than the stack's needs a rule of its own: this stack
 * holds it, with the role EventBridge uses to put the events on the receiving bus (same account:
 * the role's permission is all it takes; `events:PutEvents` on that one bus only). Forwarding
 * keeps each event whole, `region` included, so the function still knows where it happened.
 */
export class SnapshotEventForwarderStack extends Stack {
  readonly rule: events.Rule;
  readonly role: iam.Role;
  /** The bus the events go to (in `stackRegion`). */
  readonly targetBusArn: string;

  constructor(scope: Construct, id: string, props: SnapshotEventForwarderStackProps) {
    super(scope, id, props);
    this.targetBusArn = `arn:${Aws.PARTITION}:events:${props.stackRegion}:${Aws.ACCOUNT_ID}:event-bus/${props.busName}`;
    this.role = new iam.Role(this, 'ForwardRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: `snapward: forward RDS snapshot events to ${props.busName} in ${props.stackRegion}`,
    });
    // The EventBus target grants the role `events:PutEvents` on that bus (and nothing else).
    this.rule = new events.Rule(this, 'Forward', {
      description: `snapward: RDS events that free or fill a copy slot of snapward's -> ${props.busName} in ${props.stackRegion}`,
      eventPattern: slotEventPattern(),
    });
    this.rule.addTarget(new targets.EventBus(events.EventBus.fromEventBusArn(this, 'SnapwardBus', this.targetBusArn), { role: this.role }));
  }
}

/** What the app needs of the snapward stack to add its forwarders. */
export interface ForwardedStack {
  readonly stackName: string;
  readonly region: string;
  readonly account: string;
  readonly regions: readonly string[];
}

/**
 * One forwarder stack per region of the fleet other than the snapward stack's own, each deployed
 * after the snapward stack (its bus must exist first). The snapward stack's region must be known
 * at synth (`region`, or CDK_DEFAULT_REGION): a stack deployed "wherever the CLI points" cannot
 * tell which regions are other regions. Then nothing is forwarded, and `warn` says so: passes for
 * those regions wait for the schedule, as before.
 */
export function addSnapshotEventForwarders(scope: Construct, stack: ForwardedStack & Stack, warn: (line: string) => void): SnapshotEventForwarderStack[] {
  if (Token.isUnresolved(stack.region)) {
    warn(
      `snapward: ${stack.stackName} has no region at synth (set region, or CDK_DEFAULT_REGION): RDS snapshot events of ${stack.regions.join(', ')} are only seen in the stack's own region; elsewhere freed copy slots wait for the scheduled pass`,
    );
    return [];
  }
  const account = Token.isUnresolved(stack.account) ? undefined : stack.account;
  return stack.regions
    .filter((region) => region !== stack.region)
    .map((region) => {
      const forwarder = new SnapshotEventForwarderStack(scope, `${stack.stackName}-rds-events-${region}`, {
        env: { region, ...(account ? { account } : {}) },
        stackRegion: stack.region,
        busName: forwardedEventsBusName(stack.stackName),
        description: `snapward: forwards RDS snapshot events of ${region} to ${stack.stackName} in ${stack.region}`,
      });
      forwarder.addDependency(stack, 'the receiving bus must exist before events are forwarded to it');
      return forwarder;
    });
}
