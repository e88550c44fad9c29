import * as path from 'node:path';
import { LambdaDrillHook } from './adapters/aws/lambda-drill-hook';
import { AwsClients } from './adapters/aws/clients';
import { CommandDrillHook } from './adapters/hooks/command-drill-hook';
import { SnapwardConfig } from './domain/config';
import { drillsOf } from './domain/drill';
import { DrillHook } from './ports/drill-hook';

/**
 * Part of the composition root: which validation hook drills use. On Lambda (where no command
 * can run) the function ARN; elsewhere the command, run in the config file's folder so a
 * relative `./scripts/smoke.sh` means the same from any working directory; the ARN when only it
 * is configured.
 */
export function buildDrillHook(config: SnapwardConfig, clients: AwsClients, onLambda = Boolean(process.env.AWS_LAMBDA_FUNCTION_NAME)): DrillHook | null {
  const validate = drillsOf(config).validate;
  if (!validate) return null;
  if (validate.command && !onLambda) return new CommandDrillHook(validate.command, config.configPath ? path.dirname(config.configPath) : process.cwd());
  if (validate.lambdaArn) return new LambdaDrillHook(clients, validate.lambdaArn);
  // A command on Lambda: the user asked for validation that cannot run here. Passing drills
  // without it would claim what was not checked, so every drill fails and says why.
  return {
    describe: `command ${validate.command} (cannot run on Lambda)`,
    run: async () => ({ ok: false, exitCode: 127, output: `drills.validate.command cannot run on Lambda; set drills.validate.lambdaArn for the Lambda deployment` }),
  };
}
