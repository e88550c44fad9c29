import { elideEnd, elideMiddle, visibleLength } from './format';

/**
 * The CLI's only way to print. `--json` commands print exactly one JSON document on stdout;
 * everything meant for people goes through here too, so library code never prints.
 */
export interface Output {
  json(document: unknown): void;
  line(text?: string): void;
  table(columns: readonly Column[], rows: readonly Record<string, string>[], options?: TableOptions): void;
  /** Human messages for stderr (errors, hints). */
  error(text: string): void;
  /** Where the progress line and pretty logs may be drawn; absent: nowhere (tests, pipes). */
  readonly terminal?: Terminal;
}

/** What a command may know about the terminal it prints to. */
export interface Terminal {
  /** stderr is an interactive terminal: progress lines and human-readable logs go there. */
  readonly stderrIsTTY: boolean;
  /** Colours allowed on stderr (a TTY, and NO_COLOR unset). */
  readonly stderrColor: boolean;
  /** The stream the progress line is drawn on. */
  readonly stderr: NodeJS.WritableStream;
}

export type Tone = 'red' | 'yellow' | 'green' | 'dim';

export interface Column {
  readonly key: string;
  readonly header: string;
  /**
   * How a cell too wide for the terminal is cut: `middle` (ids: both ends matter), `end` (free
   * text) or `none` (short fixed values: never cut). Default `end`.
   */
  readonly elide?: 'middle' | 'end' | 'none';
  /** Narrowest the column is cut to (default: its header's width, at least 6). */
  readonly min?: number;
  readonly align?: 'left' | 'right';
  /**
   * Which columns give way first when the table is too wide: higher goes first. Default 1; the
   * row's identity (an instance id) should be 0, so it is cut last.
   */
  readonly shrink?: number;
  /** Colour of a cell (when colours are on): e.g. a band. */
  readonly tone?: (cell: string) => Tone | null;
}

export interface TableOptions {
  /** Never cut anything (`--wide`). */
  readonly wide?: boolean;
}

const ANSI: Record<Tone, string> = { red: '\u001b[31m', yellow: '\u001b[33m', green: '\u001b[32m', dim: '\u001b[2m' };
const RESET = '\u001b[0m';

/** NO_COLOR (https://no-color.org): any non-empty value turns colours off. */
export function colorAllowed(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean((stream as { isTTY?: boolean }).isTTY) && !env.NO_COLOR;
}

/**
 * Output on real streams. A reader that goes away (`snapward status | head -1`) makes stdout
 * fail with EPIPE: from then on writes are dropped quietly, the command finishes (a pass already
 * recorded stays recorded) and exits with its own code. Without the listener Node would crash on
 * the unhandled 'error' event with a stack trace and exit 1.
 */
export function streamOutput(stdout: NodeJS.WritableStream = process.stdout, stderr: NodeJS.WritableStream = process.stderr, env: NodeJS.ProcessEnv = process.env): Output {
  const closed = { stdout: false, stderr: false };
  guard(stdout, () => (closed.stdout = true));
  guard(stderr, () => (closed.stderr = true));
  const write = (which: 'stdout' | 'stderr', text: string): void => {
    if (closed[which]) return;
    const stream = which === 'stdout' ? stdout : stderr;
    try {
      stream.write(text);
    } catch {
      closed[which] = true; // a synchronous EPIPE on some platforms
    }
  };
  const stdoutColor = colorAllowed(stdout, env);
  const width = terminalWidth(stdout, env);
  return {
    json: (document) => write('stdout', `${JSON.stringify(document, null, 2)}\n`),
    line: (text = '') => write('stdout', `${text}\n`),
    table: (columns, rows, options = {}) => write('stdout', renderTable(columns, rows, { width: options.wide ? null : width, color: stdoutColor })),
    error: (text) => write('stderr', `${text}\n`),
    terminal: { stderrIsTTY: Boolean((stderr as { isTTY?: boolean }).isTTY), stderrColor: colorAllowed(stderr, env), stderr },
  };
}

const onClose = new WeakMap<object, (() => void)[]>();
/**
 * One listener per stream. A write error on stdout or stderr (EPIPE: the reader left) means
 * nobody reads any more: stop writing rather than crash. It is not a failure of the command.
 */
function guard(stream: NodeJS.WritableStream, closed: () => void): void {
  const callbacks = onClose.get(stream);
  if (callbacks) {
    callbacks.push(closed);
    return;
  }
  const list = [closed];
  onClose.set(stream, list);
  stream.on('error', () => {
    for (const callback of list) callback();
  });
}

/** Width to fit tables to: the terminal's, or $COLUMNS; null (no limit) when piped. */
export function terminalWidth(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): number | null {
  const tty = stream as { isTTY?: boolean; columns?: number };
  if (tty.isTTY && tty.columns && tty.columns > 0) return tty.columns;
  const fromEnv = Number(env.COLUMNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : null;
}

export interface RenderOptions {
  /** Fit the table into this many columns (cutting cells); null: no limit. */
  readonly width?: number | null;
  readonly color?: boolean;
}

const GAP = 2;

/**
 * A plain-text table. Fitted to `width` by narrowing the widest cuttable column one character at
 * a time (so no single column is starved while another keeps slack), then eliding each cell as
 * its column says. Rows keep the order given: sorting is the caller's.
 */
export function renderTable(columns: readonly Column[], rows: readonly Record<string, string>[], options: RenderOptions = {}): string {
  const natural = columns.map((c) => Math.max(visibleLength(c.header), ...rows.map((r) => visibleLength(r[c.key] ?? ''))));
  const widths = fitWidths(columns, natural, options.width ?? null);
  const cell = (c: Column, value: string, i: number, header: boolean): string => {
    const w = widths[i] as number;
    let text = value;
    if (visibleLength(text) > w) text = c.elide === 'middle' ? elideMiddle(text, w) : elideEnd(text, w);
    const pad = ' '.repeat(Math.max(0, w - visibleLength(text)));
    const padded = c.align === 'right' ? pad + text : text + pad;
    const tone = !header && options.color ? c.tone?.(value) : null;
    return tone ? `${ANSI[tone]}${padded}${RESET}` : padded;
  };
  const line = (values: string[], header: boolean): string =>
    columns
      .map((c, i) => cell(c, values[i] ?? '', i, header))
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(columns.map((c) => c.header), true), ...rows.map((r) => line(columns.map((c) => r[c.key] ?? ''), false))].join('\n') + '\n';
}

/**
 * Column widths that fit `limit` where possible: the columns most willing to shrink (`shrink`)
 * give way first, the widest of them one character at a time; `elide: 'none'` columns never do.
 */
export function fitWidths(columns: readonly Column[], natural: readonly number[], limit: number | null): number[] {
  const widths = [...natural];
  if (limit === null) return widths;
  const floor = columns.map((c, i) => (c.elide === 'none' ? (natural[i] as number) : Math.min(natural[i] as number, c.min ?? Math.max(6, visibleLength(c.header)))));
  const total = (): number => widths.reduce((a, b) => a + b, 0) + GAP * Math.max(0, columns.length - 1);
  const levels = [...new Set(columns.map((c) => c.shrink ?? 1))].sort((a, b) => b - a);
  for (const level of levels) {
    while (total() > limit) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if ((columns[i]?.shrink ?? 1) !== level || (widths[i] as number) <= (floor[i] as number)) continue;
        if (widest < 0 || (widths[i] as number) > (widths[widest] as number)) widest = i;
      }
      if (widest < 0) break; // this level is at its floor: the next one gives way
      widths[widest] = (widths[widest] as number) - 1;
    }
  }
  return widths; // may still not fit: the terminal wraps what is left
}
