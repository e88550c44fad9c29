import { Writable } from 'node:stream';

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '\u001b[2m' },
  20: { name: 'DEBUG', color: '\u001b[2m' },
  30: { name: 'INFO ', color: '\u001b[36m' },
  40: { name: 'WARN ', color: '\u001b[33m' },
  50: { name: 'ERROR', color: '\u001b[31m' },
  60: { name: 'FATAL', color: '\u001b[31m' },
};
const RESET = '\u001b[0m';
/** Keys every record carries or that the line already shows. */
const HIDDEN = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);

/**
 * One pino JSON record as a line for people: `15:30:02 WARN  marked an unfinished run as
 * interrupted  runId=r-2026... owner={"host":"a","pid":1}`. Used only when stderr is a terminal;
 * anywhere else the JSON lines stay as they are, for machines.
 */
export function prettyLine(json: string, color: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const level = LEVELS[Number(record.level)] ?? { name: String(record.level ?? '').toUpperCase().padEnd(5), color: '' };
  const time = typeof record.time === 'string' ? record.time.slice(11, 19) : '';
  const fields = Object.entries(record)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  const name = color ? `${level.color}${level.name}${RESET}` : level.name;
  return [time, name, String(record.msg ?? ''), fields].filter((s) => s !== '').join('  ');
}

/** A stream for pino that writes each record as a pretty line through `print`. */
export function prettyLogStream(print: (line: string) => void, color: boolean): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      pending += chunk.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.trim()) print(prettyLine(line, color));
      }
      done();
    },
  });
}
