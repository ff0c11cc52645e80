import { serviceError } from '../service-rules';

/** Publish limits (SNS API reference, Publish; "Amazon SNS message attributes"). */
const MAX_MESSAGE_BYTES = 262144;
const MAX_SUBJECT_LENGTH = 100;
const MAX_ATTRIBUTES = 10;
const MAX_ATTRIBUTE_NAME_LENGTH = 256;
const ATTRIBUTE_TYPES = /^(String|String\.Array|Number|Binary)(\.[A-Za-z0-9_.-]+)?$/;

/** A message attribute as Publish takes it. */
export interface SnsMessageAttribute {
  readonly DataType: string;
  readonly StringValue?: string;
  readonly BinaryValue?: string;
}

/** A Publish request that SNS accepts. */
export interface CheckedPublish {
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageAttributes?: Record<string, SnsMessageAttribute>;
}

/**
 * Publish's input rules, as SNS answers them (`SNS.InvalidParameterException` with SNS's
 * message): a topic or target ARN, no SMS, a non-empty message, a valid subject, at most ten valid
 * message attributes, message and attributes together at most 256 KiB, a valid MessageStructure.
 * The local SNS endpoint and the state machine's `sns:publish` integration both apply them, and a
 * test can check what its code would publish.
 */
export function checkPublish(parameters: Record<string, any>): CheckedPublish {
  const topicArn = parameters.TopicArn ?? parameters.TargetArn;
  if (parameters.PhoneNumber !== undefined) {
    throw invalidParameter('Invalid parameter: PhoneNumber: SMS is not emulated by the local runtime');
  }
  if (typeof topicArn !== 'string' || topicArn === '') {
    throw invalidParameter('Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter');
  }
  const message = messageText(parameters.Message);
  const subject = checkSubject(parameters.Subject);
  const messageAttributes = checkAttributes(parameters.MessageAttributes);
  // The 256 KiB limit counts the message and its attributes together (SNS API reference, Publish: Message).
  if (Buffer.byteLength(message) + attributesSize(messageAttributes) > MAX_MESSAGE_BYTES) {
    throw invalidParameter('Invalid parameter: Message too long');
  }
  if (parameters.MessageStructure !== undefined) checkStructure(parameters.MessageStructure, message);
  return { topicArn, message, ...(subject !== undefined ? { subject } : {}), ...(messageAttributes ? { messageAttributes } : {}) };
}

function invalidParameter(message: string): Error {
  return serviceError('SNS.InvalidParameterException', message);
}

/**
 * `Message` is required. Step Functions sends a JSON object given as the message as its JSON
 * text (the definition's failure notification is such an object).
 */
function messageText(value: unknown): string {
  if (value === undefined || value === null) {
    throw invalidParameter('Invalid parameter: Message Reason: no value for required parameter');
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  if (text.length === 0) throw invalidParameter('Invalid parameter: Empty message');
  return text;
}

/** Subject: ASCII, starting with a letter, number or punctuation mark, no line breaks or control characters, under 100 characters. */
function checkSubject(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0) throw invalidParameter('Invalid parameter: Subject');
  if (value.length >= MAX_SUBJECT_LENGTH) throw invalidParameter('Invalid parameter: Subject: must be less than 100 characters long');
  // eslint-disable-next-line no-control-regex
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(value)) {
    throw invalidParameter('Invalid parameter: Subject: must be ASCII text that begins with a letter, number, '
      + 'or punctuation mark and has no line breaks or control characters');
  }
  return value;
}

/**
 * MessageAttributes: at most 10; names of A-Z, a-z, 0-9, `_`, `-`, `.`, at most 256 characters,
 * not starting or ending with a period, no successive periods, not starting with `AWS.` or
 * `Amazon.` in any casing; DataType String, String.Array, Number or Binary (optionally with a
 * custom type suffix) and the matching value (SNS Developer Guide, "Amazon SNS message attributes").
 */
function checkAttributes(value: unknown): Record<string, SnsMessageAttribute> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalidParameter('Invalid parameter: MessageAttributes');
  const entries = Object.entries(value as Record<string, any>);
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalidParameter(`Invalid parameter: MessageAttributes: Number of message attributes [${entries.length}] exceeds the allowed maximum `
      + `[${MAX_ATTRIBUTES}].`);
  }
  for (const [name, attribute] of entries) {
    if (name.length === 0 || name.length > MAX_ATTRIBUTE_NAME_LENGTH || !/^[A-Za-z0-9_.-]+$/.test(name)
      || name.startsWith('.') || name.endsWith('.') || name.includes('..') || /^(aws|amazon)\./i.test(name)) {
      throw invalidParameter(`Invalid parameter: MessageAttributes: Invalid attribute name: ${name}`);
    }
    const type = attribute?.DataType;
    if (typeof type !== 'string' || !ATTRIBUTE_TYPES.test(type)) {
      throw invalidParameter(`Invalid parameter: MessageAttributes: The message attribute '${name}' has an invalid message attribute type, `
        + 'the set of supported type prefixes is Binary, Number, and String.');
    }
    const base = type.startsWith('String.Array') ? 'String.Array' : type.split('.')[0];
    if (base === 'Binary') {
      if (typeof attribute.BinaryValue !== 'string' || attribute.BinaryValue === '') {
        throw invalidParameter(`Invalid parameter: MessageAttributes: The message attribute '${name}' with type 'Binary' must use field 'Binary'.`);
      }
      continue;
    }
    const text = attribute.StringValue;
    if (typeof text !== 'string' || text === '') {
      throw invalidParameter(`Invalid parameter: MessageAttributes: The message attribute '${name}' must contain non-empty message attribute `
        + `value for message attribute type '${type}'.`);
    }
    // Number: up to 38 digits of precision, between -10^128 and +10^126.
    if (base === 'Number' && !isSnsNumber(text)) {
      throw invalidParameter(`Invalid parameter: MessageAttributes: The message attribute '${name}' has an invalid number value '${text}'.`);
    }
    if (base === 'String.Array' && !isJsonArray(text)) {
      throw invalidParameter(`Invalid parameter: MessageAttributes: The message attribute '${name}' with type 'String.Array' must be a JSON array.`);
    }
  }
  return value as Record<string, SnsMessageAttribute>;
}

function isSnsNumber(text: string): boolean {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return false;
  const digits = text.replace(/[eE].*$/, '').replace(/[^0-9]/g, '').replace(/^0+/, '');
  const number = Number(text);
  return digits.length <= 38 && number >= -1e128 && number <= 1e126;
}

function isJsonArray(text: string): boolean {
  try {
    return Array.isArray(JSON.parse(text));
  } catch {
    return false;
  }
}

function attributesSize(attributes: Record<string, SnsMessageAttribute> | undefined): number {
  return Object.entries(attributes ?? {}).reduce((sum, [name, attribute]) =>
    sum + Buffer.byteLength(name) + Buffer.byteLength(attribute.DataType) + Buffer.byteLength(attribute.StringValue ?? attribute.BinaryValue
      ?? ''), 0);
}

/** MessageStructure `json`: the message must be a JSON object with a `default` string member. */
function checkStructure(structure: unknown, message: string): void {
  if (structure !== 'json') throw invalidParameter('Invalid parameter: MessageStructure: only json is supported');
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as Record<string, unknown>).default !== 'string') {
    throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
  }
}
