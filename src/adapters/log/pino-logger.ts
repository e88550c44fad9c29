import pino from 'pino';
import { Logger } from '../../ports/logger';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * pino writing JSON lines to stderr (stdout is reserved for command output). Fixed keys:
 * `level`, `time`, `msg`, plus the bindings of each unit of work (`runId`, `instanceId`, ...).
 * Secrets are redacted should any end up in a logged object.
 */
export function createPinoLogger(level: LogLevel, destination: NodeJS.WritableStream | number = 2): Logger {
  return pino(
    {
      level,
      base: { service: 'snapward' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.password', '*.secretAccessKey', '*.sessionToken', '*.credentials', 'password', 'credentials'], censor: '[redacted]' },
    },
    typeof destination === 'number' ? pino.destination({ fd: destination, sync: true }) : destination,
  ) as unknown as Logger;
}
