/**
 * SubmitJob's `tags` and `propagateTags`, checked as Batch checks them (Batch API reference,
 * SubmitJob and TagResource: at most 50 tags, keys of 1 to 128 characters, values of at most 256;
 * Batch User Guide, "Tag restrictions": the `aws:` prefix, in any case, is reserved for AWS). The
 * characters are those every service accepts (letters, digits, spaces and `_ . : / = + - @`): a
 * job's tags reach its Fargate task when they propagate, and ECS refuses any other.
 */
const MAX_TAGS = 50;
const MAX_KEY_LENGTH = 128;
const MAX_VALUE_LENGTH = 256;
/* Lengths count Unicode characters (code points), as the limits do. */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const RESERVED_PREFIX = /^aws:/i;

/** The job's tags and whether they reach its task, or the reason Batch refuses them. */
export type JobTagsCheck =
  | { readonly tags: Readonly<Record<string, string>>; readonly propagateTags: boolean; readonly error?: undefined }
  | { readonly error: string };

/**
 * Checks SubmitJob's `Tags` (a map of strings) and `PropagateTags` (a boolean). A job submitted
 * without `PropagateTags` takes the job definition's; the pipeline's definitions propagate.
 */
export function checkJobTags(tags: unknown, propagateTags: unknown, definitionPropagates = true): JobTagsCheck {
  if (propagateTags !== undefined && typeof propagateTags !== 'boolean') {
    return { error: `propagateTags ${JSON.stringify(propagateTags)} is not valid: true or false` };
  }
  const propagates = propagateTags ?? definitionPropagates;
  if (tags === undefined) return { tags: {}, propagateTags: propagates };
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    return { error: `tags ${JSON.stringify(tags)} is not valid: a map of tag keys to string values` };
  }
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS) return { error: `tags has ${entries.length} entries; at most ${MAX_TAGS}` };
  for (const [key, value] of entries) {
    const problem = keyProblem(key) ?? valueProblem(key, value);
    if (problem) return { error: problem };
  }
  return { tags: Object.fromEntries(entries) as Record<string, string>, propagateTags: propagates };
}

function keyProblem(key: string): string | undefined {
  const length = [...key].length;
  if (length < 1 || length > MAX_KEY_LENGTH) {
    return `tags: the key '${key}' has ${length} characters; allowed: 1 to ${MAX_KEY_LENGTH}`;
  }
  if (RESERVED_PREFIX.test(key)) return `tags: the key '${key}' starts with aws:, which is reserved for AWS use`;
  if (!TAG_CHARACTERS.test(key)) return `tags: the key '${key}' is not valid: letters, digits, spaces and _ . : / = + - @`;
  return undefined;
}

function valueProblem(key: string, value: unknown): string | undefined {
  if (typeof value !== 'string') return `tags: the value of '${key}' is ${JSON.stringify(value)}; allowed: a string`;
  const length = [...value].length;
  if (length > MAX_VALUE_LENGTH) {
    return `tags: the value of '${key}' has ${length} characters; allowed: at most ${MAX_VALUE_LENGTH}`;
  }
  if (!TAG_CHARACTERS.test(value)) return `tags: the value '${value}' of '${key}' is not valid: letters, digits, spaces and _ . : / = + - @`;
  return undefined;
}
