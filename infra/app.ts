#!/usr/bin/env node
/**
 * The snapward CDK app. There is no CDK CLI in this project: `npm run synth` runs this file with
 * node, which writes the CloudFormation template and the Lambda bundles to `cdk.out/` (deploy that
 * assembly with the CDK CLI, `cdk deploy --app cdk.out`, or any tool that reads one).
 *
 *   npm run synth                                   # example settings (offline, no arguments)
 *   npm run synth -- --props deploy/prod.json       # settings from a JSON file
 *   npm run synth -- -c snapward='{"regions":["us-east-1","us-west-2"]}'
 *
 * Settings: defaults <- props file (--props FILE, $SNAPWARD_STACK_PROPS or context
 * snapward:propsFile) <- context key `snapward`. See `StackSettings` below for every key.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { FleetConfigSource } from './constructs/fleet-config';
import { show, SnapwardPropsError } from './constructs/validation';
import { DEFAULT_ALERT_BUS_NAME, DEFAULT_REGIONS, SnapwardStack } from './snapward-stack';

/**
 * The settings the CDK app turns into the stack: what `npm run synth` deploys. Every key is
 * optional; a missing one takes its default below. The defaults make an offline synth work out of
 * the box against the example fleet; the KMS key ARNs and buckets are the example file's
 * placeholders (account 123456789012) and must be replaced for a real deployment.
 */
export interface StackSettings {
  /** @default 'Snapward' */
  readonly stackName: string;
  /** @default { file: 'config/examples/snapward.example.yaml' } */
  readonly fleetConfig: FleetConfigSource;
  /** @default ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'] */
  readonly regions: readonly string[];
  /** @default the example fleet's DR keys in us-west-2 and eu-west-1 (placeholders) */
  readonly kmsKeyArns: readonly string[];
  /** @default the example fleet's attachment buckets, jira-media-use1 and jira-media-usw2 */
  readonly attachmentBuckets: readonly string[];
  /** @default 'snapward-alerts' */
  readonly alertBusName: string;
  /** @default - alarms without actions */
  readonly alarmTopicArn?: string;
  /** @default 'sample' */
  readonly replicationCheckMode: 'sample' | 'full';
  /** @default CDK_DEFAULT_ACCOUNT, else an environment-agnostic stack */
  readonly account?: string;
  /** @default CDK_DEFAULT_REGION, else an environment-agnostic stack */
  readonly region?: string;
}

export const SETTINGS_DEFAULTS: StackSettings = {
  stackName: 'Snapward',
  fleetConfig: { file: 'config/examples/snapward.example.yaml' },
  regions: DEFAULT_REGIONS,
  kmsKeyArns: [
    'arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9',
    'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  ],
  attachmentBuckets: ['jira-media-use1', 'jira-media-usw2'],
  alertBusName: DEFAULT_ALERT_BUS_NAME,
  replicationCheckMode: 'sample',
};

const KEYS = Object.keys({
  stackName: 1,
  fleetConfig: 1,
  regions: 1,
  kmsKeyArns: 1,
  attachmentBuckets: 1,
  alertBusName: 1,
  alarmTopicArn: 1,
  replicationCheckMode: 1,
  account: 1,
  region: 1,
} satisfies Record<keyof StackSettings, 1>);

/** CDK context key holding settings (an object, or a JSON string from `-c snapward='{...}'`). */
export const CONTEXT_KEY = 'snapward';
/** CDK context key naming a JSON settings file. */
export const CONTEXT_FILE_KEY = 'snapward:propsFile';
/** Environment variable naming a JSON settings file. */
export const ENV_FILE_KEY = 'SNAPWARD_STACK_PROPS';

export interface SettingsSources {
  /** The app's CDK context (`app.node.tryGetContext`). */
  readonly context: (key: string) => unknown;
  /** A settings file named on the command line (`--props FILE`). */
  readonly propsFileArg?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly readFile: (path: string) => string;
}

export type SettingOrigin = 'default' | 'file' | 'context';

/**
 * Merges defaults <- settings file <- context key `snapward`, and says where each value came
 * from. The file is `--props FILE`, else `$SNAPWARD_STACK_PROPS`, else context `snapward:propsFile`.
 * Unknown keys are errors, so a typo never silently falls back to a default.
 */
export function loadStackSettings(sources: SettingsSources): { settings: StackSettings; origin: Record<string, SettingOrigin>; file?: string } {
  const problems: string[] = [];
  const fileArg = sources.propsFileArg ?? sources.env[ENV_FILE_KEY] ?? stringOrUndefined(sources.context(CONTEXT_FILE_KEY));
  let fromFile: Record<string, unknown> = {};
  let file: string | undefined;
  if (fileArg) {
    file = isAbsolute(fileArg) ? fileArg : resolve(sources.cwd, fileArg);
    try {
      fromFile = asObject(JSON.parse(sources.readFile(file)), `props file ${file}`, problems);
    } catch (err) {
      problems.push(`props file ${file}: ${(err as Error).message}; expected a JSON object such as {"regions": ["us-east-1", "us-west-2"]}`);
    }
  }
  let raw = sources.context(CONTEXT_KEY);
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch (err) {
      problems.push(`context ${CONTEXT_KEY}: ${(err as Error).message}; expected a JSON object, e.g. -c ${CONTEXT_KEY}='{"alertBusName":"ops-alerts"}'`);
      raw = undefined;
    }
  }
  const fromContext = raw === undefined ? {} : asObject(raw, `context ${CONTEXT_KEY}`, problems);
  for (const [where, values] of [[`props file ${file}`, fromFile], [`context ${CONTEXT_KEY}`, fromContext]] as const) {
    const unknown = Object.keys(values).filter((k) => !KEYS.includes(k));
    if (unknown.length > 0) problems.push(`${where}: unknown key(s) ${unknown.join(', ')}; expected some of ${KEYS.join(', ')}`);
  }
  if (problems.length > 0) throw new SnapwardPropsError(problems, 'snapward app');

  const origin: Record<string, SettingOrigin> = {};
  for (const key of KEYS) origin[key] = key in fromContext ? 'context' : key in fromFile ? 'file' : 'default';
  const settings = {
    ...SETTINGS_DEFAULTS,
    account: sources.env.CDK_DEFAULT_ACCOUNT,
    region: sources.env.CDK_DEFAULT_REGION,
    ...fromFile,
    ...fromContext,
  } as StackSettings;
  return { settings, origin, ...(file ? { file } : {}) };
}

function asObject(value: unknown, where: string, problems: string[]): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  problems.push(`${where}: got ${show(value)}, expected a JSON object of stack settings`);
  return {};
}

const stringOrUndefined = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);


interface Args {
  readonly propsFile?: string;
  readonly context: Record<string, unknown>;
}

/** `--props FILE` and CDK-CLI-style `-c key=value` / `--context key=value` (value JSON if it parses). */
export function parseArgs(argv: readonly string[]): Args {
  const context: Record<string, unknown> = {};
  let propsFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg}: expected a value after it`);
      return value;
    };
    if (arg === '--props') propsFile = next();
    else if (arg.startsWith('--props=')) propsFile = arg.slice('--props='.length);
    else if (arg === '-c' || arg === '--context') {
      const pair = next();
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`${arg} ${pair}: expected key=value`);
      const raw = pair.slice(eq + 1);
      let value: unknown = raw;
      try {
        value = JSON.parse(raw);
      } catch {
        // a plain string
      }
      context[pair.slice(0, eq)] = value;
    } else throw new Error(`unknown argument ${arg}; expected --props FILE or -c key=value`);
  }
  return { ...(propsFile ? { propsFile } : {}), context };
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): App {
  const args = parseArgs(argv);
  // The CDK CLI passes its own outdir; run directly, the assembly goes to ./cdk.out.
  const app = new App({ outdir: env.CDK_OUTDIR ?? join(process.cwd(), 'cdk.out'), context: args.context });
  const { settings, origin, file } = loadStackSettings({
    context: (key) => app.node.tryGetContext(key),
    ...(args.propsFile ? { propsFileArg: args.propsFile } : {}),
    env,
    cwd: process.cwd(),
    readFile: (path) => readFileSync(path, 'utf8'),
  });
  const { stackName, account, region, ...props } = settings;
  new SnapwardStack(app, stackName, {
    ...props,
    ...(account || region ? { env: { account, region } } : {}),
    description: 'snapward: scheduled RDS/Aurora snapshot orchestration, RPO checks and S3 replication verification',
  });
  // cdk-nag v3 is a policy-validation plugin: synth fails on any unacknowledged finding.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  const defaulted = Object.entries(origin)
    .filter(([k, o]) => o === 'default' && k !== 'account' && k !== 'region' && k !== 'alarmTopicArn')
    .map(([k]) => k);
  if (file) log(`snapward: settings from ${file}`);
  if (defaulted.length > 0) log(`snapward: example defaults used for ${defaulted.join(', ')} (see README "Running on AWS")`);
  return app;
}

if (require.main === module) {
  try {
    const app = main(process.argv.slice(2));
    const assembly = app.synth();
    for (const stack of assembly.stacks) {
      process.stderr.write(`snapward: wrote ${relative(process.cwd(), join(assembly.directory, stack.templateFile))}\n`);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
