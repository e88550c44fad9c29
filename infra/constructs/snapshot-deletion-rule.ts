import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * RDS's own deletion events for snapward's snapshots (ids `sw-...`), on the default bus of the
 * stack's region: RDS delivers "RDS DB Snapshot Event" / "RDS DB Cluster Snapshot Event" there
 * with `EventCategories` (the "deletion" category covers a manual snapshot being deleted; see the
 * RDS User Guide, "Amazon RDS event categories and event messages"). Each one runs a check at
 * once, so a recovery point deleted by hand is reported within a minute instead of at the next
 * scheduled check. RDS emits events on a best-effort basis: the scheduled check, which confirms
 * every newest point by id, stays the safety net. Snapshots in other regions (the DR regions)
 * raise their events on those regions' default buses, which this stack does not reach: there the
 * 5-minute check is what sees a deletion.
 */
export const SNAPSHOT_DELETION_PATTERN = {
  source: ['aws.rds'],
  detailType: ['RDS DB Snapshot Event', 'RDS DB Cluster Snapshot Event'],
  // The RDS guide's example events spell the id `rds:<id>`, events seen in the wild the bare id: both.
  detail: { EventCategories: ['deletion'], SourceIdentifier: [{ prefix: 'sw-' }, { prefix: 'rds:sw-' }] },
} as const;

export interface SnapshotDeletionRuleProps {
  /** The check function. */
  readonly target: lambda.IFunction;
  /** Where events EventBridge could not deliver go. */
  readonly deadLetterQueue: sqs.IQueue;
}

export class SnapshotDeletionRule extends Construct {
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SnapshotDeletionRuleProps) {
    super(scope, id);
    this.rule = new events.Rule(this, 'Rule', {
      description: "snapward: RDS deleted one of snapward's snapshots -> check now",
      eventPattern: {
        source: [...SNAPSHOT_DELETION_PATTERN.source],
        detailType: [...SNAPSHOT_DELETION_PATTERN.detailType],
        detail: { EventCategories: [...SNAPSHOT_DELETION_PATTERN.detail.EventCategories], SourceIdentifier: [...SNAPSHOT_DELETION_PATTERN.detail.SourceIdentifier] },
      },
    });
    // A check that does not run now runs at its schedule within 5 minutes: a few retries, briefly.
    this.rule.addTarget(new targets.LambdaFunction(props.target, { deadLetterQueue: props.deadLetterQueue, retryAttempts: 2, maxEventAge: Duration.minutes(10) }));
  }
}
