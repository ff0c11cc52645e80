/**
 * How many transfer slots a run id maps to (see transferSlotFor in @batch-pipeline/run-contract,
 * which the functions bundle). The construct code needs it at synth time and the jsii package
 * takes no runtime dependency on a non-jsii one, so it is repeated here; a test holds both equal.
 */
export const TRANSFER_SLOTS = 60;
