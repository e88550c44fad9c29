import { loadConfig } from '../../config/load';
import { createPinoLogger, LogLevel } from '../adapters/log/pino-logger';
import { App, buildApp } from '../composition';
import { Output } from './output';

export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly logLevel?: LogLevel;
}

/** Loads the configuration (config errors surface before any AWS call), builds the app, runs `fn`, closes. */
export async function withApp<T>(options: GlobalOptions, fn: (app: App) => Promise<T>): Promise<T> {
  const config = loadConfig(options.config ? { configPath: options.config } : {});
  const app = buildApp({ config, logger: createPinoLogger(options.logLevel ?? 'warn') });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export interface CommandIo {
  readonly out: Output;
}
