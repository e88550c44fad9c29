import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { z } from 'zod';
import { DEFAULT_ALERTS } from '../src/domain/alerts';
import { accountsFromFile, vaultFromFile } from './accounts';
import { drillsFromFile } from './drills';
import { AttachmentPair, DEFAULT_ADHOC, DEFAULT_RETRY, DEFAULT_TIMEOUTS, DiscoverRule, SnapwardConfig, TierPolicy } from '../src/domain/config';
import { TAG } from '../src/domain/tags';
import { DEFAULT_TIER_POLICIES } from '../src/domain/tiers';
import { ConfiguredInstance, DbKind, Tier, TIERS } from '../src/domain/types';
import { ConfigError, ConfigProblem, formatPath, ROOT_PATH } from './errors';
import { ConfigFile, configFileSchema, crossFieldProblems } from './schema';

export const DEFAULT_CONFIG_FILE = 'snapward.yaml';
export const DEFAULT_STATE_FILE = '.snapward/state.db';
export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_CONCURRENCY = Object.freeze({ instances: 8, instanceCopiesPerRegion: 20, clusterCopiesPerRegion: 5 });
export const DEFAULT_AUDIT = Object.freeze({ everyMs: 24 * 60 * 60 * 1000, membersPerPass: null });
const ALL_KINDS: readonly DbKind[] = ['instance', 'cluster'];

/**
 * Reads and validates the config file: `configPath` (relative to `cwd`) or `snapward.yaml` in
 * `cwd`. Relative paths inside the file resolve against the file's folder, so the same file works
 * whatever directory snapward is started from. Only reads the file: no network, no AWS.
 */
export function loadConfig(options: { configPath?: string; cwd?: string } = {}): SnapwardConfig {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const file = path.resolve(cwd, options.configPath ?? DEFAULT_CONFIG_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const why =
      (err as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file; create it from config/examples/snapward.example.yaml, or pass --config FILE'
        : `${(err as Error).message}; pass --config FILE to use another file`;
    throw new ConfigError([{ path: ROOT_PATH, value: file, expected: `a readable config file (${why})` }], file);
  }
  return parseConfig(text, file, path.dirname(file));
}

/** Validates YAML text. Throws one ConfigError listing every problem found. */
export function parseConfig(text: string, filePath: string | null, baseDir: string): SnapwardConfig {
  const configPath = filePath === null ? null : path.resolve(filePath);
  const input = readYaml(text, configPath);
  const parsed = configFileSchema.safeParse(input);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.flatMap((issue) => issueProblems(issue, input))),
    ...crossFieldProblems(input),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems, configPath);
  return deepFreeze(build(parsed.data, configPath, path.resolve(baseDir)));
}

function readYaml(text: string, file: string | null): unknown {
  const fail = (problems: ConfigProblem[]): never => {
    throw new ConfigError(problems, file);
  };
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) fail(doc.errors.map((e) => yamlProblem(e, text, file)));
  let input: unknown;
  try {
    input = doc.toJS(); // can still throw, e.g. on an alias to an anchor that is not defined
  } catch (err) {
    fail([{ path: ROOT_PATH, value: undefined, expected: `valid YAML (${(err as Error).message})` }]);
  }
  if (input === null || input === undefined) {
    fail([{ path: ROOT_PATH, value: null, expected: 'a mapping of settings (the file is empty; it needs at least kms and instances or discover)' }]);
  }
  return input;
}

/** Names the file, line and column yaml reports, and shows the offending line as the value. */
function yamlProblem(err: YAML.YAMLError, text: string, file: string | null): ConfigProblem {
  const pos = err.linePos?.[0];
  const reason =
    err.code === 'MULTIPLE_DOCS' // yaml's own text advises a yaml API call, which means nothing to a user
      ? 'the file holds more than one document (a second "---")'
      : (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
  const source = file ?? 'the YAML text';
  const where = pos ? `line ${pos.line}, column ${pos.col} of ${source}` : source;
  const line = pos ? (text.split(/\r?\n/)[pos.line - 1] ?? '') : undefined;
  return { path: ROOT_PATH, value: line, expected: `valid YAML: ${reason} (${where})` };
}

/** One zod issue as problems; an unknown-keys issue becomes one problem per key, at that key. */
function issueProblems(issue: z.core.$ZodIssue, input: unknown): ConfigProblem[] {
  const at = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath([...at, key]),
      value: valueAt(input, [...at, key]),
      expected: `no key "${key}" here (${issue.message})`,
    }));
  }
  // A record key that fails its schema: the key itself is the bad value.
  const value = issue.code === 'invalid_key' ? at[at.length - 1] : valueAt(input, at);
  return [{ path: formatPath(at), value, expected: issue.message }];
}

function valueAt(input: unknown, at: readonly PropertyKey[]): unknown {
  let current: unknown = input;
  for (const key of at) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function build(file: ConfigFile, configPath: string | null, baseDir: string): SnapwardConfig {
  const instances: ConfiguredInstance[] = (file.instances ?? []).map((i) => ({
    id: i.id,
    kind: i.kind ?? 'instance',
    region: i.region,
    drRegion: i.drRegion,
    tier: i.tier,
    ...(i.product !== undefined ? { product: i.product } : {}),
    ...(i.account !== undefined ? { account: i.account } : {}),
    origin: 'config',
  }));
  const discover: DiscoverRule[] = (file.discover ?? []).map((r) => ({
    ...(r.account !== undefined ? { account: r.account } : {}),
    region: r.region,
    drRegion: r.drRegion,
    tierTag: r.tierTag ?? TAG.tier,
    kinds: r.kinds ? [...new Set(r.kinds)] : [...ALL_KINDS],
  }));
  const attachments: AttachmentPair[] = (file.attachments ?? []).map((a) => ({
    name: a.name,
    tier: a.tier,
    source: { bucket: a.source.bucket, region: a.source.region },
    replica: { bucket: a.replica.bucket, region: a.replica.region },
    prefix: a.prefix ?? '',
  }));
  const tiers = {} as Record<Tier, TierPolicy>;
  for (const tier of TIERS) {
    const base = DEFAULT_TIER_POLICIES[tier];
    const override = file.tiers?.[tier];
    tiers[tier] = {
      rpoMs: override?.rpo ?? base.rpoMs,
      rtoMs: override?.rto ?? base.rtoMs,
      snapshotEveryMs: override?.snapshotEvery ?? base.snapshotEveryMs,
      ...(override?.accountLossRpo !== undefined ? { accountLossRpoMs: override.accountLossRpo } : {}),
    };
  }
  return {
    configPath,
    retentionDays: file.retentionDays ?? DEFAULT_RETENTION_DAYS,
    kms: { ...file.kms },
    instances,
    discover,
    state: { sqlite: path.resolve(baseDir, file.state?.sqlite ?? DEFAULT_STATE_FILE) },
    tiers,
    concurrency: { ...DEFAULT_CONCURRENCY, ...definedOnly(file.concurrency ?? {}) },
    audit: { everyMs: file.audit?.every ?? DEFAULT_AUDIT.everyMs, membersPerPass: file.audit?.membersPerPass ?? DEFAULT_AUDIT.membersPerPass },
    attachments,
    adhoc: { maxPerInstancePerDay: file.adhoc?.maxPerInstancePerDay ?? DEFAULT_ADHOC.maxPerInstancePerDay },
    retry: { maxBackoffMs: file.retry?.maxBackoff ?? DEFAULT_RETRY.maxBackoffMs },
    timeouts: { copyMs: file.timeouts?.copy ?? DEFAULT_TIMEOUTS.copyMs, createMs: file.timeouts?.create ?? DEFAULT_TIMEOUTS.createMs },
    ...(file.aws
      ? { aws: definedOnly({ connectTimeoutMs: file.aws.connectTimeout, requestTimeoutMs: file.aws.requestTimeout, callBudgetMs: file.aws.callBudget }) }
      : {}),
    ...(file.alerts
      ? {
          alerts: {
            eventBus: file.alerts.eventBus,
            region: file.alerts.region,
            graceMs: file.alerts.graceTime ?? DEFAULT_ALERTS.graceMs,
            copyGraceMs: file.alerts.copyGraceTime ?? DEFAULT_ALERTS.copyGraceMs,
            renotifyMs: file.alerts.renotifyAfter ?? DEFAULT_ALERTS.renotifyMs,
            quotaWarnPercent: file.alerts.quotaWarnPercent ?? DEFAULT_ALERTS.quotaWarnPercent,
          },
        }
      : {}),
    drills: drillsFromFile(file.drills),
    // Only when set, so a fleet without them is the same value it always was.
    ...(file.accounts ? { accounts: accountsFromFile(file.accounts) } : {}),
    ...(file.vault ? { vault: vaultFromFile(file.vault, file.retentionDays ?? DEFAULT_RETENTION_DAYS) } : {}),
  };
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
