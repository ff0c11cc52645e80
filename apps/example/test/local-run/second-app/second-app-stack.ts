import * as path from 'node:path';
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { JobImage } from '@batch-pipeline/batch';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { BatchPipeline } from '@batch-pipeline/pipeline';

/** The second app's folder: its job command (`node job/count-lines.mjs`) runs here locally. */
export const SECOND_APP_DIRECTORY = __dirname;

/** Where uploads start runs, and where the runs' outputs land. */
export const SECOND_WATCH_PREFIX = 'inbox/scans/';
export const SECOND_REPORTS_PREFIX = 'results/';

/**
 * A pipeline composed differently from the example, for the local runtime's tests: another
 * watch prefix with a suffix filter, another reports prefix, DataSync staging both ways, VPC
 * endpoints instead of public subnets, and another job (`job/count-lines.mjs`, which counts
 * lines and exits 3 when the input's first line is `FAIL`), run once without retries.
 */
export class SecondPipelineStack extends Stack {
  public readonly pipeline: BatchPipeline;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, props);
    this.pipeline = new BatchPipeline(this, 'Scans', {
      image: JobImage.fromAsset(path.join(__dirname, 'job')),
      watchPrefix: SECOND_WATCH_PREFIX,
      reportsPrefix: SECOND_REPORTS_PREFIX,
      networkProps: { egress: EgressMode.VPC_ENDPOINTS, cidr: '10.20.0.0/24' },
      processorProps: {
        localCommand: ['node', 'job/count-lines.mjs'],
        vcpu: 0.5,
        memoryMiB: 1024,
        retryAttempts: 1,
        timeout: Duration.minutes(10),
      },
      orchestrationProps: {
        staging: StagingStrategy.DATASYNC,
        suffixes: ['.txt'],
      },
    });
  }
}
