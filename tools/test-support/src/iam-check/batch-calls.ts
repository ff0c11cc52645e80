import { CallList } from './call-list';

/**
 * The calls of each Batch job definition: the job role mounts the EFS volumes that use IAM
 * authorization; the execution role pulls an ECR image, writes the awslogs log group and reads the secrets.
 */
export function batchCalls(calls: CallList) {
  const set = calls.set;
  for (const definition of set.resources('AWS::Batch::JobDefinition')) {
    const containers: any[] = [];
    const container = set.property(definition, 'ContainerProperties');
    if (container) containers.push({ ...container, TaskRoleArn: container.JobRoleArn });
    for (const task of set.property(definition, 'EcsProperties.TaskProperties') ?? []) {
      for (const c of task.Containers ?? []) containers.push({ ...c, Volumes: task.Volumes, TaskRoleArn: task.TaskRoleArn, ExecutionRoleArn: task.ExecutionRoleArn });
    }
    for (const c of containers) {
      const why = `${definition.logicalId}`;
      for (const volume of c.Volumes ?? []) {
        const efs = volume.EfsVolumeConfiguration;
        if (!efs || efs.AuthorizationConfig?.Iam !== 'ENABLED') continue;
        if (!c.TaskRoleArn) {
          calls.cannotResolve('(no job role)', 'elasticfilesystem:ClientMount', `${why} mounts volume ${volume.Name}`, 'IAM authorization is enabled but the job definition has no job role');
          continue;
        }
        const mounts = (c.MountPoints ?? []).filter((m: any) => m.SourceVolume === volume.Name);
        const write = mounts.length === 0 || mounts.some((m: any) => m.ReadOnly !== true);
        const accessPoint = efs.AuthorizationConfig.AccessPointId ? calls.accessPoint(efs.AuthorizationConfig.AccessPointId).accessPointArn : undefined;
        calls.mount(c.TaskRoleArn, calls.fileSystemArn(efs.FileSystemId), accessPoint, write, efs.TransitEncryption === 'ENABLED',
          `${why} job mounts volume '${volume.Name}'${accessPoint ? ` through ${accessPoint}` : ''}`);
      }
      if (!c.ExecutionRoleArn) continue;
      const logOptions = c.LogConfiguration?.LogDriver === 'awslogs' ? c.LogConfiguration.Options ?? {} : undefined;
      if (logOptions?.['awslogs-group']) calls.writeLogs({ role: c.ExecutionRoleArn }, logOptions['awslogs-group'], `${why} job writes its logs (awslogs driver)`);
      const image = /^(\d{12})\.dkr\.ecr\.([^.]+)\.amazonaws\.com\/([^:@]+)/.exec(String(c.Image ?? ''));
      if (image) {
        const [, account, region, repository] = image;
        calls.byRole(c.ExecutionRoleArn, 'ecr:GetAuthorizationToken', '*', `${why} pulls its image from ECR`);
        for (const action of ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage']) {
          calls.byRole(c.ExecutionRoleArn, action, `arn:aws:ecr:${region}:${account}:repository/${repository}`, `${why} pulls its image ${repository}`);
        }
      }
      for (const secret of c.Secrets ?? []) {
        const from = String(secret.ValueFrom);
        const reason = `${why} reads secret ${secret.Name} into its environment`;
        if (from.includes(':secretsmanager:')) calls.byRole(c.ExecutionRoleArn, 'secretsmanager:GetSecretValue', from.split(':').slice(0, 7).join(':'), reason);
        else calls.byRole(c.ExecutionRoleArn, 'ssm:GetParameters', from.startsWith('arn:') ? from : `arn:aws:ssm:${set.place.region}:${set.place.account}:parameter/${from.replace(/^\//, '')}`, reason);
      }
    }
  }
}
