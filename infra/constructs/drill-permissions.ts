import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources } from './nag';

/** The tag every drill database carries (src/domain/drill.ts). */
export const DRILL_TAG_KEY = 'snapward:drill';
/** Every drill database is named `sw-drill-...` (src/domain/drill.ts). */
export const DRILL_ID_PREFIX = 'sw-drill-';
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/;

export interface DrillPermissionsProps {
  /** Every region snapward works in (drills restore into the DR regions, or the primary ones). */
  readonly regions: readonly string[];
  /**
   * The validation hook's Lambda function (`drills.validate.lambdaArn`), invoked by the drills.
   * @default no hook: no lambda:InvokeFunction at all
   */
  readonly hookFunctionArn?: string;
}

/**
 * What restore drills need, and no more: restores only into `sw-drill-*` databases and only with
 * the `snapward:drill` tag in the request (aws:RequestTag, aws:TagKeys), deletes only of
 * `sw-drill-*` databases that carry the `snapward:drill` tag (rds:db-tag / rds:cluster-tag), and
 * an invoke of the one hook function. The sources are snapward's own snapshots (`sw-*`).
 */
export class DrillPermissions extends Construct {
  private readonly props: DrillPermissionsProps;

  constructor(scope: Construct, id: string, props: DrillPermissionsProps) {
    super(scope, id);
    if (props.hookFunctionArn !== undefined && !LAMBDA_ARN.test(props.hookFunctionArn)) {
      throw new Error(`drillHookArn: got ${JSON.stringify(props.hookFunctionArn)}, expected a Lambda function ARN like arn:aws:lambda:us-east-1:123456789012:function:smoke (the drills.validate.lambdaArn of the fleet config)`);
    }
    this.props = props;
  }

  private arns(type: string, name: string): string[] {
    const stack = Stack.of(this);
    return this.props.regions.map((region) => stack.formatArn({ service: 'rds', region, resource: type, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  }

  grantDrills(role: iam.Role): void {
    const drillTagInRequest = { Null: { [`aws:RequestTag/${DRILL_TAG_KEY}`]: 'false' } };
    // RestoreDB* and CreateDBInstance are also authorized on the snapshot, the subnet group and
    // the option/parameter groups they use (the region's defaults when none is configured).
    const supporting = [...this.arns('subgrp', '*'), ...this.arns('og', '*'), ...this.arns('pg', '*')];
    allow(role, {
      sid: 'RdsRestoreDrillInstances',
      actions: ['rds:RestoreDBInstanceFromDBSnapshot'],
      resources: [...this.arns('db', `${DRILL_ID_PREFIX}*`), ...this.arns('snapshot', 'sw-*'), ...supporting],
      conditions: drillTagInRequest,
    });
    allow(role, {
      sid: 'RdsRestoreDrillClusters',
      actions: ['rds:RestoreDBClusterFromSnapshot', 'rds:CreateDBInstance'],
      resources: [...this.arns('cluster', `${DRILL_ID_PREFIX}*`), ...this.arns('db', `${DRILL_ID_PREFIX}*`), ...this.arns('cluster-snapshot', 'sw-*'), ...this.arns('cluster-pg', '*'), ...supporting],
      conditions: drillTagInRequest,
    });
    allow(role, {
      sid: 'RdsTagDrillDatabases',
      actions: ['rds:AddTagsToResource'],
      resources: [...this.arns('db', `${DRILL_ID_PREFIX}*`), ...this.arns('cluster', `${DRILL_ID_PREFIX}*`)],
      conditions: drillTagInRequest,
    });
    allow(role, {
      sid: 'RdsDeleteDrillInstances',
      actions: ['rds:DeleteDBInstance'],
      resources: this.arns('db', `${DRILL_ID_PREFIX}*`),
      conditions: { StringLike: { [`rds:db-tag/${DRILL_TAG_KEY}`]: '*' } },
    });
    allow(role, {
      sid: 'RdsDeleteDrillClusters',
      actions: ['rds:DeleteDBCluster'],
      resources: this.arns('cluster', `${DRILL_ID_PREFIX}*`),
      conditions: { StringLike: { [`rds:cluster-tag/${DRILL_TAG_KEY}`]: '*' } },
    });
    if (this.props.hookFunctionArn) allow(role, { sid: 'LambdaInvokeDrillHook', actions: ['lambda:InvokeFunction'], resources: [this.props.hookFunctionArn] });
  }
}

const WILDCARD_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/:(db|cluster):sw-drill-\*$/, 'Restore drills create temporary databases named sw-drill-<instance>-<time>, so they are matched by prefix; creation also requires the snapward:drill tag in the request and deletion the snapward:drill tag on the database.'],
  [/:(snapshot|cluster-snapshot):sw-\*$/, "Restore drills restore snapward's own snapshots (sw-<instance>-<period>), matched by prefix in the configured regions; nothing but a restore is allowed on them here."],
  [/:(subgrp|og|pg|cluster-pg):\*$/, 'A restore is also authorized on the subnet group and option/parameter groups it uses: the ones the operator configures per region, or the region defaults; only restores and instance creations of sw-drill-* databases tagged snapward:drill are allowed with them.'],
];

function allow(role: iam.Role, props: iam.PolicyStatementProps & { readonly sid: string }): void {
  const policy = new iam.Policy(role, props.sid, { statements: [new iam.PolicyStatement(props)] });
  role.attachInlinePolicy(policy);
  acknowledgeWildcardResources(policy, props.resources ?? [], (resource) => {
    const found = WILDCARD_REASONS.find(([p]) => p.test(resource));
    if (!found) throw new Error(`drill permissions: no justification written for the wildcard resource ${resource}`);
    return found[1];
  });
}
