import { StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { FleetConfigSource, ResolvedFleetConfig, resolveFleetConfig } from './fleet-config';
import { FleetNeeds, readFleetNeeds, uncoveredNeeds } from './fleet-needs';
import {
  BUCKET_PATTERN,
  checkList,
  EMAIL_PATTERN,
  EVENT_BUS_NAME_PATTERN,
  IAM_PRINCIPAL_ARN_PATTERN,
  KMS_KEY_ARN_PATTERN,
  REGION_PATTERN,
  show,
  SNAPWARD_PROPS_ERROR_FIX,
  SNS_TOPIC_ARN_PATTERN,
  SnapwardPropsError,
} from './validation';

/** The alert bus name when none is given: derived from the stack name. */
export const DEFAULT_ALERT_BUS_NAME = '<stack name>-alerts';

export interface SnapwardStackProps extends StackProps {
  /** Where the functions read the fleet YAML: `{ s3Uri }` or `{ file }` (see FleetConfigSource). */
  readonly fleetConfig: FleetConfigSource;
  /**
   * A local copy of the fleet YAML when `fleetConfig` is an `s3Uri`, so the stack can derive its
   * permissions from it (a `file` fleet config is read directly). Relative to the project root.
   * @default - none: with an s3Uri and no copy, `regions` must be given
   */
  readonly fleetConfigCopy?: string;
  /**
   * Every region snapward works in: the databases' regions and their DR regions. RDS permissions
   * (describe, create, copy, delete) are limited to these. Must cover every region of the fleet.
   * @default - the fleet's regions (instances and discover: region and drRegion)
   */
  readonly regions?: readonly string[];
  /**
   * DR key ARNs (not aliases) to grant besides the key ARNs the fleet's `kms:` section names. A
   * fleet whose `kms:` entry for a region is an alias or key id needs that key's ARN here.
   * Customer managed *source* keys need no entry: they are granted through RDS in the fleet's
   * source regions (see SnapshotPermissions.grantUseKeys).
   * @default [] (only the fleet's own key ARNs)
   */
  readonly kmsKeyArns?: readonly string[];
  /**
   * S3 buckets the replication verifier reads. Must cover every `source` and `replica` bucket of
   * the fleet's `attachments:`.
   * @default - the fleet's attachment buckets
   */
  readonly attachmentBuckets?: readonly string[];
  /**
   * Name of the event bus the check function sends alerts to; the stack creates it.
   * @default '<stack name>-alerts'
   */
  readonly alertBusName?: string;
  /**
   * SNS topic ARN for the alarms (alarm and OK actions).
   * @default - the stack's own alert topic
   */
  readonly alarmTopicArn?: string;
  /**
   * An e-mail address subscribed to the stack's alert topic (findings and alarms). The address
   * must confirm the subscription from the mail AWS sends.
   * @default - no subscription: add one (or a chat/paging target) to the topic after the deploy
   */
  readonly alertEmail?: string;
  /**
   * IAM principal ARNs (roles or users of this or another account) allowed to put `Backup
   * Requested` events on the operator bus.
   * @default - the account's `Admin` role (arn:<partition>:iam::<account>:role/Admin)
   */
  readonly operatorPrincipals?: readonly string[];
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
}

/** The props after validation, defaults applied. */
export interface ValidStackProps {
  readonly fleetConfig: ResolvedFleetConfig;
  /** What the fleet needs, when the stack could read it (a file, or an s3Uri with a local copy). */
  readonly fleetNeeds: FleetNeeds | null;
  readonly regions: readonly string[];
  /** Where the databases live (their customer managed keys are granted through RDS there). */
  readonly sourceRegions: readonly string[];
  readonly kmsKeyArns: readonly string[];
  readonly attachmentBuckets: readonly string[];
  readonly alertBusName?: string;
  readonly alarmTopicArn?: string;
  readonly alertEmail?: string;
  readonly operatorPrincipals?: readonly string[];
  readonly replicationCheckMode: 'sample' | 'full';
}

/** Checks every prop and reports all problems at once, each with the bad value and the fix. */
export function validateStackProps(props: SnapwardStackProps, projectRoot: string): ValidStackProps {
  const problems: string[] = [];
  const fleetConfig = resolveFleetConfig(props.fleetConfig, projectRoot);
  if (Array.isArray(fleetConfig)) problems.push(...fleetConfig);

  let fleetNeeds: FleetNeeds | null = null;
  const copy = !Array.isArray(fleetConfig) && fleetConfig.kind === 'file' ? fleetConfig.path : props.fleetConfigCopy ? (isAbsolute(props.fleetConfigCopy) ? props.fleetConfigCopy : resolve(projectRoot, props.fleetConfigCopy)) : null;
  if (copy) {
    try {
      fleetNeeds = readFleetNeeds(copy);
    } catch (err) {
      problems.push(`fleetConfig: ${copy} is not a fleet configuration the functions could run on: ${(err as Error).message}`);
    }
  }
  const regions = props.regions ?? fleetNeeds?.regions ?? [];
  if (props.regions === undefined && !copy) {
    problems.push('regions: not given, and the fleet config is in S3 with no local copy to read them from; give regions, or fleetConfigCopy (a local copy of the YAML)');
  } else {
    problems.push(
      ...checkList('regions', regions, (r, at) => (REGION_PATTERN.test(r) ? null : `${at}: got ${show(r)}, expected an AWS region code such as "us-east-1"`), { allowEmpty: false }),
    );
  }
  problems.push(
    ...checkList(
      'kmsKeyArns',
      props.kmsKeyArns ?? [],
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
  // The fleet's own DR key ARNs first, then what the settings add.
  const kmsKeyArns = [...new Set([...(fleetNeeds?.keyArns ?? []), ...(Array.isArray(props.kmsKeyArns) ? props.kmsKeyArns : [])])];
  const attachmentBuckets = props.attachmentBuckets ?? fleetNeeds?.buckets ?? [];
  problems.push(
    ...checkList('attachmentBuckets', attachmentBuckets, (b, at) => (BUCKET_PATTERN.test(b) ? null : `${at}: got ${show(b)}, expected an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens), not an ARN or s3:// URI`), {
      allowEmpty: true,
    }),
  );
  const alertBusName = props.alertBusName;
  if (alertBusName !== undefined && (typeof alertBusName !== 'string' || !EVENT_BUS_NAME_PATTERN.test(alertBusName) || alertBusName === 'default')) {
    problems.push(`alertBusName: got ${show(alertBusName)}, expected a new bus name of 1-256 letters, digits, ".", "-", "_" other than "default", e.g. "snapward-alerts", or leave it out for ${DEFAULT_ALERT_BUS_NAME}`);
  }
  if (props.alertEmail !== undefined && (typeof props.alertEmail !== 'string' || !EMAIL_PATTERN.test(props.alertEmail))) {
    problems.push(`alertEmail: got ${show(props.alertEmail)}, expected one e-mail address such as "oncall@example.org", or leave it out`);
  }
  if (props.operatorPrincipals !== undefined) {
    problems.push(
      ...checkList('operatorPrincipals', props.operatorPrincipals, (p, at) => (IAM_PRINCIPAL_ARN_PATTERN.test(p) ? null : `${at}: got ${show(p)}, expected an IAM role or user ARN such as "arn:aws:iam::111122223333:role/Admin"`), {
        allowEmpty: false,
      }),
    );
  }
  if (props.alarmTopicArn !== undefined && !SNS_TOPIC_ARN_PATTERN.test(props.alarmTopicArn)) {
    problems.push(`alarmTopicArn: got ${show(props.alarmTopicArn)}, expected an SNS topic ARN such as "arn:aws:sns:us-east-1:111122223333:ops-alarms", or leave it out for the stack's own alert topic`);
  }
  const replicationCheckMode = props.replicationCheckMode ?? 'sample';
  if (replicationCheckMode !== 'sample' && replicationCheckMode !== 'full') {
    problems.push(`replicationCheckMode: got ${show(replicationCheckMode)}, expected "sample" or "full"`);
  }
  if (fleetNeeds && problems.length === 0) problems.push(...uncoveredNeeds(fleetNeeds, { regions, kmsKeyArns, attachmentBuckets }));
  if (problems.length > 0 || Array.isArray(fleetConfig)) throw new SnapwardPropsError(problems, 'snapward stack', SNAPWARD_PROPS_ERROR_FIX);
  return {
    fleetConfig,
    fleetNeeds,
    regions,
    sourceRegions: fleetNeeds?.sourceRegions ?? regions,
    kmsKeyArns,
    attachmentBuckets,
    ...(alertBusName !== undefined ? { alertBusName } : {}),
    ...(props.alarmTopicArn !== undefined ? { alarmTopicArn: props.alarmTopicArn } : {}),
    ...(props.alertEmail !== undefined ? { alertEmail: props.alertEmail } : {}),
    ...(props.operatorPrincipals !== undefined ? { operatorPrincipals: props.operatorPrincipals } : {}),
    replicationCheckMode,
  };
}

/** The nearest folder at or above `start` holding both package.json and handlers/. */
export function findProjectRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'handlers'))) return dir;
    if (dirname(dir) === dir) throw new Error(`snapward stack: no folder with package.json and handlers/ at or above ${start}; pass projectRoot`);
  }
}
