import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ActualResult, EqualsAssertion, ExpectedResult, IApiCall, IntegTest } from '@aws-cdk/integ-tests-alpha';
import { JobImage } from '@batch-pipeline/batch';
import { EgressMode } from '@batch-pipeline/network';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { BatchPipeline } from '@batch-pipeline/pipeline';
import { App, Aspects, CfnOutput, CfnResource, Duration, IAspect, RemovalPolicies, Stack, StackProps } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import { RequireApproval } from 'aws-cdk-lib/cloud-assembly-schema';
import { DISABLE_CREATION_STACK_TRACES } from 'aws-cdk-lib/cx-api';
import { Construct, IConstruct } from 'constructs';

/** The prefix of the upload bucket whose uploads start runs (the umbrella's default). */
export const WATCH_PREFIX = 'incoming/';
/** The prefix of the reports bucket reports land under (the umbrella's default). */
export const REPORTS_PREFIX = 'reports/';
/** The public image the job runs in (Docker Hub's official alpine, mirrored by ECR Public). */
export const PUBLIC_JOB_IMAGE = 'public.ecr.aws/docker/library/alpine:3.21';
/** The build context of the same job as an image asset (`JobImage.fromAsset`): `integ/job`. */
export const JOB_DIRECTORY = path.join(__dirname, '..', 'job');
/** The exit code of the job when its input contains `FAIL`. */
export const FAILING_EXIT_CODE = 3;

/**
 * The job, as a shell script that reads only the run contract: exit 3 when the input
 * contains FAIL, else write the SHA-256 hex digest of the input to `sha256.txt` in the
 * run's output directory. `job/job.sh` is the same script for the image asset.
 */
export const JOB_SCRIPT = [
  'set -eu',
  `if grep -q FAIL "$PIPELINE_INPUT_PATH"; then echo "input asks the job to fail" >&2; exit ${FAILING_EXIT_CODE}; fi`,
  'sha256sum "$PIPELINE_INPUT_PATH" | cut -d\' \' -f1 > "$PIPELINE_OUTPUT_DIR/sha256.txt"',
].join('\n');

/** The report the job writes for `content`: its SHA-256 hex digest and a newline (`sha256sum` output). */
export function expectedReport(content: string): string {
  return `${createHash('sha256').update(content, 'utf8').digest('hex')}\n`;
}

/** The run id prefix the trigger derives from a file name (run contract: `sample.txt` -> `sample_txt`). */
export function runIdPattern(fileName: string): string {
  const stem = fileName.replace(/[^A-Za-z0-9-]+/g, '_').replace(/^[_-]+|[_-]+$/g, '');
  return `^${stem}-[0-9a-f]{24}$`;
}

export interface PipelineTestStackProps extends StackProps {
  /**
   * How runs stage their files.
   *
   * @default StagingStrategy.AUTO
   */
  readonly staging?: StagingStrategy;

  /**
   * Build the job image from `integ/job` (`JobImage.fromAsset`, needs Docker on a real
   * deployment) instead of running the script in the public alpine image.
   *
   * @default false
   */
  readonly imageAsset?: boolean;
}

/**
 * A stack with one `BatchPipeline` and the job above, set up to be deleted after the
 * test: everything is destroyed with the stack except the three buckets (the umbrella
 * has no `autoDeleteObjects`, and a bucket that holds objects cannot be deleted by
 * CloudFormation), which are retained; see the README for how to remove them.
 */
export class PipelineTestStack extends Stack {
  public readonly pipeline: BatchPipeline;

  constructor(scope: Construct, id: string, props: PipelineTestStackProps = {}) {
    super(scope, id, props);
    this.pipeline = new BatchPipeline(this, 'Pipeline', {
      image: props.imageAsset ? JobImage.fromAsset(JOB_DIRECTORY) : JobImage.fromRegistry(PUBLIC_JOB_IMAGE),
      // No NAT gateway: the cheapest mode for a stack that stands for a few minutes.
      networkProps: { egress: EgressMode.PUBLIC_SUBNETS, flowLogRetention: logs.RetentionDays.ONE_WEEK },
      storageProps: { accessLogs: { retention: Duration.days(1) } },
      processorProps: {
        command: props.imageAsset ? undefined : ['/bin/sh', '-c', JOB_SCRIPT],
        vcpu: 0.25,
        memoryMiB: 512,
        logRetention: logs.RetentionDays.ONE_WEEK,
      },
      orchestrationProps: { staging: props.staging, logRetention: logs.RetentionDays.ONE_WEEK },
    });
    // Log groups, the notification key (scheduled for deletion), the file system: gone with the
    // stack. The buckets are kept, with their policies (TLS only), for the reason above.
    RemovalPolicies.of(this).destroy({ excludeResourceTypes: ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy'] });
    RemovalPolicies.of(this).retain({ applyToResourceTypes: ['AWS::S3::BucketPolicy'] });
  }
}

/**
 * Makes two syntheses of a test byte-identical, so that snapshots change only with the code:
 *
 * - every assertion custom resource carries a `salt` of the synth time (`Date.now()`), so that
 *   CloudFormation runs it again on every update of a kept stack. The tests deploy a new stack
 *   each time (`stackUpdateWorkflow: false`, destroyed afterwards), so a fixed salt changes
 *   nothing there;
 * - the output of an `integ.assertions.expect(...)` is named after an MD5 of its unresolved
 *   token strings (`${Token[TOKEN.<n>]}`), whose numbers differ from one process to the next;
 *   the assertion's own id is unique in its test, so the output is named after that.
 */
class DeterministicAssertions implements IAspect {
  public visit(node: IConstruct): void {
    if (node instanceof CfnResource && node.cfnResourceType.startsWith('Custom::DeployAssert@')) {
      node.addPropertyOverride('salt', 'batch-pipeline-integ');
    }
    if (node instanceof CfnOutput && node.node.id === 'AssertionResults' && node.node.scope instanceof EqualsAssertion) {
      node.overrideLogicalId(`AssertionResults${node.node.scope.node.id}`);
    }
  }
}

/**
 * The app of a test. Without stack traces in the metadata: CDK records the creation stack of
 * every warning, acknowledgement and construct there, with absolute paths and line numbers of
 * this clone, which would change the snapshot with every edit anywhere and from one clone to another.
 */
export function newTestApp(): App {
  return new App({ stackTraces: false, context: { [DISABLE_CREATION_STACK_TRACES]: true } });
}

/** The test options every test shares: a new stack each run, destroyed afterwards. */
export function newIntegTest(scope: Construct, id: string, stack: PipelineTestStack): IntegTest {
  const integ = new IntegTest(scope, id, {
    testCases: [stack],
    // Each run deploys a new stack and destroys it: no update of a kept stack to test, so no
    // asset needs to stay in the snapshot, and nothing destructive can happen to kept data.
    stackUpdateWorkflow: false,
    // Lambda bundles and the job image are built by the construct packages; their hashes
    // change with every handler change and say nothing the template does not.
    diffAssets: false,
    cdkCommandOptions: {
      deploy: { args: { requireApproval: RequireApproval.NEVER } },
      destroy: { args: { force: true } },
    },
  });
  Aspects.of(scope).add(new DeterministicAssertions());
  return integ;
}

export interface RunAssertionsOptions {
  /** The key to upload, under the watch prefix. */
  readonly key: string;
  /** What to upload. */
  readonly content: string;
  /** The status the run must end in. */
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** How long to wait for the run to end. */
  readonly timeout: Duration;
}

/** What `uploadAndAwaitRun` gives the test for further assertions. */
export interface AwaitedRun {
  /** The listExecutions call of the ended run: `executions.0.name` is the run id, `executions.0.executionArn` its execution. */
  readonly runs: IApiCall;
  /** The run id (the execution name). */
  readonly runId: string;
  /** The execution ARN. */
  readonly executionArn: string;
}

/**
 * Puts `content` into the upload bucket under `key` (as an uploader would), waits until
 * the state machine's newest execution has ended in `status`, and checks that its name
 * is the run id the contract derives from the file name.
 */
export function uploadAndAwaitRun(integ: IntegTest, pipeline: BatchPipeline, options: RunAssertionsOptions): AwaitedRun {
  const upload = integ.assertions.awsApiCall('S3', 'putObject', {
    Bucket: pipeline.storage.uploads.bucket.bucketName,
    Key: options.key,
    Body: options.content,
    ContentType: 'text/plain',
  });
  const runs = integ.assertions.awsApiCall('SFN', 'listExecutions', {
    stateMachineArn: pipeline.stateMachine.stateMachineArn,
    maxResults: 5,
  }, ['executions.0.name', 'executions.0.executionArn']);
  runs.assertAtPath('executions.0.status', ExpectedResult.exact(options.status)).waitForAssertions({
    totalTimeout: options.timeout,
    interval: Duration.seconds(30),
    backoffRate: 1,
  });
  upload.next(runs);
  const runId = runs.getAttString('executions.0.name');
  const fileName = options.key.split('/').pop()!;
  integ.assertions.expect('RunIdFollowsTheContract', ExpectedResult.stringLikeRegexp(runIdPattern(fileName)),
    ActualResult.fromAwsApiCall(runs, 'executions.0.name'));
  return { runs, runId, executionArn: runs.getAttString('executions.0.executionArn') };
}

/**
 * The run's report, `reports/runs/<runId>/out/sha256.txt`, holds the SHA-256 of the
 * uploaded content; and the run's clean-up step removed its run directory and its staged
 * input (the execution output `cleanUp.removed`: `/runs/<runId>` and `stagedPath(runId)`).
 */
export function assertReportAndCleanUp(integ: IntegTest, pipeline: BatchPipeline, run: AwaitedRun, content: string, stagedPath: (runId: string) => string): void {
  const report = integ.assertions.awsApiCall('S3', 'getObject', {
    Bucket: pipeline.storage.reportsBucket.bucketName,
    Key: `${REPORTS_PREFIX}runs/${run.runId}/out/sha256.txt`,
  });
  report.expect(ExpectedResult.objectLike({ Body: expectedReport(content) }));
  run.runs.next(report);

  const removedRunDirectory = integ.assertions.awsApiCall('SFN', 'describeExecution', { executionArn: run.executionArn });
  removedRunDirectory.assertAtPath('output.cleanUp.removed.0', ExpectedResult.exact(`/runs/${run.runId}`));
  const removedStagedInput = integ.assertions.awsApiCall('SFN', 'describeExecution', { executionArn: run.executionArn });
  removedStagedInput.assertAtPath('output.cleanUp.removed.1', ExpectedResult.exact(stagedPath(run.runId)));
  report.next(removedRunDirectory).next(removedStagedInput);
}
