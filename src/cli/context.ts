import { loadConfig } from '../../config/load';
import { createPinoLogger, LogLevel } from '../adapters/log/pino-logger';
import { App, buildApp } from '../composition';
import { Logger } from '../ports/logger';
import { activeInterrupts } from './interrupt';
import { Output } from './output';
import { prettyLogStream } from './pretty-log';
import { ProgressLine } from './progress';

export interface GlobalOptions {
  readonly config?: string;
  readonly json?: boolean;
  readonly logLevel?: LogLevel;
}

export interface AppSettings {
  /**
   * `readonly` for commands that only read (status, runs, findings, show, dry runs): the state
   * file is never created nor written, so they work on a read-only file. @default 'readwrite'
   */
  readonly storeMode?: 'readwrite' | 'readonly' | 'none';
  /** Human-readable logs when stderr is a terminal (and not --json). */
  readonly out?: Output;
  /** Log lines are printed above this progress line. */
  readonly progress?: ProgressLine;
}

/** Loads the configuration (config errors surface before any AWS call), builds the app, runs `fn`, closes. */
export async function withApp<T>(options: GlobalOptions, fn: (app: App) => Promise<T>, settings: AppSettings = {}): Promise<T> {
  const config = loadConfig(options.config ? { configPath: options.config } : {});
  const app = buildApp({
    config,
    logger: cliLogger(options, settings),
    storeMode: settings.storeMode ?? 'readwrite',
    // Every AWS call bounded by the config's limits, and aborted on Ctrl-C / SIGTERM.
    aws: { ...(config.aws ? { limits: config.aws } : {}), ...(activeInterrupts() ? { signal: activeInterrupts()?.signal } : {}) },
  });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/** pino JSON lines on stderr; on a terminal (not under --json), lines for people instead. */
export function cliLogger(options: GlobalOptions, settings: AppSettings = {}): Logger {
  const level = options.logLevel ?? 'warn';
  const terminal = settings.out?.terminal;
  if (!terminal?.stderrIsTTY || options.json || level === 'silent') return createPinoLogger(level);
  const print = settings.progress ? (line: string) => settings.progress?.printAbove(line) : (line: string) => void terminal.stderr.write(`${line}\n`);
  return createPinoLogger(level, prettyLogStream(print, terminal.stderrColor));
}

/** A progress line for a long command: drawn only on an interactive stderr, never under --json. */
export function progressFor(options: GlobalOptions, out: Output): ProgressLine {
  const terminal = out.terminal;
  const enabled = Boolean(terminal?.stderrIsTTY) && !options.json;
  return new ProgressLine(terminal?.stderr ?? { write: () => true }, {
    enabled,
    color: Boolean(terminal?.stderrColor),
    ...(terminal && (terminal.stderr as { columns?: number }).columns ? { columns: (terminal.stderr as { columns?: number }).columns as number } : {}),
  });
}

export interface CommandIo {
  readonly out: Output;
}
