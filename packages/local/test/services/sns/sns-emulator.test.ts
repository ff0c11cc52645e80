import { existsSync, readFileSync } from 'node:fs';
import { LocalTopic } from '../../../src/model/pipeline-model';
import { SnsEmulator, SnsEmulatorOptions } from '../../../src/services/sns/sns-emulator';
import { TEST_EXECUTION, testModel, useTestState } from '../service-fixtures';

const TOPIC: LocalTopic = { logicalId: 'Topic', name: 'Test-Topic1A2B3C', arn: 'arn:aws:sns:eu-west-2:123456789012:Test-Topic1A2B3C', encrypted: true };
const PUBLISH = 'arn:aws:states:::sns:publish';
const local = useTestState('sns-emulator');

function publish(parameters: Record<string, any>, options: SnsEmulatorOptions = {}): Promise<any> {
  const sns = new SnsEmulator(local.context(testModel({ topics: new Map([[TOPIC.arn, TOPIC]]) })), options);
  return sns.call({ resource: PUBLISH, stateName: 'Notify failure', parameters, execution: TEST_EXECUTION });
}

async function refusal(parameters: Record<string, any>, options: SnsEmulatorOptions = {}): Promise<Error> {
  try {
    await publish(parameters, options);
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the publish to be refused');
}

function lines(): any[] {
  const file = local.state.notificationsFile(TOPIC.name);
  return existsSync(file) ? readFileSync(file, 'utf-8').trim().split('\n').map((line) => JSON.parse(line)) : [];
}

describe('SNS emulator', () => {
  test('a publish is appended as one JSON line to the topic\'s file, with the message as SNS delivers it', async () => {
    // Given the failure notification the state machine sends (Message is a JSON object)
    const message = { runId: 'run-1', failedStep: 'process', error: 'States.TaskFailed', cause: 'exit 2' };
    // When it is published twice
    const first = await publish({ TopicArn: TOPIC.arn, Message: message, Subject: 'batch-pipeline run failed' });
    await publish({ TopicArn: TOPIC.arn, Message: 'plain text' });
    // Then the file holds two lines: the object as its JSON text, the subject, the run that sent it
    expect(lines()).toEqual([
      expect.objectContaining({
        messageId: first.MessageId,
        topicArn: TOPIC.arn,
        subject: 'batch-pipeline run failed',
        message: JSON.stringify(message),
        execution: TEST_EXECUTION.arn,
        state: 'Notify failure',
      }),
      expect.objectContaining({ message: 'plain text' }),
    ]);
    expect(lines()[1].subject).toBeUndefined();
    expect(local.events[0]).toEqual({ type: 'notification', topicArn: TOPIC.arn, message: JSON.stringify(message), subject: 'batch-pipeline run failed', file: local.state.notificationsFile(TOPIC.name), execution: TEST_EXECUTION.name });
  });

  test('the result is the Publish response with the SDK metadata, as the optimized integration returns it', async () => {
    const result = await publish({ TopicArn: TOPIC.arn, Message: 'm' });
    expect(result).toMatchObject({ MessageId: expect.stringMatching(/^[0-9a-f-]{36}$/), SdkHttpMetadata: { HttpStatusCode: 200 }, SdkResponseMetadata: { RequestId: expect.any(String) } });
  });

  test('a topic that is not the pipeline\'s is refused with NotFoundException', async () => {
    const error = await refusal({ TopicArn: 'arn:aws:sns:eu-west-2:123456789012:Other', Message: 'm' });
    expect(error).toMatchObject({ name: 'SNS.NotFoundException', message: 'Topic does not exist' });
    expect(lines()).toEqual([]);
  });

  test('KMS access denied is injected as SNS refuses a publisher without the key, and nothing is written', async () => {
    const error = await refusal({ TopicArn: TOPIC.arn, Message: 'm' }, { refuseWithKmsAccessDenied: true });
    expect(error.name).toBe('SNS.KMSAccessDeniedException');
    expect(lines()).toEqual([]);
    expect(local.events).toEqual([]);
    // A list of topics refuses only those
    await expect(publish({ TopicArn: TOPIC.arn, Message: 'm' }, { refuseWithKmsAccessDenied: ['arn:aws:sns:eu-west-2:123456789012:Other'] })).resolves.toBeDefined();
  });

  test.each([
    ['no TopicArn', { Message: 'm' }, /TopicArn/],
    ['no Message', { TopicArn: TOPIC.arn }, /Message/],
    ['an empty Message', { TopicArn: TOPIC.arn, Message: '' }, /Empty message/],
    ['a Message over 256 KiB', { TopicArn: TOPIC.arn, Message: 'x'.repeat(262145) }, /too long/],
    ['a Message and attributes over 256 KiB together', { TopicArn: TOPIC.arn, Message: 'x'.repeat(262140), MessageAttributes: { a: { DataType: 'String', StringValue: 'long value' } } }, /too long/],
    ['a Subject of 100 characters', { TopicArn: TOPIC.arn, Message: 'm', Subject: 's'.repeat(100) }, /less than 100/],
    ['a Subject with a line break', { TopicArn: TOPIC.arn, Message: 'm', Subject: 'a\nb' }, /line breaks/],
    ['a Subject that is not ASCII', { TopicArn: TOPIC.arn, Message: 'm', Subject: 'échec' }, /ASCII/],
    ['a Subject starting with a space', { TopicArn: TOPIC.arn, Message: 'm', Subject: ' run failed' }, /begins with/],
    ['11 message attributes', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }])) }, /maximum \[10\]/],
    ['an attribute name starting with AWS.', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { 'aws.trace': { DataType: 'String', StringValue: 'v' } } }, /attribute name/],
    ['an attribute name with successive periods', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { 'a..b': { DataType: 'String', StringValue: 'v' } } }, /attribute name/],
    ['an attribute name with a space', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { 'a b': { DataType: 'String', StringValue: 'v' } } }, /attribute name/],
    ['an attribute of an unknown type', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { a: { DataType: 'Date', StringValue: 'v' } } }, /type/],
    ['a Number attribute that is not a number', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { a: { DataType: 'Number', StringValue: 'ten' } } }, /number value/],
    ['an attribute without a value', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { a: { DataType: 'String' } } }, /non-empty/],
    ['a String.Array attribute that is not a JSON array', { TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: { a: { DataType: 'String.Array', StringValue: 'a,b' } } }, /JSON array/],
    ['MessageStructure json without a default entry', { TopicArn: TOPIC.arn, Message: '{"email":"x"}', MessageStructure: 'json' }, /default/],
  ])('a publish with %s is refused with InvalidParameterException', async (_, parameters, message) => {
    const error = await refusal(parameters);
    expect(error.name).toBe('SNS.InvalidParameterException');
    expect(error.message).toMatch(message);
    expect(lines()).toEqual([]);
  });

  test('valid message attributes are kept with the message', async () => {
    const attributes = {
      'run.id': { DataType: 'String', StringValue: 'run-1' },
      'count': { DataType: 'Number', StringValue: '-1.5e3' },
      'list': { DataType: 'String.Array', StringValue: '["a",1]' },
      'blob': { DataType: 'Binary', BinaryValue: 'AAEC' },
      'custom': { DataType: 'Number.float', StringValue: '3' },
    };
    await publish({ TopicArn: TOPIC.arn, Message: 'm', MessageAttributes: attributes });
    expect(lines()[0].messageAttributes).toEqual(attributes);
  });

  test('the emulator answers only sns:publish', () => {
    const sns = new SnsEmulator({ ...local.context(testModel()), events: { emit: () => undefined } });
    expect(sns.handles(PUBLISH)).toBe(true);
    expect(sns.handles('arn:aws:states:::aws-sdk:sns:publish')).toBe(false);
  });
});
