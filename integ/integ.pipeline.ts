// An upload produces its report: one small object under the watch prefix runs through the
// default pipeline (staging AUTO: the workspace function copies it in and the report out),
// the job writes the SHA-256 of the upload, the report lands under reports/runs/<runId>/out/,
// the execution SUCCEEDED and its clean-up removed the run's files from EFS.
import { Duration } from 'aws-cdk-lib';
import { PipelineTestStack, WATCH_PREFIX, assertReportAndCleanUp, newIntegTest, newTestApp, uploadAndAwaitRun } from './src/pipeline-under-test';

const CONTENT = 'batch-pipeline integ test: an upload produces its report\n';
const FILE_NAME = 'sample.txt';

const app = newTestApp();
const stack = new PipelineTestStack(app, 'BatchPipelineIntegPipeline');
const integ = newIntegTest(app, 'UploadProducesReport', stack);

// Fargate starts a task in about a minute; both copies are Lambda calls of about a second.
const run = uploadAndAwaitRun(integ, stack.pipeline, {
  key: `${WATCH_PREFIX}integ/${FILE_NAME}`,
  content: CONTENT,
  status: 'SUCCEEDED',
  timeout: Duration.minutes(20),
});
// On the direct path the staged input is the run's own input file.
assertReportAndCleanUp(integ, stack.pipeline, run, CONTENT, (runId) => `/runs/${runId}/in/${FILE_NAME}`);

app.synth();
