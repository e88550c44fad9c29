import { GetObjectCommand } from '@aws-sdk/client-s3';
import { readFile } from 'node:fs/promises';
import { SnapwardError } from '../../domain/errors';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

/**
 * Reads the fleet YAML for a Lambda: a path inside the bundle, or `s3://bucket/key` (so the fleet
 * can change without a deploy). Returns the text; parsing and validation stay in config/.
 */
export async function readConfigText(clients: AwsClients, location: string, region: string): Promise<string> {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!s3) {
    try {
      return await readFile(location, 'utf8');
    } catch (err) {
      throw new SnapwardError('CONFIG_INVALID', `SNAPWARD_CONFIG: cannot read ${location}: ${(err as Error).message}`, { cause: err });
    }
  }
  const [, bucket, key] = s3 as unknown as [string, string, string];
  try {
    const res = await clients.s3(region).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await res.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    const e = classifyAwsError(err, `reading the fleet configuration ${location}`);
    throw new SnapwardError('CONFIG_INVALID', e.message, { cause: err });
  }
}
