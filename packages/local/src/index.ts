// The package's public surface, chosen rather than collected: the runtime and what it is started
// with and reports, the model it reads from a cloud assembly, its errors, and the helpers tests
// use. Each service's emulator stays reachable through the runtime (`runtime.batchEmulator`,
// `runtime.stepFunctionsService` ...) and is not a separate entry point.

// The runtime: reading an assembly, running its pipeline, serving it as AWS endpoints.
export { PipelineRuntime, PipelineRuntimeOptions, Upload } from './runtime/pipeline-runtime';
export { RunSummary, ReportLocation } from './runtime/run-summary';
export { StateDirectory } from './runtime/state-directory';
export { RuntimeEvent, RuntimeEvents } from './services/task-integration';
export { serveRuntime, ServeOptions, ServedRuntime, DEFAULT_SERVE_PORT } from './serve/serve-runtime';
export { StartedExecution } from './services/stepfunctions/step-functions-service';
export { ExecutionOutcome } from './services/stepfunctions/execution-engine';
export { DataSyncFaults } from './services/datasync/datasync-execution';
export { SnsTopics, PublishedNotification } from './services/sns/sns-emulator';
export { RecordedDataPoint } from './services/cloudwatch/cloudwatch-emulator';
export { LocalEndpoints, localSdkEnvironment } from './services/sdk-environment';

// The assembly and the model of a pipeline read from it.
export { readCloudAssembly, CloudAssembly, AssemblyStack } from './assembly/cloud-assembly';
export {
  discoverPipelines, discoverDeployedPipelines, selectPipeline, defaultAppDirectory, DeployedStack,
  LOCAL_DEFAULT_ENVIRONMENT, LOCAL_RUN_METADATA_KEY,
} from './assembly/discover-pipelines';
export { synthesizeApp } from './assembly/synthesize-app';
export {
  PipelineModel, LocalStateMachine, LocalBucket, UploadTrigger, LocalFunction, FileSystemMount, LocalFileSystem,
  DataSyncLocation, DataSyncTask, JobQueue, JobStateTimeLimitAction, JobDefinition, LocalRunMetadata, LocalTopic,
} from './model/pipeline-model';

// Errors: the runtime's (a message and what to do) and the services' rules, as AWS words them.
export { LocalRuntimeError } from './runtime/local-runtime-error';
export { serviceError, batchJobNameError, stepFunctionsExecutionNameError } from './services/service-rules';
export { checkPublish, CheckedPublish, SnsMessageAttribute } from './services/sns/publish-rules';

// For tests: the runs of an upload, a local S3 endpoint and sandbox, S3's checksums.
export { RunTracker, runsOf, onlyRunOf, isRunOf, uploadUri, RunOfUpload } from './runtime/upload-runs';
export { LocalS3Endpoint, RecordedOperation } from './services/s3/local-s3-endpoint';
export { VersionRecord } from './services/s3/local-s3-store';
export { LocalS3Sandbox } from './testing/local-s3-sandbox';
export { checksumOf, compositeChecksum } from './services/s3/s3-checksums';
