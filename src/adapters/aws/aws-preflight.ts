import { DescribeEventBusCommand } from '@aws-sdk/client-eventbridge';
import { DescribeKeyCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { CallerIdentity, KeyDescription, PreflightProbe } from '../../ports/preflight';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

/** The doctor's read-only AWS questions: one call each, no caching (the doctor asks once). */
export class AwsPreflightProbe implements PreflightProbe {
  constructor(private readonly clients: AwsClients) {}

  async callerIdentity(region: string): Promise<CallerIdentity> {
    try {
      const res = await this.clients.sts(region).send(new GetCallerIdentityCommand({}));
      return { account: res.Account ?? 'unknown', arn: res.Arn ?? 'unknown' };
    } catch (err) {
      throw classifyAwsError(err, `GetCallerIdentity in ${region}`);
    }
  }

  async describeKey(region: string, keyRef: string): Promise<KeyDescription> {
    try {
      const m = (await this.clients.kms(region).send(new DescribeKeyCommand({ KeyId: keyRef }))).KeyMetadata;
      return { arn: m?.Arn ?? keyRef, state: m?.KeyState ?? (m?.Enabled === false ? 'Disabled' : 'Enabled'), usage: m?.KeyUsage ?? null, spec: m?.KeySpec ?? null };
    } catch (err) {
      throw classifyAwsError(err, `DescribeKey ${keyRef} in ${region}`);
    }
  }

  async describeEventBus(region: string, name: string): Promise<{ arn: string }> {
    try {
      const res = await this.clients.eventBridge(region).send(new DescribeEventBusCommand({ Name: name }));
      return { arn: res.Arn ?? name };
    } catch (err) {
      throw classifyAwsError(err, `DescribeEventBus ${name} in ${region}`);
    }
  }
}
