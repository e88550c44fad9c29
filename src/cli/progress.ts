import { PassProgress } from '../app/reconcile';
import { humanDuration } from './format';


export interface ProgressOptions {
  /** Draw at all: stderr is a TTY and the output is not --json. */
  readonly enabled: boolean;
  readonly now?: () => number;
  /** Nothing is drawn for passes shorter than this. @default 2000 */
  readonly delayMs?: number;
  /** Terminal width: the line is cut to fit, so it never wraps (a wrapped line cannot be redrawn). */
  readonly columns?: number;
  readonly color?: boolean;
  /** Redraw every this many ms (the elapsed time moves on); 0: only on updates and ticks. @default 250 */
  readonly intervalMs?: number;
  /** At most one redraw per this many ms (a fast pass finishes members far quicker than a terminal needs). @default 100 */
  readonly minRedrawMs?: number;
}

const CLEAR = '\r\u001b[2K';

/** The text of one frame (pure): `members 120/600  created 80  copied 75  deferred 0  failed 2  1m05s`. */
export function progressFrame(p: PassProgress, elapsedMs: number): string {
  return `members ${p.done}/${p.due}  created ${p.created}  copied ${p.copied}  deferred ${p.deferred}  failed ${p.failed}  ${humanDuration(elapsedMs)}`;
}

/**
 * One status line on stderr, redrawn in place (`\r` + erase line), for passes longer than a
 * couple of seconds on an interactive terminal. Disabled, it writes nothing at all, so pipes,
 * files, CI logs and --json never see it. Log lines go through `printAbove` so they do not
 * collide with it.
 */
export class ProgressLine {
  private latest: PassProgress | null = null;
  private shown = false;
  private finished = false;
  private drawnAt = Number.NEGATIVE_INFINITY;
  private readonly started: number;
  private timer: NodeJS.Timeout | null = null;
  private readonly now: () => number;

  constructor(
    private readonly stream: { write(text: string): unknown },
    private readonly options: ProgressOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    const every = options.intervalMs ?? 250;
    if (options.enabled && every > 0) {
      this.timer = setInterval(() => this.tick(), every);
      this.timer.unref();
    }
  }

  update(p: PassProgress): void {
    this.latest = p;
    this.tick();
  }

  /** Redraws the latest state when the delay has passed. */
  tick(): void {
    if (!this.options.enabled || !this.latest || this.finished) return;
    const elapsed = this.now() - this.started;
    if (elapsed < (this.options.delayMs ?? 2000)) return;
    // Throttled only while a frame is on screen: after a log line the line comes back at once.
    if (this.shown && this.now() - this.drawnAt < (this.options.minRedrawMs ?? 100)) return;
    this.draw(progressFrame(this.latest, elapsed));
    this.drawnAt = this.now();
  }

  /** A line (a log record) printed above the progress line, which is then redrawn. */
  printAbove(text: string): void {
    if (this.shown) this.stream.write(CLEAR);
    this.stream.write(text.endsWith('\n') ? text : `${text}\n`);
    this.shown = false;
    this.tick();
  }

  /** Erases the line and stops redrawing: the command's own output follows. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.shown) this.stream.write(CLEAR);
    this.shown = false;
    this.latest = null;
    this.finished = true;
  }

  private draw(text: string): void {
    const width = this.options.columns ?? 0;
    const fitted = width > 1 && text.length > width - 1 ? text.slice(0, width - 1) : text;
    const painted = this.options.color ? `\u001b[2m${fitted}\u001b[0m` : fitted;
    this.stream.write(`${CLEAR}${painted}`);
    this.shown = true;
  }
}
