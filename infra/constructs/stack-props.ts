import { StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FleetConfigSource, ResolvedFleetConfig, resolveFleetConfig } from './fleet-config';
import {
  BUCKET_PATTERN,
  checkList,
  EVENT_BUS_NAME_PATTERN,
  KMS_KEY_ARN_PATTERN,
  REGION_PATTERN,
  show,
  SNAPWARD_PROPS_ERROR_FIX,
  SNS_TOPIC_ARN_PATTERN,
  SnapwardPropsError,
} from './validation';

export const DEFAULT_REGIONS: readonly string[] = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
export const DEFAULT_ALERT_BUS_NAME = 'snapward-alerts';

export interface SnapwardStackProps extends StackProps {
  /** Where the functions read the fleet YAML: `{ s3Uri }` or `{ file }` (see FleetConfigSource). */
  readonly fleetConfig: FleetConfigSource;
  /**
   * Every region snapward works in: the databases' regions and their DR regions. RDS permissions
   * (describe, create, copy, delete) are limited to these.
   * @default DEFAULT_REGIONS (us-east-1, us-west-2, eu-west-1, eu-central-1)
   */
  readonly regions?: readonly string[];
  /**
   * KMS key ARNs (not aliases) RDS may use for the copies: the DR keys of the `kms:` section of the
   * fleet YAML, plus the source databases' keys when they are customer managed. Each key must be
   * in one of `regions`.
   * @default [] (only AWS managed keys, which need no IAM grant)
   */
  readonly kmsKeyArns?: readonly string[];
  /**
   * S3 buckets the replication verifier reads: every `source` and `replica` bucket of the
   * `attachments:` section of the fleet YAML.
   * @default [] (the verifier may read no bucket)
   */
  readonly attachmentBuckets?: readonly string[];
  /**
   * Name of the event bus the check function sends alerts to; the stack creates it.
   * @default 'snapward-alerts'
   */
  readonly alertBusName?: string;
  /**
   * SNS topic ARN for the alarms (alarm and OK actions).
   * @default - alarms without actions
   */
  readonly alarmTopicArn?: string;
  /**
   * What `verify-replication` does every hour: `sample` (HeadObject on a sample per pair) or
   * `full` (stream and merge both listings; every object).
   * @default 'sample'
   */
  readonly replicationCheckMode?: 'sample' | 'full';
  /**
   * Retention of the functions' log groups.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The folder holding `handlers/`, `package-lock.json` and, for `fleetConfig.file`, the YAML.
   * @default - the nearest folder above this file with both package.json and handlers/
   */
  readonly projectRoot?: string;
  /**
   * The restore drills' validation hook function (`drills.validate.lambdaArn` of the fleet config):
   * the reconcile function may invoke exactly this ARN. @default no hook
   */
  readonly drillHookArn?: string;
}

/** The props after validation, defaults applied. */
export interface ValidStackProps {
  readonly fleetConfig: ResolvedFleetConfig;
  readonly regions: readonly string[];
  readonly kmsKeyArns: readonly string[];
  readonly attachmentBuckets: readonly string[];
  readonly alertBusName: string;
  readonly alarmTopicArn?: string;
  readonly replicationCheckMode: 'sample' | 'full';
}

/** Checks every prop and reports all problems at once, each with the bad value and the fix. */
export function validateStackProps(props: SnapwardStackProps, projectRoot: string): ValidStackProps {
  const problems: string[] = [];
  const fleetConfig = resolveFleetConfig(props.fleetConfig, projectRoot);
  if (Array.isArray(fleetConfig)) problems.push(...fleetConfig);

  const regions = props.regions ?? DEFAULT_REGIONS;
  problems.push(
    ...checkList('regions', regions, (r, at) => (REGION_PATTERN.test(r) ? null : `${at}: got ${show(r)}, expected an AWS region code such as "us-east-1"`), { allowEmpty: false }),
  );
  const kmsKeyArns = props.kmsKeyArns ?? [];
  problems.push(
    ...checkList(
      'kmsKeyArns',
      kmsKeyArns,
      (arn, at) => {
        if (/:alias\//.test(arn)) return `${at}: got alias ARN ${show(arn)}; IAM authorizes KMS calls against the key, so give the key ARN (aws kms describe-key --key-id <alias> --query KeyMetadata.Arn)`;
        const m = KMS_KEY_ARN_PATTERN.exec(arn);
        if (!m) return `${at}: got ${show(arn)}, expected a KMS key ARN such as "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"`;
        const region = m[2] as string;
        return Array.isArray(regions) && !regions.includes(region) ? `${at}: key is in ${region}, which is not in regions ${show(regions)}; add the region or drop the key` : null;
      },
      { allowEmpty: true },
    ),
  );
  const attachmentBuckets = props.attachmentBuckets ?? [];
  problems.push(
    ...checkList('attachmentBuckets', attachmentBuckets, (b, at) => (BUCKET_PATTERN.test(b) ? null : `${at}: got ${show(b)}, expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens), not an ARN or s3:// URI`), {
      allowEmpty: true,
    }),
  );
  const alertBusName = props.alertBusName ?? DEFAULT_ALERT_BUS_NAME;
  if (typeof alertBusName !== 'string' || !EVENT_BUS_NAME_PATTERN.test(alertBusName) || alertBusName === 'default') {
    problems.push(`alertBusName: got ${show(alertBusName)}, expected a new bus name of 1-256 letters, digits, ".", "-", "_" other than "default", e.g. "${DEFAULT_ALERT_BUS_NAME}"`);
  }
  if (props.alarmTopicArn !== undefined && !SNS_TOPIC_ARN_PATTERN.test(props.alarmTopicArn)) {
    problems.push(`alarmTopicArn: got ${show(props.alarmTopicArn)}, expected an SNS topic ARN such as "arn:aws:sns:us-east-1:111122223333:ops-alarms", or leave it out for alarms without actions`);
  }
  const replicationCheckMode = props.replicationCheckMode ?? 'sample';
  if (replicationCheckMode !== 'sample' && replicationCheckMode !== 'full') {
    problems.push(`replicationCheckMode: got ${show(replicationCheckMode)}, expected "sample" or "full"`);
  }
  if (problems.length > 0 || Array.isArray(fleetConfig)) throw new SnapwardPropsError(problems, 'snapward stack', SNAPWARD_PROPS_ERROR_FIX);
  return { fleetConfig, regions, kmsKeyArns, attachmentBuckets, alertBusName, alarmTopicArn: props.alarmTopicArn, replicationCheckMode };
}

/** The nearest folder at or above `start` holding both package.json and handlers/. */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'handlers'))) return dir;
    if (dirname(dir) === dir) throw new Error(`snapward stack: no folder with package.json and handlers/ at or above ${start}; pass projectRoot`);
  }
}
