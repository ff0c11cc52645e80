import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { checkPublish, SnsMessageAttribute } from './publish-rules';
import { serviceError } from '../service-rules';
import { ServiceContext, TaskIntegration, TaskRequest } from '../task-integration';

export interface SnsEmulatorOptions {
  /**
   * Refuse every publish with `SNS.KMSAccessDeniedException`, as SNS does when the publisher may
   * not use the encrypted topic's KMS key. `true` refuses on every topic; a list names the topic ARNs.
   * @default false
   */
  readonly refuseWithKmsAccessDenied?: boolean | readonly string[];
  /**
   * Refuse every publish that carries message attributes with `SNS.InvalidParameterException`, as
   * SNS refuses attributes outside its rules: for tests of what happens when a formatted
   * notification is refused.
   * @default false
   */
  readonly refuseMessageAttributes?: boolean;
}

/** What `notifications/<topic>.jsonl` holds, one line per publish. */
export interface PublishedNotification {
  readonly messageId: string;
  readonly topicArn: string;
  readonly subject?: string;
  readonly message: string;
  readonly messageAttributes?: Record<string, SnsMessageAttribute>;
  /** The execution that published (its ARN), or `function:<name>` for a function's Publish call. */
  readonly execution: string;
  /** The state that published, or `Publish` for a function's call. */
  readonly state: string;
  readonly publishedAt: string;
}

/** Who published: a state of an execution, or a function through the SNS endpoint. */
export interface PublishOrigin {
  /** The execution's ARN, or `function:<name>`. */
  readonly execution: string;
  /** The execution's name (the run id), when an execution published. */
  readonly executionName?: string;
  readonly state: string;
}

/**
 * The pipeline's topics: a Publish that SNS would accept (`checkPublish`) to one of them is
 * appended as one JSON line to the topic's file in the state directory, where the user sees it,
 * whoever publishes (the state machine or a function). Subscriptions are not emulated: the file is
 * the delivery.
 */
export class SnsTopics {
  public constructor(private readonly context: ServiceContext, private readonly options: SnsEmulatorOptions = {}) {}

  /** Publishes, or throws the error SNS would return (named `SNS.<error shape>`). Returns the message id. */
  public publish(parameters: Record<string, any>, origin: PublishOrigin): string {
    const input = checkPublish(parameters);
    const topic = [...this.context.model.topics.values()].find((candidate) => candidate.arn === input.topicArn);
    if (!topic) {
      throw serviceError('SNS.NotFoundException', 'Topic does not exist');
    }
    if (this.options.refuseMessageAttributes && input.messageAttributes) {
      throw serviceError('SNS.InvalidParameterException', 'Invalid parameter: MessageAttributes (refused by the injected fault '
        + 'refuseMessageAttributes)');
    }
    const refuse = this.options.refuseWithKmsAccessDenied;
    if (refuse === true || (Array.isArray(refuse) && refuse.includes(input.topicArn))) {
      throw serviceError('SNS.KMSAccessDeniedException',
        `User is not authorized to perform kms:GenerateDataKey on the key of topic ${topic.name} (Service: AWSKMS; Status Code: 400; Error Code: `
          + 'AccessDeniedException)');
    }
    const messageId = randomUUID();
    const record: PublishedNotification = {
      messageId,
      topicArn: input.topicArn,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      message: input.message,
      ...(input.messageAttributes ? { messageAttributes: input.messageAttributes } : {}),
      execution: origin.execution,
      state: origin.state,
      publishedAt: new Date().toISOString(),
    };
    const file = this.context.state.notificationsFile(topic.name);
    mkdirSync(path.dirname(file), { recursive: true });
    // One appendFileSync per line: lines of concurrent publishers never interleave.
    appendFileSync(file, `${JSON.stringify(record)}\n`);
    this.context.events.emit({
      type: 'notification',
      topicArn: input.topicArn,
      message: input.message,
      ...(input.subject !== undefined ? { subject: input.subject } : {}),
      file,
      ...(origin.executionName !== undefined ? { execution: origin.executionName } : {}),
    });
    return messageId;
  }
}

/**
 * Amazon SNS `Publish` as the optimized integration `arn:aws:states:::sns:publish` calls it: the
 * topic must be one of the pipeline's, the input follows Publish's rules, and each accepted
 * message goes to the topic's file (`SnsTopics`).
 */
export class SnsEmulator implements TaskIntegration {
  private readonly topics: SnsTopics;

  public constructor(context: ServiceContext, options: SnsEmulatorOptions | SnsTopics = {}) {
    this.topics = options instanceof SnsTopics ? options : new SnsTopics(context, options);
  }

  public handles(resource: string): boolean {
    return /^arn:[a-z-]+:states:::sns:publish$/.test(resource);
  }

  public async call(request: TaskRequest): Promise<unknown> {
    // `executionName` is the execution's name, the run id the runtime files notifications under.
    const origin = { execution: request.execution.arn, executionName: request.execution.name, state: request.stateName };
    const messageId = this.topics.publish(request.parameters, origin);
    // The optimized integration returns the Publish response with the SDK's HTTP metadata.
    const requestId = randomUUID();
    return {
      MessageId: messageId,
      SdkHttpMetadata: {
        AllHttpHeaders: { 'x-amzn-RequestId': [requestId], 'Content-Type': ['text/xml'] },
        HttpHeaders: { 'x-amzn-RequestId': requestId, 'Content-Type': 'text/xml' },
        HttpStatusCode: 200,
      },
      SdkResponseMetadata: { RequestId: requestId },
    };
  }
}
