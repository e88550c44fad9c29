import { z } from 'zod';
import { SnapwardError } from '../../src/domain/errors';

/** The Lambda environment, validated once per container: a missing variable names itself. */
const lambdaEnv = z.object({
  SNAPWARD_CONFIG: z.string().min(1, 'expected a path in the bundle or s3://bucket/key of the fleet YAML'),
  SNAPWARD_STATE_TABLE: z.string().min(1, 'expected the DynamoDB table name'),
  SNAPWARD_ALERT_BUS: z.string().min(1).optional(),
  /** Region of the stack's alert bus (the stack sets it; default: the function's region). */
  SNAPWARD_ALERT_BUS_REGION: z.string().min(1).optional(),
  /** The report bucket (the report function only). */
  SNAPWARD_REPORT_BUCKET: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1, 'expected the region (Lambda sets it)'),
  SNAPWARD_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Stop taking new instances this long before the Lambda times out. */
  SNAPWARD_DEADLINE_MARGIN_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
});
export type LambdaEnv = z.infer<typeof lambdaEnv>;

export function readLambdaEnv(env: NodeJS.ProcessEnv): LambdaEnv {
  const parsed = lambdaEnv.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: got ${JSON.stringify(env[String(i.path[0])])}, ${i.message}`);
  throw new SnapwardError('CONFIG_INVALID', `invalid Lambda environment: ${problems.join('; ')}`);
}
