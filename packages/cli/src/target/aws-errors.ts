import { CliError } from '../cli-error';

interface SdkError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $metadata?: unknown;
  readonly $fault?: string;
}

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const DENIED = new Set([
  'AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnrecognizedClientException', 'InvalidClientTokenId',
  'InvalidSignatureException', 'SignatureDoesNotMatch',
]);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT']);

/**
 * What the user can do about an error of the SDK (credentials, region, permissions, an
 * endpoint that does not answer), as a CliError; undefined for anything else.
 */
export function explainAwsError(error: unknown, where: string): CliError | undefined {
  const sdk = (error ?? {}) as SdkError;
  const name = sdk.name ?? '';
  const message = sdk.message ?? String(error);
  if (EXPIRED.has(name) || (name === 'CredentialsProviderError' && /expired/i.test(message))) {
    return new CliError(`the AWS credentials have expired (${name}: ${message})`,
      'refresh them (`aws sso login`, with --profile if you use one, or new temporary keys) and run the command again');
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return new CliError(`no AWS credentials were found (${message})`,
      'sign in (`aws sso login --profile <name>` and pass --profile <name>) or configure keys (`aws configure`); '
        + 'for a local runtime pass --endpoint-url of `batch-pipeline serve` instead of --stack');
  }
  if (/Region is missing/i.test(message)) {
    return new CliError('no AWS region was given', 'pass --region <region> (the stack\'s region), or set AWS_REGION, or a region in your profile');
  }
  if (DENIED.has(name)) {
    return new CliError(`${where}: AWS refused the call (${name}: ${message})`,
      'use credentials whose role may make this call (the cli README lists the permissions of each command), or pass --profile of such a role');
  }
  if (UNREACHABLE.has(sdk.code ?? '') || UNREACHABLE.has(name) || /ECONNREFUSED/.test(message)) {
    return new CliError(`${where}: nothing answers (${sdk.code ?? name}: ${message})`,
      'check --endpoint-url (is `batch-pipeline serve` running?) or your network connection');
  }
  return undefined;
}
