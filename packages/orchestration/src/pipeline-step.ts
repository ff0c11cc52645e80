/** The steps of a run, as named in failure notifications (`failedStep`). */
export enum PipelineStep {
  STAGE_IN = 'stage in',
  PREPARE = 'prepare',
  PROCESS = 'process',
  STAGE_OUT = 'stage out',
  CLEAN_UP = 'clean up',
}
