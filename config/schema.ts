import { z } from 'zod';
import { DAY, HOUR, parseDuration } from '../src/domain/time';
import { Tier } from '../src/domain/types';
import { accountNameSchema, accountProblems, accountsSchema, vaultSchema } from './accounts';
import { ConfigProblem, formatPath } from './errors';
import { REGION, REGION_PATTERN } from './patterns';

/**
 * The shape of snapward.yaml. Every schema carries its own error text, and that text is the
 * `expected` half of a ConfigProblem ("got 7, expected <message>"), so messages here are written
 * as noun phrases. Defaults are applied by load.ts, not here: the schema only says what is valid.
 */

export { REGION_PATTERN };
// RDS identifier rules: a letter first, then letters/digits/hyphens, 63 max, no "--", no trailing "-".
export const DB_ID_PATTERN = /^(?!.*--)[A-Za-z][A-Za-z0-9-]{0,62}(?<!-)$/;

// S3 bucket naming rules: 3-63 lowercase letters, digits, dots, hyphens; a letter or digit at both
// ends; no "..", no IP-address form, none of the prefixes and suffixes AWS reserves.
export const BUCKET_PATTERN =
  /^(?!xn--|sthree-|amzn-s3-demo-)(?!.*\.\.)(?!\d+\.\d+\.\d+\.\d+$)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
export const PAIR_NAME_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

const BUCKET =
  'an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens, starting and ending with a letter or digit';
const PAIR_NAME = 'a name of 1 to 64 letters, digits, "-", "_" or "."';
const DB_ID =
  'an RDS identifier: 1 to 63 letters, digits or hyphens, starting with a letter, without "--" or a trailing hyphen';
const KINDS = 'instance or cluster';

/** A mapping that names the key it does not know and lists the ones it does. */
function strict<T extends z.ZodRawShape>(shape: T, what = 'a mapping') {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? `allowed: ${allowed}` : `${what} with keys ${allowed}`),
  });
}

const int = (min: number, max: number, expected: string) =>
  z.int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });

const text = (expected: string) => z.string({ error: expected }).trim().min(1, { error: expected });

const region = z.string({ error: REGION }).regex(REGION_PATTERN, { error: REGION });

/** A duration string (`30m`, `6h`, `1h30m`) that passes `ok`, turned into milliseconds. */
function duration(ok: (ms: number) => boolean, expected: string) {
  return z
    .string({ error: expected })
    .refine((s) => {
      const ms = parseDuration(s);
      return ms !== null && ok(ms);
    }, { error: expected })
    .transform((s) => parseDuration(s) as number);
}

const positiveDuration = duration((ms) => ms > 0, 'a duration greater than 0 like 30m, 6h, 1d or 1h30m');
// A period must tile the UTC day so every period starts at the same clock times each day.
const snapshotEvery = duration(
  (ms) => ms >= HOUR && ms <= DAY && DAY % ms === 0,
  'a duration from 1h to 24h that divides 24h evenly (1h, 2h, 3h, 4h, 6h, 8h, 12h or 24h)',
);

// Per attempt and per call (see README "Timeouts and signals"); a reconcile Lambda has 15 minutes.
const awsTimeout = (min: number, max: string, maxMs: number) =>
  duration((ms) => ms >= min * 1000 && ms <= maxMs, `a duration from ${min}s to ${max} like 5s, 20s or 1m`);

const kind = z.enum(['instance', 'cluster'], { error: KINDS });

export const instanceSchema = strict(
  {
    id: z
      .string({ error: DB_ID })
      .regex(DB_ID_PATTERN, { error: DB_ID })
      .transform((s) => s.toLowerCase()), // AWS stores identifiers lowercase
    kind: kind.optional(),
    region,
    drRegion: region,
    tier: int(0, 3, 'an integer tier 0..3').transform((n) => n as Tier),
    product: text('a non-empty label').optional(),
    account: accountNameSchema.optional(),
  },
  'a database',
);

export const discoverSchema = strict(
  {
    region,
    drRegion: region,
    tierTag: z
      .string({ error: 'a tag key of 1 to 128 characters' })
      .min(1, { error: 'a tag key of 1 to 128 characters' })
      .max(128, { error: 'a tag key of 1 to 128 characters' })
      .optional(),
    kinds: z
      .array(kind, { error: 'a non-empty list of instance, cluster' })
      .min(1, { error: 'a non-empty list of instance, cluster' })
      .optional(),
    account: accountNameSchema.optional(),
  },
  'a discovery rule',
);

const bucketRef = strict(
  { bucket: z.string({ error: BUCKET }).regex(BUCKET_PATTERN, { error: BUCKET }), region },
  'a bucket',
);

export const attachmentSchema = strict(
  {
    name: z.string({ error: PAIR_NAME }).regex(PAIR_NAME_PATTERN, { error: PAIR_NAME }),
    tier: int(0, 3, 'an integer tier 0..3').transform((n) => n as Tier),
    source: bucketRef,
    replica: bucketRef,
    prefix: z.string({ error: 'a key prefix (text, "" for the whole bucket)' }).max(1024, { error: 'a key prefix of at most 1024 characters' }).optional(),
  },
  'an attachment bucket pair',
);

const tierOverride = strict(
  { rpo: positiveDuration.optional(), rto: positiveDuration.optional(), snapshotEvery: snapshotEvery.optional(), accountLossRpo: positiveDuration.optional() },
  'tier targets',
);

// Restore drills (domain/drill.ts).
const SECURITY_GROUP = 'a VPC security group id like sg-0abc1234';
const INSTANCE_CLASS = 'a DB instance class like db.t3.medium';
const LAMBDA_ARN = 'a Lambda function ARN like arn:aws:lambda:us-east-1:123456789012:function:smoke';
export const drillsSchema = strict(
  {
    every: strict(
      { 0: positiveDuration.optional(), 1: positiveDuration.optional(), 2: positiveDuration.optional(), 3: positiveDuration.optional() },
      'a mapping of tier (0..3) to a duration like 90d',
    ).optional(),
    source: z.enum(['dr', 'primary'], { error: 'dr or primary' }).optional(),
    maxConcurrent: int(1, 20, 'an integer from 1 to 20').optional(),
    maxAge: duration((ms) => ms >= HOUR, 'a duration of at least 1h like 24h').optional(),
    hookTimeout: duration((ms) => ms > 0 && ms <= 15 * 60 * 1000, 'a duration greater than 0 and at most 15m (the Lambda limit) like 10m').optional(),
    regions: z
      .record(
        region,
        strict(
          {
            subnetGroup: text('a DB subnet group name').optional(),
            securityGroups: z.array(z.string({ error: SECURITY_GROUP }).regex(/^sg-[0-9a-f]{8,17}$/, { error: SECURITY_GROUP }), { error: `a list of ${SECURITY_GROUP}` }).optional(),
            instanceClass: z.string({ error: INSTANCE_CLASS }).regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, { error: INSTANCE_CLASS }).optional(),
          },
          'restore settings',
        ),
        { error: (issue) => (issue.code === 'invalid_key' ? `a key that is ${REGION}` : 'a mapping of region to restore settings') },
      )
      .optional(),
    validate: strict(
      {
        command: text('a command line to run').optional(),
        lambdaArn: z.string({ error: LAMBDA_ARN }).regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]+)?$/, { error: LAMBDA_ARN }).optional(),
      },
      'a validation hook',
    ).optional(),
  },
  'drill settings',
);

export const configFileSchema = strict(
  {
    retentionDays: int(1, 3650, 'a whole number of days from 1 to 3650').optional(),
    kms: z
      .record(region, text('a KMS key id, ARN or alias'), {
        error: (issue) =>
          issue.code === 'invalid_key' ? `a key that is ${REGION}` : 'a mapping of DR region to KMS key id, ARN or alias',
      })
      .optional(),
    instances: z.array(instanceSchema, { error: 'a list of databases' }).optional(),
    discover: z.array(discoverSchema, { error: 'a list of discovery rules' }).optional(),
    state: strict({ sqlite: text('a file path for the SQLite state database').optional() }).optional(),
    tiers: strict({
      0: tierOverride.optional(),
      1: tierOverride.optional(),
      2: tierOverride.optional(),
      3: tierOverride.optional(),
    }).optional(),
    concurrency: strict({
      instances: int(1, 64, 'an integer from 1 to 64').optional(),
      instanceCopiesPerRegion: int(1, 20, 'an integer from 1 to 20 (the AWS limit of instance snapshot copies in flight)').optional(),
      clusterCopiesPerRegion: int(1, 5, 'an integer from 1 to 5 (the AWS limit of cluster snapshot copies in flight)').optional(),
    }).optional(),
    audit: strict({
      every: positiveDuration.optional(),
      membersPerPass: int(1, 100000, 'an integer from 1 to 100000').optional(),
    }).optional(),
    attachments: z.array(attachmentSchema, { error: 'a list of attachment bucket pairs' }).optional(),
    alerts: strict(
      {
        eventBus: text('an EventBridge event bus name or ARN'),
        region: region,
        graceTime: positiveDuration.optional(),
        copyGraceTime: positiveDuration.optional(),
        renotifyAfter: positiveDuration.optional(),
        quotaWarnPercent: int(1, 100, 'a whole percentage from 1 to 100').optional(),
      },
      'alert settings',
    ).optional(),
    adhoc: strict(
      { maxPerInstancePerDay: int(1, 1000, 'a whole number of ad hoc snapshots per instance per day, 1..1000').optional() },
      'ad hoc backup settings',
    ).optional(),
    drills: drillsSchema.optional(),
    retry: strict(
      { maxBackoff: duration((ms) => ms >= 15 * 60 * 1000 && ms <= 7 * 24 * 3600 * 1000, 'a duration from 15m to 7d like 6h').optional() },
      'retry settings',
    ).optional(),
    timeouts: strict(
      {
        copy: duration((ms) => ms >= 3600 * 1000 && ms <= 7 * 24 * 3600 * 1000, 'a duration from 1h to 7d like 24h').optional(),
        create: duration((ms) => ms >= 3600 * 1000 && ms <= 7 * 24 * 3600 * 1000, 'a duration from 1h to 7d like 12h').optional(),
      },
      'timeouts of work in flight in AWS',
    ).optional(),
    accounts: accountsSchema.optional(),
    vault: vaultSchema.optional(),
    aws: strict(
      {
        connectTimeout: awsTimeout(1, '60s', 60_000).optional(),
        requestTimeout: awsTimeout(1, '10m', 600_000).optional(),
        callBudget: awsTimeout(1, '10m', 600_000).optional(),
      },
      'AWS call limits',
    ).optional(),
  },
  'a mapping of settings',
);

export type ConfigFile = z.output<typeof configFileSchema>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRegion = (v: unknown): v is string => typeof v === 'string' && REGION_PATTERN.test(v);

/**
 * Rules that span fields (KMS key per DR region, unique ids, a non-empty fleet). They read the raw
 * document, not zod's output, so they still run when zod found problems elsewhere and every
 * problem is reported in one go. Values zod already rejects are skipped to avoid double reports.
 */
export function crossFieldProblems(input: unknown): ConfigProblem[] {
  if (!isRecord(input)) return [];
  const problems: ConfigProblem[] = [];
  const add = (path: (string | number)[], value: unknown, expected: string) =>
    problems.push({ path: formatPath(path), value, expected });

  // A kms value of the wrong type is reported by zod; treating it as "no keys" would add noise.
  const kms = input.kms === undefined ? {} : isRecord(input.kms) ? input.kms : null;
  const lists = ['instances', 'discover'] as const;
  for (const list of lists) {
    const entries = input[list];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, i) => {
      if (!isRecord(entry) || !isRegion(entry.drRegion)) return;
      const dr = entry.drRegion;
      if (dr === entry.region) add([list, i, 'drRegion'], dr, `a DR region different from region (${dr})`);
      else if (kms && !Object.hasOwn(kms, dr)) {
        add([list, i, 'drRegion'], dr, `a KMS key for DR region ${dr} under kms.${dr}`);
      }
    });
  }

  const firstById = new Map<string, string>();
  if (Array.isArray(input.instances)) {
    input.instances.forEach((entry: unknown, i) => {
      if (!isRecord(entry) || typeof entry.id !== 'string' || !DB_ID_PATTERN.test(entry.id)) return;
      // Ids are unique per account and region (the same id in two accounts is two databases).
      const key = `${typeof entry.account === 'string' ? entry.account : ''}|${typeof entry.region === 'string' ? entry.region : ''}|${entry.id.toLowerCase()}`;
      const first = firstById.get(key);
      if (first) add(['instances', i, 'id'], entry.id, `an id not used already in its account and region (${first} has the same id)`);
      else firstById.set(key, formatPath(['instances', i, 'id']));
    });
  }

  if (Array.isArray(input.attachments)) {
    const firstByName = new Map<string, string>();
    input.attachments.forEach((entry: unknown, i) => {
      if (!isRecord(entry)) return;
      if (typeof entry.name === 'string' && PAIR_NAME_PATTERN.test(entry.name)) {
        const first = firstByName.get(entry.name);
        if (first) add(['attachments', i, 'name'], entry.name, `a name not used already (${first} has the same name)`);
        else firstByName.set(entry.name, formatPath(['attachments', i, 'name']));
      }
      const bucketOf = (v: unknown) => (isRecord(v) && typeof v.bucket === 'string' ? v.bucket : null);
      const source = bucketOf(entry.source);
      if (source !== null && source === bucketOf(entry.replica)) {
        add(['attachments', i, 'replica', 'bucket'], source, `a replica bucket other than the source bucket (${source})`);
      }
    });
  }

  if (isRecord(input.aws)) {
    const ms = (v: unknown) => (typeof v === 'string' ? parseDuration(v) : null);
    const budget = ms(input.aws.callBudget);
    const attempt = ms(input.aws.requestTimeout);
    if (budget !== null && attempt !== null && budget < attempt) {
      add(['aws', 'callBudget'], input.aws.callBudget, `a budget at least as long as aws.requestTimeout (${String(input.aws.requestTimeout)}): it covers every attempt of a call`);
    }
  }

  problems.push(...accountProblems(input));

  const isEmpty = (v: unknown) => v === undefined || (Array.isArray(v) && v.length === 0);
  if (isEmpty(input.instances) && isEmpty(input.discover) && isEmpty(input.attachments)) {
    add(['instances'], input.instances, 'at least one database under instances, a rule under discover, or a bucket pair under attachments (nothing to back up or verify)');
  }
  return problems;
}
