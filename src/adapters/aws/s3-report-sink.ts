import { PutObjectCommand } from '@aws-sdk/client-s3';
import { ReportSink } from '../../ports/report-sink';
import { AwsClients } from './clients';
import { classifyAwsError } from './errors';

/** The report bucket over S3 (the bucket's default encryption applies; nothing is public). */
export class S3ReportSink implements ReportSink {
  constructor(
    private readonly clients: AwsClients,
    private readonly bucket: string,
    private readonly region: string,
  ) {}

  async put(key: string, body: string, contentType: string): Promise<void> {
    try {
      await this.clients.s3(this.region).send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, CacheControl: 'no-store' }));
    } catch (err) {
      throw classifyAwsError(err, `PutObject s3://${this.bucket}/${key} in ${this.region}`);
    }
  }

  locate(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}
