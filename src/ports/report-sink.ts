/** Where the scheduled report is written (the stack's report bucket). */
export interface ReportSink {
  /** Stores `body` under `key`, replacing what was there (the bucket keeps versions). */
  put(key: string, body: string, contentType: string): Promise<void>;
  /** A human-readable location for `key`, e.g. `s3://bucket/key`. */
  locate(key: string): string;
}
