/**
 * Where the Lambda function mounts the pipeline's access point. Kept apart from
 * the handler so that the construct can name it without loading the handler
 * and the AWS SDK it bundles.
 */
export const WORKSPACE_MOUNT_PATH = '/mnt/pipeline';
