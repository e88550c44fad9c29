/**
 * Ctrl-C and SIGTERM for one CLI invocation. The first signal aborts `signal`: the AWS calls in
 * flight are aborted (AwsClients passes it to every SDK call), a pass takes no new instance and
 * records its run as `interrupted`, and the command exits 130. A second signal, and the 8-second
 * safety net of bin/snapward.js, end the process at once.
 */
export class Interrupts {
  private readonly controller = new AbortController();
  private name: NodeJS.Signals | null = null;
  private readonly onSignal = (name: NodeJS.Signals): void => {
    if (this.name) return;
    this.name = name;
    this.controller.abort();
  };

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal received, if any. */
  get received(): NodeJS.Signals | null {
    return this.name;
  }

  /** For a command that a signal ends normally (`serve`): its exit code is left as it sets it. */
  normalStop = false;

  install(): this {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    return this;
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}

/** The invocation's interrupts, while main() runs a command (one command per process). */
let active: Interrupts | null = null;

export function activeInterrupts(): Interrupts | null {
  return active;
}

export function setActiveInterrupts(interrupts: Interrupts | null): void {
  active = interrupts;
}
