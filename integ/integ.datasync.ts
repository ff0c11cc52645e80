// The DataSync path produces the same report: with staging DATASYNC (the original system's
// way) the upload is staged in by the stage-in task (S3 -> EFS /staging/) and the report
// staged out by the stage-out task (EFS -> S3 reports/), whatever the size.
import { StageInTransfer } from '@batch-pipeline/datasync';
import { StagingStrategy } from '@batch-pipeline/orchestration';
import { Duration } from 'aws-cdk-lib';
import { PipelineTestStack, WATCH_PREFIX, assertReportAndCleanUp, newIntegTest, newTestApp, uploadAndAwaitRun } from './src/pipeline-under-test';

const CONTENT = 'batch-pipeline integ test: the DataSync path produces the same report\n';
const FILE_NAME = 'sample.txt';
const RELATIVE_KEY = `integ/${FILE_NAME}`;

const app = newTestApp();
const stack = new PipelineTestStack(app, 'BatchPipelineIntegDataSync', { staging: StagingStrategy.DATASYNC });
const integ = newIntegTest(app, 'DataSyncPathProducesReport', stack);

// Each DataSync execution takes minutes (launch, prepare, transfer, verify), two of them a run.
const run = uploadAndAwaitRun(integ, stack.pipeline, {
  key: `${WATCH_PREFIX}${RELATIVE_KEY}`,
  content: CONTENT,
  status: 'SUCCEEDED',
  timeout: Duration.minutes(45),
});
// DataSync stages the upload into the stage-in destination directory first (/staging/ by default).
const stageIn = stack.pipeline.stageIn as StageInTransfer;
assertReportAndCleanUp(integ, stack.pipeline, run, CONTENT, () => `${stageIn.destinationDirectory}${RELATIVE_KEY}`);

app.synth();
