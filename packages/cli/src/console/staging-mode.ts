import { PipelineModel } from '@batch-pipeline/local';

/** How a pipeline stages its files, as its definition shows it. */
export interface StagingMode {
  /** AUTO, DIRECT or DATASYNC (the StagingStrategy the pipeline was built with). */
  readonly mode: 'AUTO' | 'DIRECT' | 'DATASYNC';
  /** For AUTO: the largest input (bytes) the workspace function copies directly. */
  readonly directUpToBytes?: number;
}

/**
 * The staging strategy read from the state machine: DataSync tasks and a Choice on the input's
 * `$.size` (AUTO: direct up to that size, DataSync above), DataSync tasks only (DATASYNC), or
 * none (DIRECT: the workspace function copies both ways).
 */
export function stagingOf(model: PipelineModel): StagingMode {
  const definition = model.stateMachine.definition as { States?: Record<string, { Type?: string; Choices?: Array<Record<string, unknown>> }> };
  const text = JSON.stringify(definition);
  if (!text.includes('datasync:startTaskExecution')) return { mode: 'DIRECT' };
  for (const state of Object.values(definition.States ?? {})) {
    const bySize = state.Type === 'Choice' ? (state.Choices ?? []).find((choice) => choice.Variable === '$.size') : undefined;
    if (bySize) {
      const limit = Object.entries(bySize).find(([name]) => name.startsWith('Numeric'))?.[1];
      return { mode: 'AUTO', ...(typeof limit === 'number' ? { directUpToBytes: limit } : {}) };
    }
  }
  return { mode: 'DATASYNC' };
}
