import { ListObjectVersionsCommand, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { UploadedObject } from '@batch-pipeline/run-contract';
import { explainAwsError } from '../target/aws-errors';
import { PipelineTarget } from '../target/pipeline-target';

/** An object version in the upload bucket, as a listing gives it. */
export interface ListedObject extends UploadedObject {
  readonly lastModified?: Date;
}

/**
 * The current object versions under `prefix` of the upload bucket, page by page: a versioned
 * bucket's latest versions (ListObjectVersions; a key whose latest version is a delete marker has
 * none), or an unversioned bucket's objects (ListObjectsV2, version null).
 */
export async function* listUploads(target: PipelineTarget, prefix: string): AsyncGenerator<ListedObject[]> {
  const bucket = target.upload.bucket;
  try {
    if (target.upload.versioned) {
      // ListObjectVersions has no SDK paginator: KeyMarker and VersionIdMarker carry on.
      let keyMarker: string | undefined;
      let versionIdMarker: string | undefined;
      do {
        const page = await target.clients.s3.send(new ListObjectVersionsCommand({
          Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker,
        }));
        yield (page.Versions ?? []).filter((version) => version.IsLatest).map((version) => ({
          bucket, key: version.Key!, versionId: version.VersionId ?? null, size: version.Size ?? 0, lastModified: version.LastModified,
        }));
        keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
        versionIdMarker = page.NextVersionIdMarker;
      } while (keyMarker !== undefined);
    } else {
      for await (const page of paginateListObjectsV2({ client: target.clients.s3 }, { Bucket: bucket, Prefix: prefix })) {
        yield (page.Contents ?? []).map((object) => ({
          bucket, key: object.Key!, versionId: null, size: object.Size ?? 0, lastModified: object.LastModified,
        }));
      }
    }
  } catch (error) {
    throw explainAwsError(error, target.upload.versioned ? 'ListObjectVersions' : 'ListObjectsV2') ?? error;
  }
}
