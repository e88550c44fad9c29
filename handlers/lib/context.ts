/** The part of the Lambda context the handlers use (tests pass a plain object). */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  readonly awsRequestId?: string;
}

/** True once less than `marginMs` of the invocation is left: stop taking new work. */
export const nearDeadline = (context: InvocationContext, marginMs: number) => (): boolean => context.getRemainingTimeInMillis() <= marginMs;
