import { dirname } from 'node:path';
import { parseConfig } from '../../config/load';
import { readConfigText } from '../../src/adapters/aws/config-source';
import { createPinoLogger } from '../../src/adapters/log/pino-logger';
import { DynamoDbStateStore } from '../../src/adapters/state/dynamodb-state-store';
import { App, buildApp, createClients } from '../../src/composition';
import { DEFAULT_ALERTS } from '../../src/domain/alerts';
import { LambdaEnv, readLambdaEnv } from './env';

/**
 * The application, built once per Lambda container and reused by every invocation it serves
 * (clients keep their connections; the config is read once). A failed build is not cached: the
 * next invocation tries again (e.g. after the config object was fixed).
 */
let pending: Promise<{ app: App; env: LambdaEnv }> | undefined;

/**
 * @param entryPoint the handler (`reconcile`, `check`, ...): assumed roles' sessions are named
 *   `snapward-<entryPoint>`, so CloudTrail in a member account says which function acted. One
 *   container serves one function, so the first caller's name is the container's.
 */
export function lambdaApp(entryPoint = 'lambda'): Promise<{ app: App; env: LambdaEnv }> {
  if (!pending) {
    pending = build(entryPoint);
    pending.catch(() => {
      pending = undefined;
    });
  }
  return pending;
}

/** For tests: forget the cached app (and close it). */
export async function resetLambdaApp(): Promise<void> {
  const current = pending;
  pending = undefined;
  if (current) await (await current.catch(() => null))?.app.close();
}

async function build(entryPoint: string): Promise<{ app: App; env: LambdaEnv }> {
  const env = readLambdaEnv(process.env);
  const clients = createClients();
  const text = await readConfigText(clients, env.SNAPWARD_CONFIG, env.AWS_REGION);
  const config = parseConfig(text, env.SNAPWARD_CONFIG, env.SNAPWARD_CONFIG.startsWith('s3://') ? '/tmp' : dirname(env.SNAPWARD_CONFIG));
  // The stack's alert bus (and its region) wins over the file's: the file may be shared with
  // operators' CLIs, and the function may only PutEvents on the stack's bus.
  const alerts = env.SNAPWARD_ALERT_BUS
    ? { ...(config.alerts ?? DEFAULT_ALERTS), eventBus: env.SNAPWARD_ALERT_BUS, region: env.SNAPWARD_ALERT_BUS_REGION ?? env.AWS_REGION }
    : config.alerts;
  // The config's AWS call limits apply to every client from here on (the config was read with the defaults).
  const appClients = config.aws ? createClients({ limits: config.aws }) : clients;
  if (appClients !== clients) clients.destroy();
  const app = buildApp({
    config: { ...config, ...(alerts ? { alerts } : {}) },
    logger: createPinoLogger(env.SNAPWARD_LOG_LEVEL, 1),
    clients: appClients,
    store: new DynamoDbStateStore(appClients.dynamo(env.AWS_REGION), env.SNAPWARD_STATE_TABLE),
    entryPoint,
  });
  return { app, env };
}
