import { Duration, RemovalPolicy, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { FINDING_KINDS } from '../../src/ports/state-store';
import { METRIC_NAMESPACE, METRICS } from '../../src/app/metrics/check-metrics';
import { ResolvedFleetConfig } from './fleet-config';
import { acknowledge, acknowledgeWildcardResources } from './nag';
import { ScheduledInvocation } from './scheduled-invocation';
import { SnapwardFunction } from './snapward-function';
import { SnapwardPropsError } from './validation';

export interface DrDashboardProps {
  readonly projectRoot: string;
  readonly fleetConfig: ResolvedFleetConfig;
  readonly stateTable: dynamodb.ITable;
  /**
   * How long dated reports (`reports/<yyyy>/<mm>/<dd>/`) are kept; older versions of `latest/` go after 30 days.
   * @default Duration.days(400) (as long as the compliance history)
   */
  readonly reportRetention?: Duration;
  /**
   * Where the tier 0/1 breach alarms go.
   * @default - no actions
   */
  readonly alarmTopic?: sns.ITopic;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /** Regions copies may go to (the fleet's regions): one line per region and kind on the copy graphs. */
  readonly copyRegions?: readonly string[];
}

const TIERS = ['0', '1', '2', '3'] as const;
const SCENARIOS = ['instanceLoss', 'regionLoss'] as const;
const BANDS = ['compliant', 'exceeded', 'severe', 'critical', 'unknown'] as const;
const PERIOD = Duration.minutes(5);

/**
 * The DR dashboard on AWS (issue 13): the report bucket and the daily report function with its
 * schedule, the CloudWatch dashboard of the metrics `check` emits (Embedded Metric Format), and
 * the alarms on tier 0 and tier 1 breaches. The caller grants fleet reads to `reportFunction.role`.
 */
export class DrDashboard extends Construct {
  readonly bucket: s3.Bucket;
  readonly reportFunction: SnapwardFunction;
  readonly schedule: ScheduledInvocation;
  readonly dashboard: cloudwatch.Dashboard;
  readonly breachAlarms: Readonly<Record<'0' | '1', cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: DrDashboardProps) {
    super(scope, id);
    const retention = props.reportRetention ?? Duration.days(400);
    if (retention.toDays() < 30 || retention.toDays() > 3650) {
      throw new SnapwardPropsError([`reportRetention: got ${retention.toDays()} days, expected 30 to 3650 days`], `${id} dashboard`);
    }

    this.bucket = new s3.Bucket(this, 'ReportBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        { id: 'ExpireDatedReports', prefix: 'reports/', expiration: retention, noncurrentVersionExpiration: Duration.days(30) },
        { id: 'ExpireReplacedLatest', prefix: 'latest/', noncurrentVersionExpiration: Duration.days(30) },
        { id: 'AbortIncompleteUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });
    acknowledge(
      this.bucket,
      'AwsSolutions-S1',
      'Server access logs would need a second bucket for a bucket written once a day by one function role; every write is that role\'s PutObject (CloudTrail data events cover it where enabled) and versioning keeps every report.',
    );

    this.reportFunction = new SnapwardFunction(this, 'Report', {
      projectRoot: props.projectRoot,
      fleetConfig: props.fleetConfig,
      stateTableName: props.stateTable.tableName,
      logRetention: props.logRetention,
      handler: 'report',
      description: 'snapward: daily DR report (HTML, JSON, CSV) into the report bucket',
      // Reads the fleet and the store like a check, then renders a few MB of HTML at 5,000 instances.
      memorySize: 1024,
      timeout: Duration.minutes(5),
      asyncRetryAttempts: 0,
      maxEventAge: Duration.hours(1),
      environment: { SNAPWARD_REPORT_BUCKET: this.bucket.bucketName },
    });
    const role = this.reportFunction.role;
    // Read-only on the state table: the report never writes state.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ReadStateTable', actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'], resources: [props.stateTable.tableArn] }),
    );
    const reportObjects = [this.bucket.arnForObjects('reports/*'), this.bucket.arnForObjects('latest/*')];
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteReports', actions: ['s3:PutObject'], resources: reportObjects }));
    acknowledgeWildcardResources(role, reportObjects, (r) => `${r}: the report's file names change every day (reports/<yyyy>/<mm>/<dd>/); PutObject only, on the two prefixes of the stack's own report bucket.`);

    // Daily at 06:15 UTC (after the night's passes), spread over 30 minutes.
    this.schedule = new ScheduledInvocation(this, 'ReportSchedule', {
      target: this.reportFunction.function,
      schedule: scheduler.ScheduleExpression.cron({ minute: '15', hour: '6', timeZone: TimeZone.ETC_UTC }),
      timeWindow: scheduler.TimeWindow.flexible(Duration.minutes(30)),
      retryAttempts: 3,
      maxEventAge: Duration.hours(2),
      description: 'snapward daily DR report (06:15 UTC)',
    });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Instances not compliant (any scenario, unknown included) per tier',
        left: TIERS.map((tier) => metric(METRICS.notCompliant, { Tier: tier }, `tier ${tier}`, 'Maximum')),
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Open findings per kind',
        left: FINDING_KINDS.map((kind) => metric(METRICS.openFindings, { Kind: kind }, kind, 'Maximum')),
        width: 12,
      }),
    );
    for (const scenario of SCENARIOS) {
      this.dashboard.addWidgets(
        ...TIERS.map(
          (tier) =>
            new cloudwatch.GraphWidget({
              title: `Tier ${tier}, ${scenario === 'instanceLoss' ? 'instance loss' : 'region loss'}: instances by band`,
              left: BANDS.map((band) => metric(METRICS.instances, { Tier: tier, Scenario: scenario, Band: band }, band, 'Maximum')),
              stacked: true,
              width: 6,
            }),
        ),
      );
    }
    this.dashboard.addWidgets(
      ...SCENARIOS.map(
        (scenario) =>
          new cloudwatch.GraphWidget({
            title: `Worst achieved RPO per tier (seconds), ${scenario === 'instanceLoss' ? 'instance loss' : 'region loss'}`,
            left: TIERS.map((tier) => metric(METRICS.worstRpo, { Tier: tier, Scenario: scenario }, `tier ${tier}`, 'Maximum')),
            width: 8,
          }),
      ),
      new cloudwatch.GraphWidget({
        title: 'Newest drill RTO per tier (seconds; empty until restore drills run)',
        left: TIERS.map((tier) => metric(METRICS.drillRto, { Tier: tier }, `tier ${tier}`, 'Maximum')),
        width: 8,
      }),
    );
    // Copy capacity per DR region and kind (check's EMF, from domain/capacity.ts). A region that
    // is no one's DR region draws no line: the metric is only emitted for DR regions.
    const copyLines = (props.copyRegions ?? []).flatMap((region) => (['instance', 'cluster'] as const).map((dbKind) => ({ region, dbKind })));
    this.dashboard.addWidgets(
      ...[
        { name: METRICS.copyBacklog, title: 'Copies waiting for a slot, per DR region' },
        { name: METRICS.copiesInFlight, title: 'Copies in flight, per DR region (AWS: 20 instance / 5 cluster)' },
        { name: METRICS.copyShortfall, title: 'Copy demand beyond capacity, copies a day (empty while unknown)' },
      ].map(
        ({ name, title }) =>
          new cloudwatch.GraphWidget({
            title,
            left: copyLines.map((l) => metric(name, { Region: l.region, DbKind: l.dbKind }, `${l.region} ${l.dbKind}`, 'Maximum')),
            width: 8,
          }),
      ),
    );

    const alarm = (tier: '0' | '1'): cloudwatch.Alarm => {
      const a = new cloudwatch.Alarm(this, `Tier${tier}Breach`, {
        // No label: a plain metric renders as MetricName/Dimensions, which the console and tools read best.
        metric: new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName: METRICS.notCompliant, dimensionsMap: { Tier: tier }, statistic: 'Maximum', period: PERIOD }),
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        // Two 5-minute periods: a breach seen by two checks in a row. Missing data breaches: no
        // metric means the watchdog is not reporting, and unknown is not OK.
        evaluationPeriods: 2,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        alarmDescription: `snapward: tier ${tier} instances are out of their RPO target (or could not be read, or the check stopped reporting). Open the DR dashboard (report bucket latest/dashboard.html) or run snapward status.`,
      });
      if (props.alarmTopic) {
        const action = new actions.SnsAction(props.alarmTopic);
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
      return a;
    };
    this.breachAlarms = { 0: alarm('0'), 1: alarm('1') };
  }
}

function metric(metricName: string, dimensionsMap: Record<string, string>, label: string, statistic: string): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRIC_NAMESPACE, metricName, dimensionsMap, label, statistic, period: PERIOD });
}
