/** The part of the Lambda context the handlers use (tests pass a plain object). */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** True once less than `marginMs` of the invocation is left: stop taking new work. */
export const nearDeadline = (context: InvocationContext, marginMs: number) => (): boolean => context.getRemainingTimeInMillis() <= marginMs;

/**
 * A signal that aborts once only `leftMs` of the invocation is left: the AWS calls still in flight
 * are aborted (AwsClients.useSignal), so the handler can record what it did before Lambda kills
 * it. `dispose` after the invocation: the container, and its clients, serve the next one.
 */
export function deadlineSignal(context: InvocationContext, leftMs: number): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, context.getRemainingTimeInMillis() - leftMs));
  return { signal: controller.signal, dispose: () => clearTimeout(timer) };
}
