import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLED_CONFIG_NAME, configLocation, ResolvedFleetConfig } from './fleet-config';
import { SnapwardPropsError } from './validation';

/** The handlers the stack deploys: `handlers/<name>.ts`, each exporting `handler`. */
export type HandlerName = 'reconcile' | 'adhoc-backup' | 'check' | 'verify-replication' | 'report';

export interface SnapwardFunctionProps {
  /** Which handler: the entry is `<projectRoot>/handlers/<handler>.ts`. */
  readonly handler: HandlerName;
  readonly description: string;
  /** Folder holding `handlers/`, `package-lock.json` and the fleet YAML. */
  readonly projectRoot: string;
  readonly fleetConfig: ResolvedFleetConfig;
  /** The DynamoDB state table's name, passed as `SNAPWARD_STATE_TABLE`. */
  readonly stateTableName: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  /**
   * Lambda's own retries of an asynchronous invocation that failed (Scheduler and EventBridge
   * rules invoke asynchronously).
   * @default 2 (Lambda's default)
   */
  readonly asyncRetryAttempts?: number;
  /**
   * How long Lambda keeps an asynchronous event it could not run yet (throttled) before dropping it.
   * @default 6 hours (Lambda's default)
   */
  readonly maxEventAge?: Duration;
  /**
   * Where Lambda puts an asynchronous event that failed every attempt.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * More environment variables (the alert bus for the check function).
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * At most this many invocations at once (1: one at a time).
   * @default - no reservation (the account's unreserved pool)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * How long the function's log group keeps its logs.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * One snapward Lambda: Node.js 22 on arm64, an esbuild bundle of `handlers/<name>.ts` with the AWS
 * SDK inside, its own role and log group.
 *
 * Why the SDK is bundled rather than taken from the runtime: the bundle then runs the SDK version
 * pinned in package-lock.json, the one the unit and moto tests ran against. snapward leans on
 * SDK internals whose behaviour changed across releases (the RDS cross-region presigned-URL
 * middleware, the retry strategies, the HTTP handler's request timeout), and the runtime's copy changes under us whenever
 * Lambda patches the runtime. The cost is a bigger bundle (a few MB) and a slower cold start,
 * which scheduled jobs do not feel.
 *
 * `better-sqlite3` is left out: it is native, and the Lambdas use DynamoDB. The composition root
 * loads it lazily, so no Lambda code path requires it.
 */
export class SnapwardFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: SnapwardFunctionProps) {
    super(scope, id);
    const entry = join(props.projectRoot, 'handlers', `${props.handler}.ts`);
    if (!existsSync(entry)) {
      throw new SnapwardPropsError([`handler ${props.handler}: ${entry} does not exist; every function needs handlers/${props.handler}.ts exporting \`handler\``], `${id} function`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS });

    // Our own role instead of the default one: the default attaches the AWS managed
    // AWSLambdaBasicExecutionRole (logs on every log group of the account). This one may only
    // write to its own log group; every other permission is granted explicitly by the stack.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `snapward ${props.handler} Lambda`,
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );

    const config = props.fleetConfig;
    this.function = new NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      retryAttempts: props.asyncRetryAttempts,
      maxEventAge: props.maxEventAge,
      deadLetterQueue: props.deadLetterQueue,
      ...(props.reservedConcurrentExecutions !== undefined ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions } : {}),
      environment: {
        SNAPWARD_CONFIG: configLocation(config),
        SNAPWARD_STATE_TABLE: props.stateTableName,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        target: 'node22',
        format: OutputFormat.CJS,
        minify: true,
        sourceMap: true,
        // A linked map (index.js.map plus the sourceMappingURL comment), so NODE_OPTIONS=--enable-source-maps
        // turns stack traces into handlers/ and src/ lines.
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        bundleAwsSDK: true,
        externalModules: ['better-sqlite3'],
        forceDockerBundling: false,
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) =>
            config.kind === 'file' ? [`cp ${shellQuote(`${inputDir}/${config.pathInProject}`)} ${shellQuote(`${outputDir}/${BUNDLED_CONFIG_NAME}`)}`] : [],
        },
      },
    });

    if (config.kind === 's3') {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadFleetConfigObject',
          actions: ['s3:GetObject'],
          resources: [Stack.of(this).formatArn({ service: 's3', region: '', account: '', resource: config.bucket, resourceName: config.key })],
        }),
      );
    }
  }
}

/** Single-quotes a path for `sh`; bundling runs the hooks in a shell. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
