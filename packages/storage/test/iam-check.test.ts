import { PipelineNetwork } from '@batch-pipeline/network';
import { checkIamCalls, testStack } from '@batch-pipeline/test-support';
import { RemovalPolicy } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { PipelineStorage } from '../src';

/** Synthesizing the stack and evaluating every call takes seconds, more on a loaded machine. */
const CHECK_TIMEOUT_MS = 60_000;

describe('the calls made on the storage are allowed by its policies (IAM check)', () => {
  test('a function granted grantReadWrite mounts the file system through its access point, past the file system policy', async () => {
    // Given the storage with a customer managed key, and a function of the user's that mounts the access point
    const stack = testStack();
    const network = new PipelineNetwork(stack, 'Network');
    const encryptionKey = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const storage = new PipelineStorage(stack, 'Storage', { network, encryptionKey, removalPolicy: RemovalPolicy.DESTROY });
    const fn = new lambda.Function(stack, 'Reader', {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => ({})'),
      vpc: network.vpc,
      vpcSubnets: network.privateSubnets,
      filesystem: lambda.FileSystem.fromEfsAccessPoint(storage.fileSystem.accessPoint, '/mnt/pipeline'),
    });
    storage.fileSystem.grantReadWrite(fn);
    // When every call is evaluated against the identity policies and the storage's resource policies
    const { checked, denied } = await checkIamCalls(Template.fromStack(stack).toJSON());
    // Then the mount (ClientMount, ClientWrite) and every other call are allowed
    expect(checked.filter((call) => call.action.startsWith('elasticfilesystem:')).map((call) => call.action)).toEqual(['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite']);
    expect(denied).toEqual([]);
    expect(checked.length).toBeGreaterThan(13);
  }, CHECK_TIMEOUT_MS);
});
