import { Template } from 'aws-cdk-lib/assertions';

type Resources = Record<string, { Type: string; Properties: any }>;

function resources(template: Template, type: string): Array<[string, any]> {
  return Object.entries(template.toJSON().Resources as Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([id, resource]) => [id, resource.Properties]);
}

/** The prefix of the trigger's S3 event notification (one per suffix, all with this prefix). */
export function triggerPrefixes(template: Template): string[] {
  return resources(template, 'Custom::S3BucketNotifications').flatMap(([, props]) =>
    props.NotificationConfiguration.LambdaFunctionConfigurations.map((config: any) =>
      config.Filter?.Key?.FilterRules?.find((rule: any) => rule.Name === 'prefix')?.Value ?? ''));
}

/** The trigger function's environment. */
export function triggerEnvironment(template: Template): Record<string, unknown> {
  const [, props] = resources(template, 'AWS::Lambda::Function').find(([id]) => id.includes('TriggerFunction'))!;
  return props.Environment.Variables;
}

/** The subdirectory of the DataSync location whose logical id contains `name` (e.g. `StageInSource`). */
export function locationSubdirectory(template: Template, name: string): string | undefined {
  const found = [...resources(template, 'AWS::DataSync::LocationS3'), ...resources(template, 'AWS::DataSync::LocationEFS')]
    .find(([id]) => id.includes(name));
  return found?.[1].Subdirectory;
}

/** The state machine's definition, as one string with its tokens left as they are. */
export function definition(template: Template): string {
  const [[, props]] = resources(template, 'AWS::StepFunctions::StateMachine');
  return JSON.stringify(props.DefinitionString);
}

/** Where the job definition mounts the access point. */
export function jobMountPaths(template: Template): string[] {
  return resources(template, 'AWS::Batch::JobDefinition').flatMap(([, props]) =>
    props.ContainerProperties.MountPoints.map((mount: any) => mount.ContainerPath));
}
