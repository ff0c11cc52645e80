// Bundled into the Lambda asset by esbuild when the package is built; the construct library itself does not load it.
// eslint-disable-next-line import/no-extraneous-dependencies
import { S3Client } from '@aws-sdk/client-s3';

let client: S3Client | undefined;

/**
 * One S3 client per container, created on first use, so that warm invocations reuse its
 * connections and credentials. `new S3Client({})` takes everything from the SDK's standard
 * settings: the region from `AWS_REGION` (set by Lambda), the endpoint from `AWS_ENDPOINT_URL_S3`
 * or `AWS_ENDPOINT_URL` (the local runtime points these at its local endpoint), so there is no
 * endpoint code of our own to get wrong. An endpoint whose host is an IP address is addressed
 * path-style by S3's endpoint rules.
 */
export function s3Client(): S3Client {
  client ??= new S3Client({});
  return client;
}
