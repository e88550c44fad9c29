import { ScheduledStep, StepOutcome } from '../../domain/work';
import { Logger } from '../../ports/logger';
import { AppDeps } from '../deps';

/** What every executor gets besides its step. */
export interface ExecContext {
  readonly deps: AppDeps;
  readonly logger: Logger;
}

/** Carries out one ready step. Never throws for an AWS problem: the outcome says what happened. */
export type Executor = (step: ScheduledStep, ctx: ExecContext) => Promise<StepOutcome>;
