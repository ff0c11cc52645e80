import { checkIamCalls } from '@batch-pipeline/test-support';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { StageInTransfer, StageOutTransfer } from '../src';
import { fixtures } from './fixtures';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 60_000;

describe('the calls DataSync makes for the transfers are allowed by their policies (IAM check)', () => {
  test('stage in and stage out with a task report and a caller, on the pipeline network', async () => {
    // Given the transfers of the nag test, with their fixtures in the same stack (the nag test's
    // two stacks are validated, never synthesized: synthesizing them is a dependency cycle)
    const f = fixtures();
    const stageIn = new StageInTransfer(f.stack, 'StageIn', {
      network: f.network, sourceBucket: f.uploads, sourcePrefix: 'uploads/', fileSystem: f.fileSystem, accessPoint: f.accessPoint,
    });
    const stageOut = new StageOutTransfer(f.stack, 'StageOut', {
      network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, destinationPrefix: 'reports/', taskReport: { bucket: f.reports },
    });
    const caller = new iam.Role(f.stack, 'Caller', { assumedBy: new iam.ServicePrincipal('states.amazonaws.com') });
    const policy = new iam.ManagedPolicy(f.stack, 'CallerPolicy', { roles: [caller] });
    stageIn.grantStartExecution(policy);
    stageOut.grantStartExecution(policy);
    // When every call DataSync makes with the locations' roles and into the task logs is evaluated
    const { checked, denied } = await checkIamCalls(Template.fromStack(f.stack).toJSON());
    // Then none is denied
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(28);
  }, CHECK_TIMEOUT_MS);

  test('stage out into a reports bucket encrypted with a customer managed key', async () => {
    const f = fixtures(undefined, { encryptedReports: true });
    new StageOutTransfer(f.stack, 'StageOut', {
      network: f.network, fileSystem: f.fileSystem, accessPoint: f.accessPoint, destinationBucket: f.reports, destinationPrefix: 'reports/', taskReport: { bucket: f.reports },
    });
    const { checked, denied } = await checkIamCalls(Template.fromStack(f.stack).toJSON());
    expect(checked.filter((call) => call.action.startsWith('kms:')).map((call) => call.action)).toEqual(['kms:GenerateDataKey', 'kms:Decrypt', 'kms:GenerateDataKey', 'kms:Decrypt']);
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(21);
  }, CHECK_TIMEOUT_MS);
});
