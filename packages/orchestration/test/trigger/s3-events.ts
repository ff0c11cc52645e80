/** Builders of S3 event notification payloads as S3 delivers them to Lambda. */
export interface RecordOptions {
  readonly key: string;
  readonly eventName?: string;
  readonly bucket?: string;
  readonly size?: number;
  readonly versionId?: string;
  readonly sequencer?: string;
}

export function s3Record(options: RecordOptions): Record<string, unknown> {
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: 'eu-west-2',
    eventTime: '2026-11-24T08:00:00.000Z',
    eventName: options.eventName ?? 'ObjectCreated:Put',
    s3: {
      s3SchemaVersion: '1.0',
      bucket: { name: options.bucket ?? 'uploads', arn: `arn:aws:s3:::${options.bucket ?? 'uploads'}` },
      object: {
        key: options.key,
        size: options.size ?? 1024,
        eTag: 'd41d8cd98f00b204e9800998ecf8427e',
        versionId: options.versionId,
        sequencer: options.sequencer ?? '0066A1B2C3D4E5F600',
      },
    },
  };
}

export function s3Event(...records: RecordOptions[]): { Records: Array<Record<string, unknown>> } {
  return { Records: records.map(s3Record) };
}
