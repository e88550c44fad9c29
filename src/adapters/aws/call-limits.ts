/**
 * Every AWS call bounded, every signal obeyed.
 *
 * The SDK alone does not bound a call: its HTTP handler's `requestTimeout` only logs a warning on
 * a socket that never answers (unless `throwOnRequestTimeout` is set), and nothing bounds the
 * retries as a whole. So each client built by AwsClients gets:
 *
 *  - per attempt: a connect timeout and a request timeout that fail the attempt
 *    (`httpHandlerLimits`, given to the SDK's NodeHttpHandler); a timed-out attempt is a
 *    transient error, which the retry strategy retries;
 *  - per call: a budget across all attempts and backoffs, and the process-wide abort signal
 *    (Ctrl-C, SIGTERM, a Lambda near its deadline). Both reach the SDK as the `abortSignal` of
 *    `client.send`, which aborts the request in flight and the retry loop's waits, and the call's
 *    promise is raced against them so that it settles at once whatever the SDK is doing;
 *  - per endpoint (scheme, host and port, shared by every client of one AwsClients): a breaker.
 *    A call that got no answer at all within its budget marks the endpoint unresponsive for
 *    `breakerOpenMs`; calls to it fail at once meanwhile, instead of each waiting a full budget
 *    (a pass makes its calls one after another: discovery, listings, then per instance). Any
 *    answer from the endpoint closes it again.
 */

export interface CallLimits {
  /** TCP connect, per attempt. */
  readonly connectTimeoutMs: number;
  /** From sending the request to the response's headers, and between packets of the body, per attempt. */
  readonly requestTimeoutMs: number;
  /** One call, all attempts and backoff waits included. */
  readonly callBudgetMs: number;
}

/**
 * Defaults: a healthy AWS endpoint answers a describe in well under a second and a paged listing
 * or a cross-region copy request in a few; 20 s per attempt is generous. A call gives up after
 * 60 s in all (three hung attempts), so against an endpoint that never answers a command ends
 * about a minute after its first call (the breaker makes the later calls fail at once), which
 * fits a 2-minute check Lambda, a 15-minute reconcile Lambda and an operator at a terminal.
 */
export const DEFAULT_CALL_LIMITS: CallLimits = Object.freeze({ connectTimeoutMs: 5_000, requestTimeoutMs: 20_000, callBudgetMs: 60_000 });

/** The options NodeHttpHandler takes (the SDK builds the handler from this plain object). */
export function httpHandlerLimits(limits: CallLimits) {
  return {
    connectionTimeout: limits.connectTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    // Without this the SDK only logs "a request has exceeded the configured requestTimeout".
    throwOnRequestTimeout: true,
    // Inactivity on the socket (a body that stops half-way, after the headers came).
    socketTimeout: limits.requestTimeoutMs,
  };
}

/** Endpoints that recently gave no answer within a whole call budget. */
export class EndpointBreaker {
  private readonly openUntil = new Map<string, { until: number; why: string }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Why calls to `endpoint` fail at once right now, or null when they may go out. */
  blocked(endpoint: string): string | null {
    const entry = this.openUntil.get(endpoint);
    if (!entry) return null;
    if (this.now() >= entry.until) {
      this.openUntil.delete(endpoint);
      return null;
    }
    return entry.why;
  }

  trip(endpoint: string, forMs: number, why: string): void {
    this.openUntil.set(endpoint, { until: this.now() + forMs, why });
  }

  reset(endpoint: string): void {
    this.openUntil.delete(endpoint);
  }
}

/** A source of the process-wide signal, read at each call (a Lambda container swaps it per invocation). */
export type SignalSource = () => AbortSignal | undefined;

interface CallState {
  endpoint: string | null;
}

/** Per-call state, found by the middleware through the abort signal the SDK puts in its context. */
const callStates = new WeakMap<AbortSignal, CallState>();

const SMITHY_CONTEXT_KEY = '__smithy_context';

interface SendableClient {
  send(...args: unknown[]): Promise<unknown>;
  readonly middlewareStack: object;
}

interface MiddlewareStackLike {
  addRelativeTo(middleware: unknown, options: Record<string, unknown>): void;
}

interface HttpRequestLike {
  readonly protocol?: string;
  readonly hostname?: string;
  readonly port?: number;
}

export interface BindOptions {
  readonly limits: CallLimits;
  readonly breaker: EndpointBreaker;
  /** Null for clients whose calls must outlive an interruption (the state store records it). */
  readonly signal: SignalSource | null;
  /** How long an endpoint that used up a whole budget without answering is skipped. */
  readonly breakerOpenMs: number;
  /** `RDS` in messages. */
  readonly service: string;
}

/**
 * Wraps `client.send` with the call budget and the process-wide signal, and adds the per-attempt
 * breaker middleware. Only the promise form of `send` is used in snapward.
 */
export function bindCallLimits<C extends SendableClient>(client: C, options: BindOptions): C {
  (client.middlewareStack as unknown as MiddlewareStackLike).addRelativeTo(breakerMiddleware(options), {
    name: 'snapwardEndpointBreaker',
    relation: 'after',
    toMiddleware: 'retryMiddleware',
  });
  const send = client.send.bind(client) as (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;
  const bounded = (command: unknown, sendOptions?: { abortSignal?: AbortSignal }): Promise<unknown> => boundedSend(send, command, sendOptions, options);
  (client as unknown as { send: typeof bounded }).send = bounded;
  return client;
}

async function boundedSend(
  send: (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>,
  command: unknown,
  sendOptions: { abortSignal?: AbortSignal } | undefined,
  options: BindOptions,
): Promise<unknown> {
  const { limits } = options;
  const operation = commandName(command);
  const outer = [options.signal?.(), sendOptions?.abortSignal].filter((s): s is AbortSignal => s !== undefined);
  const interrupted = outer.find((s) => s.aborted);
  if (interrupted) throw interruptedError(options.service, operation);

  const controller = new AbortController();
  const state: CallState = { endpoint: null };
  callStates.set(controller.signal, state);
  let cause: 'budget' | 'signal' | null = null;
  let rejectNow: (err: unknown) => void = () => undefined;
  const stopped = new Promise<never>((_, reject) => {
    rejectNow = reject;
  });
  const stop = (why: 'budget' | 'signal'): void => {
    if (cause) return;
    cause = why;
    controller.abort();
    rejectNow(why === 'signal' ? interruptedError(options.service, operation) : budgetError(options.service, operation, limits, state.endpoint));
  };
  const onSignal = (): void => stop('signal');
  for (const s of outer) s.addEventListener('abort', onSignal, { once: true });
  const timer = setTimeout(() => stop('budget'), limits.callBudgetMs);
  try {
    const result = await Promise.race([send(command, { ...sendOptions, abortSignal: controller.signal }), stopped]);
    if (state.endpoint) options.breaker.reset(state.endpoint);
    return result;
  } catch (err) {
    const error = cause === 'budget' || cause === 'signal' ? await stopped.catch((e: unknown) => e) : err;
    if (state.endpoint && answered(err) && cause === null) options.breaker.reset(state.endpoint);
    // No answer at all, within the budget or on every attempt: skip the endpoint for a while.
    if (state.endpoint && (cause === 'budget' || (cause === null && timedOut(err)))) {
      options.breaker.trip(state.endpoint, options.breakerOpenMs, `an earlier call got no answer from ${state.endpoint} within ${seconds(limits.callBudgetMs)}`);
    }
    throw error;
  } finally {
    clearTimeout(timer);
    for (const s of outer) s.removeEventListener('abort', onSignal);
  }
}

/** Once per attempt: records the endpoint, and refuses the attempt while its breaker is open. */
function breakerMiddleware(options: BindOptions) {
  return (next: (args: unknown) => Promise<unknown>, context: Record<string, unknown>) =>
    async (args: unknown): Promise<unknown> => {
      const request = (args as { request?: HttpRequestLike }).request;
      const signal = (context[SMITHY_CONTEXT_KEY] as { abortSignal?: AbortSignal } | undefined)?.abortSignal;
      const state = signal ? callStates.get(signal) : undefined;
      if (request?.hostname) {
        const endpoint = `${request.protocol ?? 'https:'}//${request.hostname}${request.port ? `:${request.port}` : ''}`;
        if (state) state.endpoint = endpoint;
        const why = options.breaker.blocked(endpoint);
        if (why) throw unresponsiveError(options.service, String(context.commandName ?? 'call').replace(/Command$/, ''), why);
      }
      return next(args);
    };
}

const timedOut = (err: unknown): boolean => (err as { name?: string } | null)?.name === 'TimeoutError' && !answered(err);

/** An error that carries an HTTP status came from the endpoint: it answers. */
function answered(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status > 0;
}

function commandName(command: unknown): string {
  const name = (command as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'call';
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

/** Named like the SDK's own timeouts, so classifyAwsError maps them to TIMEOUT. */
function budgetError(service: string, operation: string, limits: CallLimits, endpoint: string | null): Error {
  return Object.assign(
    new Error(
      `${service} ${operation} got no answer${endpoint ? ` from ${endpoint}` : ''} within its budget of ${seconds(limits.callBudgetMs)} (attempts time out after ${seconds(limits.requestTimeoutMs)}; see aws.callBudget and aws.requestTimeout in the configuration)`,
    ),
    { name: 'TimeoutError' },
  );
}

function unresponsiveError(service: string, operation: string, why: string): Error {
  // Not a TimeoutError by name: the SDK's retry strategy would retry that, and it must not.
  return Object.assign(new Error(`${service} ${operation} not sent: ${why}`), { name: 'EndpointUnresponsive' });
}

function interruptedError(service: string, operation: string): Error {
  return Object.assign(new Error(`${service} ${operation} aborted: snapward was asked to stop`), { name: 'AbortError' });
}
