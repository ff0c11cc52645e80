import { BatchClient } from '@aws-sdk/client-batch';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DataSyncClient } from '@aws-sdk/client-datasync';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';

/** Where the SDK clients go: AWS (default credential chain, region, profile) or a local runtime's endpoint. */
export interface Connection {
  readonly region?: string;
  readonly profile?: string;
  /** A served local runtime (`batch-pipeline serve`), such as http://127.0.0.1:4566. */
  readonly endpointUrl?: string;
}

/** The region a local endpoint is addressed in when none is given: it accepts any. */
const LOCAL_REGION = 'us-east-1';

/** The SDK v3 clients of every service the commands call, all pointed at one target. */
export class AwsClients {
  public readonly cloudFormation: CloudFormationClient;
  public readonly stepFunctions: SFNClient;
  public readonly s3: S3Client;
  public readonly logs: CloudWatchLogsClient;
  public readonly batch: BatchClient;
  public readonly dataSync: DataSyncClient;
  public readonly lambda: LambdaClient;

  public constructor(public readonly connection: Connection) {
    const local = connection.endpointUrl !== undefined;
    const config = {
      region: connection.region ?? (local ? process.env.AWS_REGION ?? LOCAL_REGION : undefined),
      profile: connection.profile,
      endpoint: connection.endpointUrl,
      // A local runtime checks no signature: any credentials do, and none need to be configured.
      ...(local && !process.env.AWS_ACCESS_KEY_ID && connection.profile === undefined
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    };
    this.cloudFormation = new CloudFormationClient(config);
    this.stepFunctions = new SFNClient(config);
    // A local endpoint has no bucket subdomains.
    this.s3 = new S3Client({ ...config, forcePathStyle: local });
    this.logs = new CloudWatchLogsClient(config);
    this.batch = new BatchClient(config);
    this.dataSync = new DataSyncClient(config);
    this.lambda = new LambdaClient(config);
  }

  /** Where the commands talk to, for messages. */
  public describe(): string {
    return this.connection.endpointUrl
      ?? `AWS${this.connection.region ? ` ${this.connection.region}` : ''}${this.connection.profile ? ` (profile ${this.connection.profile})` : ''}`;
  }
}
