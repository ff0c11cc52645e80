/**
 * The standard AWS SDK settings that point a process at local endpoints. The SDK for
 * JavaScript v3 (and every other SDK) reads `AWS_ENDPOINT_URL_<SERVICE>`, so the code under
 * test needs no change. Shared config files are pointed at paths that do not exist, so a
 * developer's `~/.aws` can change neither the endpoints nor the credentials.
 */
export interface LocalEndpoints {
  /** `AWS_ENDPOINT_URL_S3`. */
  readonly s3?: string;
  /** `AWS_ENDPOINT_URL_SFN` (the SDK's service id of Step Functions is `SFN`). */
  readonly stepFunctions?: string;
  /** `AWS_ENDPOINT_URL_SNS`. */
  readonly sns?: string;
}

/** Every setting `localSdkEnvironment` decides, so that a caller can clear inherited values first. */
export const SDK_SETTINGS = [
  'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL_SFN', 'AWS_ENDPOINT_URL_SNS', 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_PROFILE', 'AWS_CONFIG_FILE', 'AWS_SHARED_CREDENTIALS_FILE',
] as const;

/**
 * The environment a process needs to reach the given local endpoints: the endpoint URLs,
 * a region, dummy credentials (requests are signed; the local endpoints accept any key) and
 * no shared config.
 *
 * @param endpoints the local endpoints
 * @param options the region, and a directory for the (absent) shared config files
 */
export function localSdkEnvironment(
  endpoints: LocalEndpoints,
  options: { readonly region: string; readonly scratchDirectory: string },
): Record<string, string> {
  return {
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    ...(endpoints.stepFunctions ? { AWS_ENDPOINT_URL_SFN: endpoints.stepFunctions } : {}),
    ...(endpoints.sns ? { AWS_ENDPOINT_URL_SNS: endpoints.sns } : {}),
    AWS_REGION: options.region,
    AWS_DEFAULT_REGION: options.region,
    AWS_ACCESS_KEY_ID: 'AKIDLOCALRUNTIME',
    AWS_SECRET_ACCESS_KEY: 'local-runtime-secret',
    AWS_SESSION_TOKEN: 'local-runtime-session',
    AWS_CONFIG_FILE: `${options.scratchDirectory}/no-aws-config`,
    AWS_SHARED_CREDENTIALS_FILE: `${options.scratchDirectory}/no-aws-credentials`,
  };
}
