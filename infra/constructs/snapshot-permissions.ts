import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TAG } from '../../src/domain/tags';
import { acknowledgeWildcardResources } from './nag';

/** The tag that marks a snapshot as snapward's own (src/domain/tags.ts). */
export const MANAGED_TAG = { key: 'snapward:managed', value: 'true' } as const;
/** Every snapshot snapward makes is named `sw-...` (src/domain/naming.ts). */
export const SNAPSHOT_ID_PREFIX = 'sw-';

/**
 * Every tag key snapward writes when it creates a snapshot or a copy (src/domain/tags.ts), and so
 * the only keys the functions may tag with.
 */
export const SNAPWARD_TAG_KEYS: readonly string[] = Object.values(TAG);

export interface SnapshotPermissionsProps {
  /** Every region snapward works in: the databases' regions and their DR regions. */
  readonly regions: readonly string[];
  /** The regions the databases live in (where their customer managed keys are). */
  readonly sourceRegions: readonly string[];
  /** DR key ARNs the copies are encrypted with (KmsKeyResolver describes them by name). */
  readonly kmsKeyArns: readonly string[];
  /** S3 buckets (sources and replicas) the replication verifier reads. */
  readonly attachmentBuckets: readonly string[];
}

type RdsResourceType = 'db' | 'cluster' | 'snapshot' | 'cluster-snapshot';

/**
 * The IAM statements of snapward, one grant method per capability, so each function gets exactly
 * the capabilities its use case needs. No statement uses a wildcard action; where a resource needs
 * a wildcard, the cdk-nag acknowledgement is made here, next to the grant, and says why.
 *
 * Snapshot ARNs are narrowed to snapward's own names (`sw-*`) in the configured regions, and
 * deletion additionally requires the `snapward:managed=true` tag on the snapshot itself, so even a
 * bug that computed a foreign snapshot id could not delete someone else's snapshot.
 */
export class SnapshotPermissions extends Construct {
  private readonly props: SnapshotPermissionsProps;

  constructor(scope: Construct, id: string, props: SnapshotPermissionsProps) {
    super(scope, id);
    this.props = props;
  }

  /** `arn:<partition>:rds:<region>:<account>:<type>:<name>` in every configured region. */
  rdsArns(type: RdsResourceType, name: string): string[] {
    const stack = Stack.of(this);
    return this.props.regions.map((region) => stack.formatArn({ service: 'rds', region, resource: type, resourceName: name, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
  }

  private ownSnapshots(...types: Array<'snapshot' | 'cluster-snapshot'>): string[] {
    return types.flatMap((t) => this.rdsArns(t, `${SNAPSHOT_ID_PREFIX}*`));
  }

  /**
   * Describe the fleet and its snapshots (every function that looks at RDS: the fleet is
   * resolved by discovery on each run); the watchdog also reads replicated automated backups and
   * the account's quotas. Nothing else: each extra is a call some handler makes (test/infra).
   */
  grantReadFleet(role: iam.Role, extra: { automatedBackups?: boolean; quotas?: boolean } = {}): void {
    allow(role, {
      sid: 'RdsDescribeFleet',
      actions: [
        'rds:DescribeDBInstances',
        'rds:DescribeDBClusters',
        'rds:DescribeDBSnapshots',
        'rds:DescribeDBClusterSnapshots',
        ...(extra.automatedBackups ? ['rds:DescribeDBInstanceAutomatedBackups'] : []),
        ...(extra.quotas ? ['rds:DescribeAccountAttributes'] : []),
      ],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': [...this.props.regions] } },
    });
  }

  /**
   * Take snapshots of any instance or cluster in the configured regions, named `sw-*`, with tags.
   * RDS authorizes the tags of a create (or copy) as `rds:AddTagsToResource` on the new snapshot,
   * so that action is granted, but only for a request that is a whole snapward tag set: every
   * key one of snapward's and `snapward:managed=true` among them. Any other tag, on any snapshot,
   * is refused; no role may remove tags.
   *
   * What IAM cannot express: RDS has no condition key that tells "tags on the snapshot this request
   * creates" from "tags on an existing snapshot" (no equivalent of ec2:CreateAction), so an
   * AddTagsToResource call with a whole snapward tag set on an existing, untagged sw-* snapshot
   * would be allowed. No code path makes that call (test/infra/least-privilege.test.ts checks that
   * no adapter sends AddTagsToResource); README "Running on AWS" says what closes the gap.
   */
  grantTakeSnapshots(role: iam.Role): void {
    allow(role, { sid: 'RdsCreateDbSnapshots', actions: ['rds:CreateDBSnapshot'], resources: [...this.rdsArns('db', '*'), ...this.ownSnapshots('snapshot')] });
    allow(role, { sid: 'RdsCreateClusterSnapshots', actions: ['rds:CreateDBClusterSnapshot'], resources: [...this.rdsArns('cluster', '*'), ...this.ownSnapshots('cluster-snapshot')] });
    this.grantCreationTags(role);
  }

  private grantCreationTags(role: iam.Role): void {
    if (role.node.tryFindChild('RdsTagOwnSnapshotsOnCreate')) return;
    allow(role, {
      sid: 'RdsTagOwnSnapshotsOnCreate',
      actions: ['rds:AddTagsToResource'],
      resources: this.ownSnapshots('snapshot', 'cluster-snapshot'),
      conditions: {
        'ForAllValues:StringEquals': { 'aws:TagKeys': [...SNAPWARD_TAG_KEYS] },
        StringEquals: { [`aws:RequestTag/${MANAGED_TAG.key}`]: MANAGED_TAG.value },
      },
    });
  }

  /** Copy snapward's snapshots between the configured regions (RDS authorizes both ARNs). */
  grantCopySnapshots(role: iam.Role): void {
    allow(role, { sid: 'RdsCopyOwnSnapshots', actions: ['rds:CopyDBSnapshot', 'rds:CopyDBClusterSnapshot'], resources: this.ownSnapshots('snapshot', 'cluster-snapshot') });
    this.grantCreationTags(role);
  }

  /**
   * Delete snapshots for retention: only snapward-named ones that carry `snapward:managed=true`.
   * RDS has one tag condition key per resource type, hence one statement per snapshot kind.
   */
  grantDeleteManagedSnapshots(role: iam.Role): void {
    allow(role, {
      sid: 'RdsDeleteManagedDbSnapshots',
      actions: ['rds:DeleteDBSnapshot'],
      resources: this.ownSnapshots('snapshot'),
      conditions: { StringEquals: { [`rds:snapshot-tag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    });
    allow(role, {
      sid: 'RdsDeleteManagedClusterSnapshots',
      actions: ['rds:DeleteDBClusterSnapshot'],
      resources: this.ownSnapshots('cluster-snapshot'),
      conditions: { StringEquals: { [`rds:cluster-snapshot-tag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    });
  }

  /**
   * Share and unshare snapshots for the vault copy (issue 16): `ModifyDB(Cluster)SnapshotAttribute`
   * (the `restore` attribute), on snapward-named snapshots tagged `snapward:managed=true` only,
   * the same guard as deletes. What IAM cannot express: whom a snapshot is shared with (RDS has
   * no condition key for the request's account ids), so the code alone keeps the value to the
   * configured vault account; README "Many accounts and a vault" says so.
   */
  grantShareManagedSnapshots(role: iam.Role): void {
    allow(role, {
      sid: 'RdsShareManagedDbSnapshots',
      actions: ['rds:ModifyDBSnapshotAttribute'],
      resources: this.ownSnapshots('snapshot'),
      conditions: { StringEquals: { [`rds:snapshot-tag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    });
    allow(role, {
      sid: 'RdsShareManagedClusterSnapshots',
      actions: ['rds:ModifyDBClusterSnapshotAttribute'],
      resources: this.ownSnapshots('cluster-snapshot'),
      conditions: { StringEquals: { [`rds:cluster-snapshot-tag/${MANAGED_TAG.key}`]: MANAGED_TAG.value } },
    });
  }

  /**
   * What a copy needs from KMS (RDS user guide, "Overview.Encryption.Keys": a principal creating
   * RDS resources with a customer managed key needs kms:CreateGrant and kms:DescribeKey on it):
   *
   * - the DR keys, by ARN: DescribeKey (KmsKeyResolver checks each before copying) and CreateGrant
   *   for AWS resources through RDS;
   * - the databases' own customer managed keys, which the fleet file does not name (RDS picks the
   *   instance's key): DescribeKey and CreateGrant on any key of the account in the source
   *   regions, but only through RDS (kms:ViaService, fleet regions) and, for grants, only for
   *   AWS resources.
   *
   * No Encrypt/Decrypt/ReEncrypt/GenerateDataKey: RDS needs those from the caller only to copy a
   * snapshot shared from another account, which only the vault role does (vault-stack.ts).
   */
  grantUseKeys(role: iam.Role): void {
    const stack = Stack.of(this);
    const viaRds = (regions: readonly string[]) => ({ 'kms:ViaService': regions.map((r) => `rds.${r}.amazonaws.com`) });
    const keys = [...this.props.kmsKeyArns];
    if (keys.length > 0) {
      allow(role, { sid: 'KmsDescribeDrKeys', actions: ['kms:DescribeKey'], resources: keys });
      allow(role, {
        sid: 'KmsCreateGrantOnDrKeysForRds',
        actions: ['kms:CreateGrant'],
        resources: keys,
        conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: viaRds(this.props.regions) },
      });
    }
    // Through RDS in any fleet region: a cross-region copy is asked of RDS in the destination
    // region, and which region's RDS then uses the source key is not documented.
    const sourceKeys = this.props.sourceRegions.map((region) => stack.formatArn({ service: 'kms', region, resource: 'key', resourceName: '*' }));
    allow(role, { sid: 'KmsDescribeSourceKeysThroughRds', actions: ['kms:DescribeKey'], resources: sourceKeys, conditions: { StringEquals: viaRds(this.props.regions) } });
    allow(role, {
      sid: 'KmsCreateGrantOnSourceKeysForRds',
      actions: ['kms:CreateGrant'],
      resources: sourceKeys,
      conditions: { Bool: { 'kms:GrantIsForAWSResource': 'true' }, StringEquals: viaRds(this.props.regions) },
    });
  }

  /**
   * Read the state of the keys the fleet depends on (the watchdog's Key Unusable finding): the DR
   * keys by ARN and the databases' customer managed keys in the source regions, which the fleet
   * file does not name. DescribeKey only: key metadata, no use of the key.
   */
  grantInspectKeys(role: iam.Role): void {
    const stack = Stack.of(this);
    const sourceKeys = this.props.sourceRegions.map((region) => stack.formatArn({ service: 'kms', region, resource: 'key', resourceName: '*' }));
    allow(role, { sid: 'KmsInspectKeys', actions: ['kms:DescribeKey'], resources: [...this.props.kmsKeyArns, ...sourceKeys] });
  }

  /** Read the attachment buckets' replication setup and objects (list, head). */
  grantReadAttachments(role: iam.Role): void {
    const buckets = [...this.props.attachmentBuckets];
    if (buckets.length === 0) return;
    const stack = Stack.of(this);
    const bucketArns = buckets.map((b) => stack.formatArn({ service: 's3', region: '', account: '', resource: b }));
    allow(role, {
      sid: 'S3ReadReplicationSetup',
      actions: ['s3:ListBucket', 's3:GetBucketVersioning', 's3:GetReplicationConfiguration', 's3:GetBucketLocation'],
      resources: bucketArns,
    });
    allow(role, { sid: 'S3HeadAttachmentObjects', actions: ['s3:GetObject'], resources: bucketArns.map((arn) => `${arn}/*`) });
  }
}

/**
 * Why each kind of wildcard resource is needed, keyed by how cdk-nag renders it. One reason per
 * kind, so a role that gets the same ARN from several grants carries one acknowledgement for it.
 */
const WILDCARD_REASONS: ReadonlyArray<readonly [RegExp, string]> = [
  [
    /^\*$/,
    'Read-only RDS Describe/List calls over the whole fleet: DescribeAccountAttributes takes no resource ARN at all, and the fleet is discovered by tag, so its instances, clusters and snapshots cannot be named in advance. Limited to the configured regions by aws:RequestedRegion.',
  ],
  [
    /:rds:[a-z0-9-]+:.+:(db|cluster):\*$/,
    'CreateDB(Cluster)Snapshot is also authorized on the source database, and the fleet is discovered by tag at run time, so databases cannot be listed in advance: any instance or cluster of this account in the configured regions (snapshot creation only; no other action is allowed on them).',
  ],
  [
    /:rds:[a-z0-9-]+:.+:(snapshot|cluster-snapshot):sw-\*$/,
    "snapward's own snapshots: ids are generated per instance and period (sw-<instance>-<period>, copies keep the id), so they are matched by the sw- prefix in the configured regions. Deletion and sharing (for the vault copy) additionally require the snapward:managed=true tag on the snapshot.",
  ],
  [
    /:kms:[a-z0-9-]+:.+:key\/\*$/,
    "The databases' own customer managed keys (DescribeKey only for the watchdog, which reports a key that is disabled or pending deletion; CreateGrant and DescribeKey through RDS for reconcile) are picked by RDS from each instance and are not named in the fleet file; RDS needs CreateGrant and DescribeKey on them to copy. Keys in the fleet's source regions only, used only through RDS in the fleet's regions (kms:ViaService), grants only for AWS resources.",
  ],
  [
    /:s3:::[^/]+\/\*$/,
    'The verifier compares every object (or a sample) of the configured attachment buckets with their replicas, so it may read any key in those buckets, and only in those.',
  ],
];

function wildcardReason(resource: string): string {
  const found = WILDCARD_REASONS.find(([pattern]) => pattern.test(resource));
  if (!found) throw new Error(`snapshot permissions: no justification written for the wildcard resource ${resource}; add one to WILDCARD_REASONS or narrow the resource`);
  return found[1];
}

/**
 * Adds the statement to the role in its own inline policy named after the statement, and
 * acknowledges the statement's wildcard resources on that policy only. cdk-nag v3 identifies an
 * IAM5 finding by the resource text alone, so an acknowledgement on the role would also cover any
 * statement someone later adds to the role with the same resource; on the policy it cannot.
 */
function allow(role: iam.Role, props: iam.PolicyStatementProps & { readonly sid: string }): iam.Policy {
  const policy = new iam.Policy(role, props.sid, { statements: [new iam.PolicyStatement(props)] });
  role.attachInlinePolicy(policy);
  acknowledgeWildcardResources(policy, props.resources ?? [], wildcardReason);
  return policy;
}
