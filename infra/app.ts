#!/usr/bin/env node
/**
 * The snapward CDK app. There is no CDK CLI in this project: `npm run synth` runs this file with
 * node, which writes the CloudFormation template and the Lambda bundles to `cdk.out/` (deploy that
 * assembly with the CDK CLI, `cdk deploy --app cdk.out`, or any tool that reads one).
 *
 *   npm run synth -- --example                      # the example fleet and its placeholders (offline)
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
import { SnapwardStack } from './snapward-stack';
import { addSnapshotEventForwarders } from './snapshot-event-forwarder-stack';

/**
 * The settings the CDK app turns into the stack: what `npm run synth` deploys. Every key is
 * optional. The fleet config decides the regions, DR keys and buckets the stack grants; the
 * settings may add to them but never cover less (the synth fails with the list). Placeholders
 * (the example fleet, the AWS documentation account 123456789012) fail the synth unless
 * `--example` is passed.
 */
export interface StackSettings {
  /** @default 'Snapward' */
  readonly stackName: string;
  /** @default { file: 'config/examples/snapward.example.yaml' } (a placeholder: needs --example) */
  readonly fleetConfig: FleetConfigSource;
  /** A local copy of an s3Uri fleet config, to derive the permissions from. */
  readonly fleetConfigCopy?: string;
  /** @default the fleet's regions */
  readonly regions?: readonly string[];
  /** DR key ARNs besides those the fleet names (needed where the fleet's kms entry is an alias). @default [] */
  readonly kmsKeyArns: readonly string[];
  /** @default the fleet's attachment buckets */
  readonly attachmentBuckets?: readonly string[];
  /** @default '<stackName>-alerts' */
  readonly alertBusName?: string;
  /** @default - the stack's alert topic */
  readonly alarmTopicArn?: string;
  /** E-mail address subscribed to the alert topic. @default - none */
  readonly alertEmail?: string;
  /** Who may request ad hoc backups. @default ['arn:<partition>:iam::<account>:role/Admin'] */
  readonly operatorPrincipals?: readonly string[];
  /** @default 'sample' */
  readonly replicationCheckMode: 'sample' | 'full';
  /** @default CDK_DEFAULT_ACCOUNT, else an environment-agnostic stack */
  readonly account?: string;
  /** @default CDK_DEFAULT_REGION, else an environment-agnostic stack */
  readonly region?: string;
}

export const EXAMPLE_FLEET = 'config/examples/snapward.example.yaml';

export const SETTINGS_DEFAULTS: StackSettings = {
  stackName: 'Snapward',
  fleetConfig: { file: EXAMPLE_FLEET },
  kmsKeyArns: [],
  replicationCheckMode: 'sample',
};

/**
 * What `--example` adds: the ARN standing in for the example fleet's `alias/snapward-dr` (IAM
 * needs key ARNs), in the AWS documentation account. Only for trying the stack out.
 */
export const EXAMPLE_SETTINGS: Partial<StackSettings> = {
  kmsKeyArns: ['arn:aws:kms:us-west-2:123456789012:key/0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9'],
};

/** The AWS documentation's example account: an ARN in it is a placeholder, never a real resource. */
const PLACEHOLDER_ACCOUNT = '123456789012';

/**
 * Placeholders a real deployment must not carry: the example fleet itself, and any ARN in the
 * documentation account (in the settings or in the fleet's kms section).
 */
export function placeholderProblems(settings: StackSettings, readFile: (path: string) => string, cwd: string): string[] {
  const problems: string[] = [];
  const file = settings.fleetConfig.file;
  if (file !== undefined && /(^|\/)config\/examples\//.test(file)) {
    problems.push(`fleetConfig: ${file} is the example fleet (placeholder databases, keys and buckets); give your own fleet file or s3Uri`);
  }
  const arns = [...settings.kmsKeyArns, ...(settings.alarmTopicArn ? [settings.alarmTopicArn] : []), ...(settings.operatorPrincipals ?? [])];
  for (const arn of arns) if (arn.includes(`:${PLACEHOLDER_ACCOUNT}:`)) problems.push(`${arn} is in the AWS documentation account ${PLACEHOLDER_ACCOUNT}, a placeholder`);
  if (file !== undefined && problems.length === 0) {
    try {
      const text = readFile(isAbsolute(file) ? file : resolve(cwd, file));
      if (text.includes(`:${PLACEHOLDER_ACCOUNT}:`)) problems.push(`fleetConfig: ${file} names ARNs in the AWS documentation account ${PLACEHOLDER_ACCOUNT}, a placeholder`);
    } catch {
      // the stack reports a missing file with the fix
    }
  }
  return problems;
}

const KEYS = Object.keys({
  stackName: 1,
  fleetConfig: 1,
  fleetConfigCopy: 1,
  regions: 1,
  kmsKeyArns: 1,
  attachmentBuckets: 1,
  alertBusName: 1,
  alarmTopicArn: 1,
  alertEmail: 1,
  operatorPrincipals: 1,
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
  /** `--example`: synthesise the example fleet and its placeholders (for trying the stack out). */
  readonly example?: boolean;
  readonly context: Record<string, unknown>;
}

/** `--props FILE` and CDK-CLI-style `-c key=value` / `--context key=value` (value JSON if it parses). */
export function parseArgs(argv: readonly string[]): Args {
  const context: Record<string, unknown> = {};
  let propsFile: string | undefined;
  let example = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const next = () => {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg}: expected a value after it`);
      return value;
    };
    if (arg === '--example') example = true;
    else if (arg === '--props') propsFile = next();
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
    } else throw new Error(`unknown argument ${arg}; expected --props FILE, --example or -c key=value`);
  }
  return { ...(propsFile ? { propsFile } : {}), ...(example ? { example } : {}), context };
}

export function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): App {
  const args = parseArgs(argv);
  // The CDK CLI passes its own outdir; run directly, the assembly goes to ./cdk.out.
  const app = new App({ outdir: env.CDK_OUTDIR ?? join(process.cwd(), 'cdk.out'), context: args.context });
  const readFile = (path: string) => readFileSync(path, 'utf8');
  const loaded = loadStackSettings({
    context: (key) => app.node.tryGetContext(key),
    ...(args.propsFile ? { propsFileArg: args.propsFile } : {}),
    env,
    cwd: process.cwd(),
    readFile,
  });
  const { origin, file } = loaded;
  let settings = loaded.settings;
  if (args.example) {
    // The example's stand-in key ARN, unless the settings name their own keys.
    if (origin.kmsKeyArns === 'default') settings = { ...settings, ...EXAMPLE_SETTINGS };
  } else {
    const placeholders = placeholderProblems(settings, readFile, process.cwd());
    if (placeholders.length > 0) {
      throw new SnapwardPropsError(
        placeholders,
        'snapward app: placeholder',
        'A real deployment needs your fleet and your keys: set fleetConfig (and kmsKeyArns where the fleet names a key by alias) in --props FILE or -c snapward=...; to synthesise the example anyway, pass --example (npm run synth -- --example).',
      );
    }
  }
  const { stackName, account, region, ...props } = settings;
  const stack = new SnapwardStack(app, stackName, {
    ...props,
    ...(account || region ? { env: { account, region } } : {}),
    description: 'snapward: scheduled RDS/Aurora snapshot orchestration, RPO checks and S3 replication verification',
  });
  // RDS snapshot events of the fleet's other regions, forwarded to the stack's region (one small stack each).
  const forwarding: string[] = [];
  addSnapshotEventForwarders(app, stack, (line) => forwarding.push(line));
  // cdk-nag v3 is a policy-validation plugin: synth fails on any unacknowledged finding.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

  if (file) log(`snapward: settings from ${file}`);
  if (args.example) log('snapward: --example: the example fleet and placeholder key ARN; not for a real account (see README "Running on AWS")');
  for (const line of forwarding) log(line);
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
