import { AttachmentPair } from '../config';
import { ReplicationConfig, ReplicationRule, VersioningStatus } from './types';

/**
 * Whether a pair's buckets are set up so that S3 replicates what we expect: the rules of
 * "S3 replication: prerequisites" as a pure function of what the S3 configuration calls returned.
 * Problems make the pair not ok; info lines describe optional coverage (delete markers, SSE-KMS
 * objects, Replication Time Control) that depends on what the product needs, so it is reported,
 * not judged.
 */
export const CONFIG_PROBLEM_CODES = [
  'SOURCE_VERSIONING_OFF',
  'REPLICA_VERSIONING_OFF',
  'NO_REPLICATION_CONFIG',
  'NO_RULE_FOR_REPLICA',
  'RULE_DISABLED',
  'PREFIX_NOT_COVERED',
  'REPLICA_REGION_MISMATCH',
] as const;
export type ConfigProblemCode = (typeof CONFIG_PROBLEM_CODES)[number];

export interface ConfigProblem {
  readonly code: ConfigProblemCode;
  readonly message: string;
}

export interface ConfigCheck {
  readonly problems: readonly ConfigProblem[];
  readonly info: readonly string[];
}

/** What the S3 configuration calls returned for one pair. */
export interface BucketFacts {
  readonly sourceVersioning: VersioningStatus;
  readonly replicaVersioning: VersioningStatus;
  /** The source bucket's replication configuration; null when it has none. */
  readonly replication: ReplicationConfig | null;
  /** The replica bucket's region (GetBucketLocation, normalized with regionOfLocation). */
  readonly replicaRegion: string;
}

/**
 * GetBucketLocation's LocationConstraint as a region: buckets in us-east-1 report none (null or
 * empty), and the oldest eu-west-1 buckets report the legacy `EU`.
 */
export function regionOfLocation(constraint: string | null | undefined): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

/** True when `arn` names `bucket` (any partition: aws, aws-us-gov, aws-cn, ...). */
export function isBucketArn(arn: string, bucket: string): boolean {
  return /^arn:[a-z-]+:s3:::/.test(arn) && arn.slice(arn.indexOf(':::') + 3) === bucket;
}

/** A rule covers every key under `prefix` when its own prefix is a prefix of it and nothing narrows it. */
export function ruleCoversPrefix(rule: ReplicationRule, prefix: string): boolean {
  return rule.narrowedBy === null && prefix.startsWith(rule.prefix);
}

export function checkPairConfig(pair: AttachmentPair, facts: BucketFacts): ConfigCheck {
  const problems: ConfigProblem[] = [];
  const info: string[] = [];
  const add = (code: ConfigProblemCode, message: string) => problems.push({ code, message });
  const src = `s3://${pair.source.bucket}`;
  const dst = `s3://${pair.replica.bucket}`;

  if (facts.sourceVersioning !== 'Enabled') add('SOURCE_VERSIONING_OFF', `versioning on ${src} is ${describe(facts.sourceVersioning)}; replication needs it Enabled`);
  if (facts.replicaVersioning !== 'Enabled') add('REPLICA_VERSIONING_OFF', `versioning on ${dst} is ${describe(facts.replicaVersioning)}; replication needs it Enabled`);
  if (facts.replicaRegion !== pair.replica.region) {
    add('REPLICA_REGION_MISMATCH', `${dst} is in ${facts.replicaRegion}, but the configuration says ${pair.replica.region}`);
  }

  const rule = coveringRule(pair, facts.replication, add);
  if (rule) {
    info.push(`rule ${rule.id ?? '(no id)'} replicates ${prefixText(rule.prefix)} to ${dst}`);
    info.push(
      rule.deleteMarkerReplication === 'Enabled'
        ? 'delete markers are replicated: a delete in the source hides the object in the replica too'
        : 'delete markers are not replicated: objects deleted in the source stay visible in the replica',
    );
    info.push(
      rule.sseKmsEncryptedObjects === 'Enabled'
        ? `SSE-KMS encrypted objects are replicated${rule.replicaKmsKeyId ? ` (replica key ${rule.replicaKmsKeyId})` : ''}`
        : 'SSE-KMS encrypted objects are not replicated (SourceSelectionCriteria.SseKmsEncryptedObjects is not Enabled)',
    );
    info.push(
      rule.replicationTime === 'Enabled'
        ? 'Replication Time Control is on: 99.99% of objects within 15 minutes'
        : 'Replication Time Control is off: no replication-time guarantee',
    );
  }
  return { problems, info };
}

/** The enabled rule that replicates the whole prefix to the replica bucket, or null after reporting why there is none. */
function coveringRule(
  pair: AttachmentPair,
  replication: ReplicationConfig | null,
  add: (code: ConfigProblemCode, message: string) => void,
): ReplicationRule | null {
  const src = `s3://${pair.source.bucket}`;
  const dst = `s3://${pair.replica.bucket}`;
  if (!replication || replication.rules.length === 0) {
    add('NO_REPLICATION_CONFIG', `${src} has no replication configuration`);
    return null;
  }
  const toReplica = replication.rules.filter((r) => isBucketArn(r.destinationBucketArn, pair.replica.bucket));
  if (toReplica.length === 0) {
    const elsewhere = [...new Set(replication.rules.map((r) => r.destinationBucketArn))].join(', ');
    add('NO_RULE_FOR_REPLICA', `no replication rule of ${src} targets arn:aws:s3:::${pair.replica.bucket} (rules target ${elsewhere})`);
    return null;
  }
  const enabled = toReplica.filter((r) => r.status === 'Enabled');
  if (enabled.length === 0) {
    add('RULE_DISABLED', `the replication rule${toReplica.length > 1 ? 's' : ''} of ${src} to ${dst} (${ids(toReplica)}) ${toReplica.length > 1 ? 'are' : 'is'} Disabled`);
    return null;
  }
  // Highest priority first: that is the rule S3 applies when several match.
  const covering = enabled.filter((r) => ruleCoversPrefix(r, pair.prefix)).sort((x, y) => (y.priority ?? 0) - (x.priority ?? 0));
  if (covering.length === 0) {
    const scopes = enabled.map((r) => `${r.id ?? '(no id)'}: ${prefixText(r.prefix)}${r.narrowedBy ? ` with ${r.narrowedBy}` : ''}`).join('; ');
    add('PREFIX_NOT_COVERED', `no enabled rule of ${src} to ${dst} covers ${prefixText(pair.prefix)} (${scopes})`);
    return null;
  }
  return covering[0] as ReplicationRule;
}

const describe = (v: VersioningStatus): string => (v === 'Off' ? 'not enabled' : v);
const prefixText = (prefix: string): string => (prefix === '' ? 'every key' : `keys under ${JSON.stringify(prefix)}`);
const ids = (rules: readonly ReplicationRule[]): string => rules.map((r) => r.id ?? '(no id)').join(', ');
