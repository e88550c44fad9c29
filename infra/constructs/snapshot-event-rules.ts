import { Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RDS_EVENT_SOURCE, SLOT_EVENT_IDS, SNAPSHOT_EVENT_TYPES, SNAPWARD_SOURCE_PREFIXES } from '../../src/domain/rds-events';

/**
 * The RDS events that free or fill a copy slot (src/domain/rds-events.ts), for snapward's own
 * snapshots only: `detail.SourceIdentifier` starts with `sw-` (or `rds:sw-`, the spelling of RDS's
 * own example events). RDS puts `SourceIdentifier` in the detail of every snapshot event it sends
 * to EventBridge (RDS User Guide, "Amazon RDS event examples").
 */
export const SNAPSHOT_SLOT_PATTERN = {
  source: [RDS_EVENT_SOURCE],
  detailType: [...SNAPSHOT_EVENT_TYPES],
  detail: { EventID: [...SLOT_EVENT_IDS], SourceIdentifier: SNAPWARD_SOURCE_PREFIXES.map((prefix) => ({ prefix })) },
};

export const slotEventPattern = (): events.EventPattern => ({
  source: [...SNAPSHOT_SLOT_PATTERN.source],
  detailType: [...SNAPSHOT_SLOT_PATTERN.detailType],
  detail: { EventID: [...SNAPSHOT_SLOT_PATTERN.detail.EventID], SourceIdentifier: SNAPSHOT_SLOT_PATTERN.detail.SourceIdentifier.map((m) => ({ ...m })) },
});

/** The bus in the stack's region that the other regions' rules forward their RDS events to. */
export const forwardedEventsBusName = (stackName: string): string => `${stackName}-rds-events`;

export interface SnapshotEventRulesProps {
  /** The reconcile function: each event runs a targeted pass. */
  readonly target: lambda.IFunction;
  /** @default `<stack name>-rds-events` */
  readonly busName?: string;
}

/**
 * RDS snapshot events -> the reconcile function, so a freed copy slot is used within a minute.
 *
 * RDS raises an event on the default bus of the region where it happens: a snapshot created in a
 * primary region, a copy finished in a DR region. Rules live in each region: here, one on the
 * stack region's default bus; for every other region of the fleet, a rule in a small stack of its
 * own (infra/snapshot-event-forwarder-stack.ts) that forwards the events to `bus`, a bus of this
 * stack, where a second rule sends them on to the function. A bus of their own rather than the
 * stack region's default bus: forwarded into the default bus, other regions' RDS events would
 * also reach every other rule on it (other teams' `aws.rds` rules, snapward's own deletion rule).
 *
 * Events are hints (best effort, maybe late or twice); the schedule stays the source of truth.
 * A delivery EventBridge cannot make is retried briefly and then dropped: no dead-letter queue,
 * since a lost hint costs at most the wait for the next scheduled pass.
 */
export class SnapshotEventRules extends Construct {
  /** Receives the forwarded events of the other regions. */
  readonly bus: events.EventBus;
  /** On the stack region's default bus. */
  readonly localRule: events.Rule;
  /** On `bus`: the forwarded events. */
  readonly forwardedRule: events.Rule;

  constructor(scope: Construct, id: string, props: SnapshotEventRulesProps) {
    super(scope, id);
    this.bus = new events.EventBus(this, 'Bus', { eventBusName: props.busName ?? forwardedEventsBusName(Stack.of(this).stackName) });
    // Lambda queues an event that meets a running pass (reserved concurrency 1) for up to the
    // function's maximum event age; EventBridge's own retries only cover a failed Invoke call.
    const target = () => new targets.LambdaFunction(props.target, { retryAttempts: 2, maxEventAge: Duration.minutes(10) });
    this.localRule = new events.Rule(this, 'Local', {
      description: "snapward: an RDS event that frees or fills a copy slot of snapward's (this region) -> a targeted reconcile pass",
      eventPattern: slotEventPattern(),
    });
    this.localRule.addTarget(target());
    this.forwardedRule = new events.Rule(this, 'Forwarded', {
      eventBus: this.bus,
      description: "snapward: an RDS event that frees or fills a copy slot of snapward's (forwarded from another region) -> a targeted reconcile pass",
      eventPattern: slotEventPattern(),
    });
    this.forwardedRule.addTarget(target());
  }
}
