import { existsSync, readFileSync } from 'node:fs';
import { InvalidParameterException, KMSAccessDeniedException, NotFoundException, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { LocalTopic } from '../../../src/model/pipeline-model';
import { SnsEmulator, SnsEmulatorOptions, SnsTopics } from '../../../src/services/sns/sns-emulator';
import { SnsEndpoint } from '../../../src/services/sns/sns-endpoint';
import { TEST_EXECUTION, testModel, useTestState } from '../service-fixtures';

const TOPIC: LocalTopic = { logicalId: 'Topic', name: 'Test-Topic1A2B3C', arn: 'arn:aws:sns:eu-west-2:123456789012:Test-Topic1A2B3C', encrypted: true };
const local = useTestState('sns-endpoint');
let endpoint: SnsEndpoint | undefined;

afterEach(async () => {
  await endpoint?.stop();
  endpoint = undefined;
});

async function clientFor(options: SnsEmulatorOptions = {}): Promise<{ client: SNSClient; topics: SnsTopics }> {
  const topics = new SnsTopics(local.context(testModel({ topics: new Map([[TOPIC.arn, TOPIC]]) })), options);
  endpoint = await SnsEndpoint.start(topics);
  const client = new SNSClient({
    endpoint: endpoint.url,
    region: 'eu-west-2',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
  return { client, topics };
}

function lines(): any[] {
  const file = local.state.notificationsFile(TOPIC.name);
  return existsSync(file) ? readFileSync(file, 'utf-8').trim().split('\n').map((line) => JSON.parse(line)) : [];
}

async function refusal(client: SNSClient, input: ConstructorParameters<typeof PublishCommand>[0]): Promise<Error> {
  try {
    await client.send(new PublishCommand(input));
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the publish to be refused');
}

describe('local SNS endpoint (AWS Query protocol)', () => {
  test('given the SDK client a function uses, when it publishes with a subject and attributes, then the message lands in the topic file the state machine writes to', async () => {
    const { client, topics } = await clientFor();
    const response = await client.send(new PublishCommand({
      TopicArn: TOPIC.arn,
      Subject: 'Upload not processed (empty file): a.csv',
      Message: 'Upload not processed\nsecond line & <xml> ü',
      MessageAttributes: { reason: { DataType: 'String', StringValue: 'zero-byte-object' }, size: { DataType: 'Number', StringValue: '0' } },
    }));
    expect(response.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    // The state machine's publishes go to the same file.
    await new SnsEmulator(local.context(testModel({ topics: new Map([[TOPIC.arn, TOPIC]]) })), topics)
      .call({ resource: 'arn:aws:states:::sns:publish', stateName: 'Notify failure', parameters: { TopicArn: TOPIC.arn, Message: 'run failed' }, execution: TEST_EXECUTION });
    expect(lines()).toEqual([
      expect.objectContaining({
        messageId: response.MessageId,
        subject: 'Upload not processed (empty file): a.csv',
        message: 'Upload not processed\nsecond line & <xml> ü',
        messageAttributes: { reason: { DataType: 'String', StringValue: 'zero-byte-object' }, size: { DataType: 'Number', StringValue: '0' } },
        execution: 'function',
        state: 'Publish',
      }),
      expect.objectContaining({ message: 'run failed', execution: TEST_EXECUTION.arn }),
    ]);
  });

  test.each([
    ['a subject of 100 characters', { Subject: 'x'.repeat(100) }],
    ['a subject with a line break', { Subject: 'two\nlines' }],
    ['a subject that is not ASCII', { Subject: 'über' }],
    ['a message over 256 KiB', { Message: 'x'.repeat(262_145) }],
    ['an empty message', { Message: '' }],
    ['an attribute name starting with AWS.', { MessageAttributes: { 'AWS.reason': { DataType: 'String', StringValue: 'x' } } }],
    ['eleven attributes', { MessageAttributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'x' }])) }],
  ])('given %s, when it is published, then SNS\'s InvalidParameterException comes back and nothing is written', async (_what, change) => {
    const { client } = await clientFor();
    const error = await refusal(client, { TopicArn: TOPIC.arn, Message: 'text', ...change });
    expect(error).toBeInstanceOf(InvalidParameterException);
    expect((error as InvalidParameterException).$metadata.httpStatusCode).toBe(400);
    expect(lines()).toEqual([]);
  });

  test('given a topic that is not the pipeline\'s, then NotFoundException (404)', async () => {
    const { client } = await clientFor();
    const error = await refusal(client, { TopicArn: `${TOPIC.arn}-other`, Message: 'text' });
    expect(error).toBeInstanceOf(NotFoundException);
    expect((error as NotFoundException).$metadata.httpStatusCode).toBe(404);
  });

  test('given a publisher that may not use the topic key, then KMSAccessDeniedException', async () => {
    const { client } = await clientFor({ refuseWithKmsAccessDenied: true });
    expect(await refusal(client, { TopicArn: TOPIC.arn, Message: 'text' })).toBeInstanceOf(KMSAccessDeniedException);
    expect(lines()).toEqual([]);
  });

  test('an action other than Publish is refused with a Query error that names it', async () => {
    await clientFor();
    const response = await fetch(endpoint!.url, { method: 'POST', body: 'Action=CreateTopic&Name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/<Code>InvalidAction<\/Code><Message>the local SNS endpoint does not implement CreateTopic; it answers Publish<\/Message>/);
  });
});
