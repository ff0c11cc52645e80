/** What the console's API answers (src/console/console-api.ts). */
export interface GraphNode { id: string; type: string; resource?: string }
export interface GraphEdge { from: string; to: string; kind: 'next' | 'choice' | 'default' | 'catch' }
export interface StateGraph { startAt: string; nodes: GraphNode[]; edges: GraphEdge[] }
export type StateOutcome = 'succeeded' | 'failed' | 'running' | 'caught';
export interface RunPath {
  states: Record<string, { outcome: StateOutcome; entered: number; durationMs: number }>;
  transitions: Array<{ from: string; to: string }>;
}
export interface Overview {
  stackName: string;
  pipeline: string;
  stateMachineArn: string;
  where: string;
  upload: { bucket: string; prefix: string; suffixes: string[]; limitBytes: number };
  reports?: string;
  staging: { mode: string; directUpToBytes?: number };
  graph: StateGraph;
  statuses: string[];
}
export interface RunRow { run: string; status: string; started?: string; durationMs?: number; inputKey?: string; failedStep?: string; described: boolean }
export interface RunView {
  run: string;
  status: string;
  input: { runId?: string; bucket?: string; key?: string; versionId?: string | null; size?: number };
  started?: string;
  stopped?: string;
  durationMs?: number;
  error?: string;
  cause?: string;
  failedStep?: string;
  path: RunPath;
  jobs: Array<{ jobId?: string; jobName?: string; status?: string; statusReason?: string; waiting: boolean }>;
  notifications: Array<{ state?: string; topicArn?: string; subject?: string; message: string; published: boolean }>;
  reports?: string;
}
export interface LogLine { source: string; timestamp: number; message: string }
export interface Report { name: string; key: string; size: number }
export interface CostLine { item: string; quantity: number; unit: string; usd: number; note?: string }
export interface RunCost { runId: string; lines: CostLine[]; totalUsd: number; origin: string; region: string; estimateOf: string }
export type IdleCost = { unavailable: string } | { region: string; lines: CostLine[]; totalUsd: number; assumptions: string[]; origin: string; estimateOf: string };
export interface PipelineView extends Overview {
  idleCost: IdleCost;
  resources: Array<{ logicalId?: string; type?: string; physicalId?: string; status?: string }>;
  recentRuns: Array<{ run: string; status: string; started?: string; durationMs?: number }>;
}
