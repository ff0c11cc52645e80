import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PipelineModel } from '../../src/model/pipeline-model';
import { StateDirectory } from '../../src/runtime/state-directory';
import { RuntimeEvent, ServiceContext } from '../../src/services/task-integration';

export const TEST_STATE_MACHINE_ARN = 'arn:aws:states:eu-west-2:123456789012:stateMachine:Pipeline';

/** The execution a test call belongs to. */
export const TEST_EXECUTION = { name: 'run-1', arn: 'arn:aws:states:eu-west-2:123456789012:execution:Pipeline:run-1' };

/** A pipeline model with no resources but those `changes` give, for the service emulators' tests. */
export function testModel(changes: Partial<PipelineModel> = {}): PipelineModel {
  return {
    stackName: 'Test',
    region: 'eu-west-2',
    account: '123456789012',
    stateMachine: { logicalId: 'StateMachine', name: 'Pipeline', arn: TEST_STATE_MACHINE_ARN, definition: {} },
    uploadTriggers: [],
    buckets: new Map(),
    functions: new Map(),
    fileSystems: new Map(),
    dataSyncLocations: new Map(),
    dataSyncTasks: new Map(),
    jobQueues: new Map(),
    jobDefinitions: new Map(),
    topics: new Map(),
    ...changes,
  };
}

/** A fresh state directory per test (beforeEach, removed afterEach) and the events emitted into it. */
export interface TestState {
  readonly root: string;
  readonly state: StateDirectory;
  readonly events: RuntimeEvent[];
  /** The context a service gets, with this test's model. */
  context(model: PipelineModel): ServiceContext;
}

export function useTestState(prefix: string): TestState {
  const current: { root?: string; state?: StateDirectory; events: RuntimeEvent[] } = { events: [] };
  beforeEach(() => {
    current.root = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
    current.state = StateDirectory.open(current.root);
    current.events = [];
  });
  afterEach(() => rmSync(current.root!, { recursive: true, force: true }));
  return {
    get root() { return current.root!; },
    get state() { return current.state!; },
    get events() { return current.events; },
    context: (model) => ({ model, state: current.state!, timeScale: 1, events: { emit: (event) => current.events.push(event) } }),
  };
}
