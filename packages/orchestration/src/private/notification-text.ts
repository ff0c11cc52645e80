/**
 * What SNS accepts as a Subject (Publish): ASCII text that begins with a letter, number or
 * punctuation mark, without line breaks or control characters, and less than 100 characters.
 */
export const MAX_SUBJECT_LENGTH = 99;

/** The value limit this pipeline keeps each message attribute to, so that ten of them stay far below the 256 KiB of a message. */
export const MAX_ATTRIBUTE_VALUE_LENGTH = 1100;

/** Text that may stand in a Subject: accents dropped, every other non-printable-ASCII run made `?`, white space made one space. */
export function asciiText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]+/g, '?');
}

/**
 * A Subject SNS accepts, made of parts: each part made ASCII, joined, and cut to 99 characters
 * with `...` when longer; a subject that would start with a space starts with its first visible character.
 */
export function subjectLine(...parts: string[]): string {
  const text = asciiText(parts.join('')).trim();
  const subject = text.length > MAX_SUBJECT_LENGTH ? `${text.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...` : text;
  return subject === '' ? 'batch-pipeline notification' : subject;
}

/** A String message attribute as Publish takes it; SNS refuses an empty value, so an empty text becomes `-`. */
export interface StringAttribute {
  readonly DataType: 'String';
  readonly StringValue: string;
}

/**
 * String message attributes of the given fields, each value at most MAX_ATTRIBUTE_VALUE_LENGTH characters; undefined and null fields are left
 * out.
 */
export function stringAttributes(fields: Record<string, string | number | null | undefined>): Record<string, StringAttribute> {
  const attributes: Record<string, StringAttribute> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || value === null) continue;
    const text = String(value);
    attributes[name] = { DataType: 'String', StringValue: text === '' ? '-' : text.slice(0, MAX_ATTRIBUTE_VALUE_LENGTH) };
  }
  return attributes;
}
