import { ScheduledStep, StepOutcome } from '../../domain/work';
import { Logger } from '../../ports/logger';
import { AccountScope } from '../../ports/accounts';
import { AppDeps } from '../deps';

/** What every executor gets besides its step. */
export interface ExecContext {
  readonly deps: AppDeps;
  readonly logger: Logger;
  /** The member's account: every AWS call of a step goes through it (its role, its RDS and KMS). */
  readonly scope: AccountScope;
}

/** Carries out one ready step. Never throws for an AWS problem: the outcome says what happened. */
export type Executor = (step: ScheduledStep, ctx: ExecContext) => Promise<StepOutcome>;
