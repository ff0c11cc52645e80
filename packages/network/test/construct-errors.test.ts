import { App, Stack } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ConstructErrors, inLanguage } from '../src/construct-errors';

describe('ConstructErrors names a construct and its props as the user wrote them', () => {
  test('given a construct nobody told about, then its errors name its own type and id', () => {
    const part = new Construct(new Stack(new App(), 'S'), 'Part');
    const errors = ConstructErrors.of(part, 'Part');
    expect(errors.invalid('memoryMiB', '1000', '1024').message).toBe("Part 'Part': 'memoryMiB' 1000 is not valid; allowed: 1024");
  });

  test('given a composite that told its part where its props come from, then the part\'s errors name the composite and the path', () => {
    // Given a composite that passes its 'processorProps' to a part and its own 'image' as the part's 'image'
    const composite = new Construct(new Stack(new App(), 'S'), 'Pipeline');
    const outer = ConstructErrors.of(composite, 'BatchPipeline');
    outer.tellPart(composite, 'Processor', 'processorProps', { image: 'image' });
    // When the part gets its errors
    const errors = ConstructErrors.of(new Construct(composite, 'Processor'), 'BatchProcessor');
    // Then they are the composite's, with the props as the user set them
    expect(errors.error(`${errors.prop('memoryMiB')} 1000`).message).toBe("BatchPipeline 'Pipeline': 'processorProps.memoryMiB' 1000");
    expect(errors.prop('image')).toBe("'image'");
  });

  test('given composites in composites, then the names compose down to the outermost', () => {
    const pipeline = new Construct(new Stack(new App(), 'S'), 'Pipeline');
    ConstructErrors.of(pipeline, 'BatchPipeline').tellPart(pipeline, 'Orchestration', 'orchestrationProps', { uploadPrefix: 'watchPrefix' });
    const orchestration = new Construct(pipeline, 'Orchestration');
    ConstructErrors.of(orchestration, 'PipelineOrchestration').tellPart(orchestration, 'Workflow', '');
    const workflow = ConstructErrors.of(new Construct(orchestration, 'Workflow'), 'PipelineStateMachine');
    expect(workflow.label).toBe("BatchPipeline 'Pipeline'");
    expect(workflow.prop('runTimeout')).toBe("'orchestrationProps.runTimeout'");
    expect(workflow.prop('uploadPrefix')).toBe("'watchPrefix'");
  });

  test('given a part of the same id under another scope, then it is not named by what another composite told', () => {
    const stack = new Stack(new App(), 'S');
    const composite = new Construct(stack, 'Pipeline');
    ConstructErrors.of(composite, 'BatchPipeline').tellPart(composite, 'Processor', 'processorProps');
    expect(ConstructErrors.of(new Construct(stack, 'Processor'), 'BatchProcessor').label).toBe("BatchProcessor 'Processor'");
  });
});

describe('a prop path in the jsii consumer\'s language', () => {
  test.each([
    [undefined, 'processorProps.memoryMiB', 'processorProps.memoryMiB'],
    ['Java/17.0.2', 'processorProps.memoryMiB', 'processorProps.memoryMiB'],
    ['Python/3.11.2', 'processorProps.memoryMiB', 'processor_props.memory_mib'],
    ['Python/3.11.2', 'processorProps.maxvCpus', 'processor_props.maxv_cpus'],
    ['Python/3.11.2', 'processorProps.ephemeralStorageGiB', 'processor_props.ephemeral_storage_gib'],
    ['Python/3.11.2', 'storageProps.fileSystem.provisionedThroughputMiBps', 'storage_props.file_system.provisioned_throughput_mi_bps'],
    ['Python/3.11.2', 'existingUploadBucket', 'existing_upload_bucket'],
    ['golang/go1.26.8', 'orchestrationProps.runTimeout', 'OrchestrationProps.RunTimeout'],
    ['DotNet/8.0.0', 'watchPrefix', 'WatchPrefix'],
  ])('given JSII_AGENT %s, then %s is %s', (agent, path, expected) => {
    expect(inLanguage(path, agent)).toBe(expected);
  });
});
