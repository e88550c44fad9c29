import { loadConfig } from '../../config/load';
import { createPinoLogger, LogLevel } from '../adapters/log/pino-logger';
import { App, buildApp } from '../composition';
import { activeInterrupts } from './interrupt';
import { Output } from './output';

export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly logLevel?: LogLevel;
}

/** Loads the configuration (config errors surface before any AWS call), builds the app, runs `fn`, closes. */
export async function withApp<T>(options: GlobalOptions, fn: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfig(options.config ? { configPath: options.config } : {});
  const app = buildApp({
    config,
    logger: createPinoLogger(options.logLevel ?? 'warn'),
    // Every AWS call bounded by the config's limits, and aborted on Ctrl-C / SIGTERM.
    aws: { ...(config.aws ? { limits: config.aws } : {}), ...(activeInterrupts() ? { signal: activeInterrupts()?.signal } : {}) },
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export interface CommandIo {
  readonly out: Output;
}
