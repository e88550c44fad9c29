import { Aws, CfnOutput, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { grantAssumeAccountRoles } from './constructs/account-roles';
import { AlertDelivery } from './constructs/alert-delivery';
import { SnapwardAlarms } from './constructs/alarms';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { DrDashboard } from './constructs/dr-dashboard';
import { acknowledge } from './constructs/nag';
import { OperatorBackupRule } from './constructs/operator-backup-rule';
import { SnapshotDeletionRule } from './constructs/snapshot-deletion-rule';
import { forwardedEventsBusName, SnapshotEventRules } from './constructs/snapshot-event-rules';
import { ScheduledInvocation } from './constructs/scheduled-invocation';
import { SnapshotPermissions } from './constructs/snapshot-permissions';
import { DrillPermissions } from './constructs/drill-permissions';
import { SnapwardFunction } from './constructs/snapward-function';
import { findProjectRoot, SnapwardStackProps, validateStackProps } from './constructs/stack-props';
import { StateTable } from './constructs/state-table';

export { DEFAULT_ALERT_BUS_NAME, findProjectRoot } from './constructs/stack-props';
export type { SnapwardStackProps } from './constructs/stack-props';

/**
 * snapward on AWS: four Lambdas (scheduled reconcile, check and replication verification; the
 * ad hoc backup behind the operator bus), the DynamoDB state table, the alert bus with its rule
 * to the alert topic, dead-letter queues and alarms, with least-privilege IAM derived from the
 * fleet it deploys. Every name (buses, topic, table) starts with the stack name, so two stacks
 * share an account and region without colliding.
 */
export class SnapwardStack extends Stack {
  readonly table: StateTable;
  readonly alertBus: events.EventBus;
  readonly alerts: AlertDelivery;
  readonly functions: Readonly<Record<'reconcile' | 'adhocBackup' | 'check' | 'verifyReplication', SnapwardFunction>>;
  readonly schedules: Readonly<Record<'reconcile' | 'check' | 'verifyReplication', ScheduledInvocation>>;
  readonly operatorRule: OperatorBackupRule;
  /** RDS deletion events of snapward's snapshots run a check at once. */
  readonly deletionRule: SnapshotDeletionRule;
  /**
   * RDS snapshot events (copy slots freed or filled) run a targeted reconcile pass: a rule on this
   * region's default bus, and the bus the other regions forward theirs to (see
   * snapshot-event-forwarder-stack.ts, one small stack per other region, added by the app).
   */
  readonly snapshotEvents: SnapshotEventRules;
  /** Every region the fleet works in (the databases' and DR regions). */
  readonly regions: readonly string[];
  readonly alarms: SnapwardAlarms;
  /** The DR dashboard: report bucket, daily report function, CloudWatch dashboard, breach alarms. */
  readonly drDashboard: DrDashboard;

  constructor(scope: Construct, id: string, props: SnapwardStackProps) {
    super(scope, id, props);
    const projectRoot = props.projectRoot ?? findProjectRoot(__dirname);
    const settings = validateStackProps(props, projectRoot);
    const { fleetConfig, regions } = settings;
    this.regions = regions;

    this.table = new StateTable(this, 'State', { tableName: `${this.stackName}-state` });
    this.alertBus = new events.EventBus(this, 'AlertBus', { eventBusName: settings.alertBusName ?? `${this.stackName}-alerts` });
    const permissions = new SnapshotPermissions(this, 'Permissions', {
      regions,
      sourceRegions: settings.sourceRegions,
      kmsKeyArns: settings.kmsKeyArns,
      attachmentBuckets: settings.attachmentBuckets,
    });
    const operatorDeadLetters = new DeadLetterQueue(this, 'OperatorRequestsDeadLetters', {
      deadLetterFor: 'the Backup Requested rule and the adhoc-backup function',
    }).queue;

    const common = { projectRoot, fleetConfig, stateTableName: this.table.table.tableName, logRetention: props.logRetention };
    this.functions = {
      // A whole fleet pass: paginated DescribeDB(Cluster)Snapshots in every region, then one step
      // per instance, 8 at a time. RDS answers in XML, whose parsing is the CPU cost; 1024 MB buys
      // ~0.6 vCPU. 15 minutes (the Lambda maximum) because the handler itself stops taking new
      // instances 30 s before the deadline and the next pass, 15 minutes later, carries on.
      reconcile: new SnapwardFunction(this, 'Reconcile', {
        ...common,
        handler: 'reconcile',
        description: 'snapward: one reconcile pass over the fleet (snapshots, copies, retention)',
        memorySize: 1024,
        timeout: Duration.minutes(15),
        // One pass at a time: a 15-minute timeout and a 5-minute flexible window would otherwise
        // let two passes overlap, and two passes together can exceed the copy limits. A schedule
        // firing while a pass runs is throttled; Lambda keeps the event (maxEventAge) and runs it
        // when the pass ends, or drops it and the next schedule carries on.
        reservedConcurrentExecutions: 1,
        // A failed pass is not retried by Lambda: the next scheduled pass is the retry.
        asyncRetryAttempts: 0,
        maxEventAge: Duration.minutes(10),
      }),
      // One CreateDB(Cluster)Snapshot after resolving the fleet: seconds of work. 512 MB for a
      // quicker cold start (CPU scales with memory) since an operator is waiting; 1 minute bounds
      // a hung call. Lambda retries a failed request twice (the idempotency key makes it safe),
      // then parks it in the operator dead-letter queue.
      adhocBackup: new SnapwardFunction(this, 'AdhocBackup', {
        ...common,
        handler: 'adhoc-backup',
        description: 'snapward: ad hoc snapshot of one fleet database (Backup Requested)',
        memorySize: 512,
        timeout: Duration.minutes(1),
        asyncRetryAttempts: 2,
        maxEventAge: Duration.hours(1),
        deadLetterQueue: operatorDeadLetters,
      }),
      // The RPO watchdog reads the same inventory as a pass (same CPU profile, hence 1024 MB) but
      // writes little. 2 minutes keeps a run well inside its 5-minute period so runs never overlap.
      check: new SnapwardFunction(this, 'Check', {
        ...common,
        handler: 'check',
        description: 'snapward: RPO / missed-snapshot check and alerts',
        memorySize: 1024,
        timeout: Duration.minutes(2),
        asyncRetryAttempts: 0,
        maxEventAge: Duration.minutes(4),
        environment: { SNAPWARD_ALERT_BUS: this.alertBus.eventBusName, SNAPWARD_ALERT_BUS_REGION: Aws.REGION },
      }),
      // Streams both listings of a bucket pair (millions of keys) and merges them: memory stays
      // under 256 MB by design; 512 MB doubles that for headroom and gives more CPU and network to
      // 16 concurrent HeadObject calls. 15 minutes for the largest buckets in full mode.
      verifyReplication: new SnapwardFunction(this, 'VerifyReplication', {
        ...common,
        handler: 'verify-replication',
        description: 'snapward: S3 replication verification of the attachment buckets',
        memorySize: 512,
        timeout: Duration.minutes(15),
        asyncRetryAttempts: 0,
        maxEventAge: Duration.minutes(30),
      }),
    };

    const { reconcile, adhocBackup, check, verifyReplication } = this.functions;
    // The state table, split by partition: only the watchdog touches findings, verify-replication
    // only run records.
    this.table.grantReadWrite(reconcile.role, ['runs', 'ledger', 'leases', 'drills']);
    // 'drills' where the code-reach analysis (test/infra/least-privilege.test.ts) finds the drill store reachable.
    this.table.grantReadWrite(adhocBackup.role, ['runs', 'ledger', 'leases', 'drills']);
    this.table.grantReadWrite(check.role, ['runs', 'ledger', 'leases', 'findings', 'history', 'drills'], { batchWrite: true });
    this.table.grantReadWrite(verifyReplication.role, ['runs', 'drills']);
    // Each grant is a call the function's handler makes (test/infra/least-privilege.test.ts reads
    // the calls from the code and fails on a missing grant and on an unused one).
    permissions.grantReadFleet(reconcile.role);
    permissions.grantReadFleet(adhocBackup.role);
    permissions.grantReadFleet(check.role, { automatedBackups: true, quotas: true });
    permissions.grantInspectKeys(check.role);
    permissions.grantTakeSnapshots(reconcile.role);
    permissions.grantCopySnapshots(reconcile.role);
    permissions.grantDeleteManagedSnapshots(reconcile.role);
    permissions.grantUseKeys(reconcile.role);
    permissions.grantTakeSnapshots(adhocBackup.role);
    permissions.grantReadAttachments(verifyReplication.role);
    this.alertBus.grantPutEventsTo(check.role);
    // Restore drills run inside the reconcile pass (constructs/drill-permissions.ts).
    new DrillPermissions(this, 'DrillPermissions', { regions, ...(props.drillHookArn ? { hookFunctionArn: props.drillHookArn } : {}) }).grantDrills(reconcile.role);
    // Many accounts (constructs/account-roles.ts): sts:AssumeRole on exactly the fleet's member
    // roles for the functions that work on RDS, and on its vault role for reconcile and check.
    const members = settings.fleetNeeds?.memberRoleArns ?? [];
    const vault = settings.fleetNeeds?.vaultRoleArn ? [settings.fleetNeeds.vaultRoleArn] : [];
    grantAssumeAccountRoles(reconcile.role, [...members, ...vault]);
    grantAssumeAccountRoles(adhocBackup.role, members);
    grantAssumeAccountRoles(check.role, [...members, ...vault]);
    // The vault copy of this account's own databases starts and ends in reconcile: share the DR
    // copy with the vault account, unshare it after (managed sw-* snapshots only).
    if (vault.length > 0) permissions.grantShareManagedSnapshots(reconcile.role);
    // The capability policies are separate resources: make each function wait for them, so a
    // schedule firing right after the deploy does not meet a half-attached role.
    for (const fn of Object.values(this.functions)) {
      for (const child of fn.role.node.children) if (child instanceof iam.Policy) fn.function.node.addDependency(child);
    }

    // Cron in UTC, aligned to the clock: snapshot periods start at fixed UTC times (00:00 for
    // daily), so a pass lands right after each period begins.
    const utc = (minute: string) => scheduler.ScheduleExpression.cron({ minute, hour: '*', timeZone: TimeZone.ETC_UTC });
    this.schedules = {
      // FLEXIBLE 5 min: a level-triggered pass does not care about the exact minute, and letting
      // Scheduler spread it keeps it off the :00 burst of every other job sharing the account's
      // RDS API rate limits. Worst case between passes: 20 minutes.
      reconcile: new ScheduledInvocation(this, 'ReconcileSchedule', {
        target: reconcile.function,
        schedule: utc('0/15'),
        timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(5)),
        retryAttempts: 3,
        maxEventAge: Duration.minutes(10),
        input: { dryRun: false },
        description: 'snapward reconcile pass every 15 minutes (UTC)',
      }),
      // OFF: the watchdog's value is a steady 5-minute cadence; a window would stretch the gap
      // between checks (and so the time to alert) up to double.
      check: new ScheduledInvocation(this, 'CheckSchedule', {
        target: check.function,
        schedule: utc('0/5'),
        timeWindow: scheduler.TimeWindow.off(),
        retryAttempts: 2,
        maxEventAge: Duration.minutes(4),
        description: 'snapward RPO check every 5 minutes (UTC)',
      }),
      // FLEXIBLE 15 min: an hourly verification has no deadline within the hour; spreading it
      // avoids stacking its S3 listing on the other jobs. At minute 30, away from the :00 passes.
      verifyReplication: new ScheduledInvocation(this, 'VerifyReplicationSchedule', {
        target: verifyReplication.function,
        schedule: utc('30'),
        timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(15)),
        retryAttempts: 3,
        maxEventAge: Duration.minutes(30),
        input: { mode: settings.replicationCheckMode },
        description: 'snapward S3 replication verification every hour (UTC)',
      }),
    };

    this.operatorRule = new OperatorBackupRule(this, 'BackupRequested', {
      busName: `${this.stackName}-operators`,
      ...(settings.operatorPrincipals ? { operatorPrincipals: settings.operatorPrincipals } : {}),
      target: adhocBackup.function,
      deadLetterQueue: operatorDeadLetters,
    });

    this.snapshotEvents = new SnapshotEventRules(this, 'SnapshotEvents', { target: reconcile.function, busName: forwardedEventsBusName(this.stackName) });

    this.deletionRule = new SnapshotDeletionRule(this, 'SnapshotDeleted', { target: check.function, deadLetterQueue: this.schedules.check.deadLetterQueue });

    const alertDeadLetters = new DeadLetterQueue(this, 'AlertDeliveryDeadLetters', { deadLetterFor: 'the alert rule (findings it could not deliver to the alert topic)' }).queue;
    this.alerts = new AlertDelivery(this, 'Alerts', { bus: this.alertBus, deadLetterQueue: alertDeadLetters, ...(settings.alertEmail ? { email: settings.alertEmail } : {}) });

    this.alarms = new SnapwardAlarms(this, 'Alarms', {
      topic: settings.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', settings.alarmTopicArn) : this.alerts.topic,
    });
    // An RDS snapshot event that arrives while a pass runs is throttled (reserved concurrency 1) and
    // waits in Lambda's queue: normal. Throttles for 15 minutes in a row mean passes queue up for
    // longer than the schedule's interval (the fleet has outgrown its passes): that is the alarm.
    this.alarms.watchFunction('Reconcile', reconcile.function, { throttledPeriods: 3 });
    this.alarms.watchFunction('AdhocBackup', adhocBackup.function);
    this.alarms.watchFunction('Check', check.function);
    this.alarms.watchFunction('VerifyReplication', verifyReplication.function);
    this.alarms.watchDeadLetterQueue('ReconcileSchedule', this.schedules.reconcile.deadLetterQueue, 'a scheduled reconcile invocation');
    this.alarms.watchDeadLetterQueue('CheckSchedule', this.schedules.check.deadLetterQueue, 'a scheduled check invocation');
    this.alarms.watchDeadLetterQueue('VerifyReplicationSchedule', this.schedules.verifyReplication.deadLetterQueue, 'a scheduled replication verification');
    this.alarms.watchDeadLetterQueue('OperatorRequests', operatorDeadLetters, 'a Backup Requested event (or its failed ad hoc backup)');
    this.alarms.watchDeadLetterQueue('AlertDelivery', alertDeadLetters, 'a finding event the alert rule could not deliver to the alert topic');

    for (const fn of Object.values(this.functions)) {
      acknowledge(
        fn.function,
        'AwsSolutions-L1',
        'Pinned to Node.js 22 on purpose: the same Node line as the CLI image (node:22-bookworm-slim) and the version the README recommends, and the bundles target node22. Upgrade them together (nodejs24.x) in one change; Node.js 22 is supported upstream until April 2027.',
      );
    }

    // The DR dashboard (issue 13): its own construct; check emits its metrics (EMF, no IAM needed).
    this.drDashboard = new DrDashboard(this, 'DrDashboard', { projectRoot, fleetConfig, stateTable: this.table.table, logRetention: props.logRetention, copyRegions: regions, alarmTopic: settings.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'DrAlarmTopic', settings.alarmTopicArn) : this.alerts.topic });
    permissions.grantReadFleet(this.drDashboard.reportFunction.role);
    grantAssumeAccountRoles(this.drDashboard.reportFunction.role, members);
    this.alarms.watchFunction('Report', this.drDashboard.reportFunction.function);
    this.alarms.watchDeadLetterQueue('ReportSchedule', this.drDashboard.schedule.deadLetterQueue, 'a scheduled DR report invocation');
    acknowledge(this.drDashboard.reportFunction.function, 'AwsSolutions-L1', 'Pinned to Node.js 22 with the other functions (see their acknowledgement).');
    new CfnOutput(this, 'ReportBucketName', { value: this.drDashboard.bucket.bucketName, description: 'DR reports: reports/<yyyy>/<mm>/<dd>/ and latest/' });
    new CfnOutput(this, 'DashboardName', { value: this.drDashboard.dashboard.dashboardName, description: 'CloudWatch dashboard of the check metrics' });

    new CfnOutput(this, 'StateTableName', { value: this.table.table.tableName, description: 'DynamoDB state table (SNAPWARD_STATE_TABLE)' });
    new CfnOutput(this, 'AlertBusName', { value: this.alertBus.eventBusName, description: 'Event bus the check function sends alerts to' });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn, description: 'SNS topic with every finding and alarm: subscribe chat or paging here' });
    new CfnOutput(this, 'OperatorBusName', { value: this.operatorRule.bus.eventBusName, description: 'Event bus for Backup Requested events (operators only)' });
    new CfnOutput(this, 'AdhocBackupFunctionName', { value: adhocBackup.function.functionName });
    new CfnOutput(this, 'OperatorRequestsDeadLetterQueueUrl', { value: operatorDeadLetters.queueUrl });
    // What member and vault stacks trust (centralRoleArns): the functions that may work in other accounts.
    for (const [name, role] of [['Reconcile', reconcile.role], ['AdhocBackup', adhocBackup.role], ['Check', check.role], ['Report', this.drDashboard.reportFunction.role]] as const) {
      new CfnOutput(this, `${name}RoleArn`, { value: role.roleArn, description: `centralRoleArns entry for the member and vault stacks (README "Many accounts and a vault")` });
    }
  }
}
