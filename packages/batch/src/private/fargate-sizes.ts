/** Memory choices (MiB) Fargate offers for one vCPU setting. */
export interface FargateMemoryRange {
  /** vCPUs of the job. */
  readonly vcpu: number;
  /** Allowed memory values in MiB, in ascending order. */
  readonly memoryMiB: number[];
  /** How the allowed values read in an error message. */
  readonly description: string;
}

function range(from: number, to: number, step: number): FargateMemoryRange['memoryMiB'] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) {
    values.push(value);
  }
  return values;
}

function stepped(vcpu: number, from: number, to: number, step: number): FargateMemoryRange {
  return { vcpu, memoryMiB: range(from, to, step), description: `${from}-${to} in steps of ${step}` };
}

/**
 * The CPU and memory combinations AWS Fargate accepts for Linux tasks
 * (https://docs.aws.amazon.com/batch/latest/userguide/fargate.html).
 */
export const FARGATE_SIZES: FargateMemoryRange[] = [
  { vcpu: 0.25, memoryMiB: [512, 1024, 2048], description: '512, 1024, 2048' },
  stepped(0.5, 1024, 4096, 1024),
  stepped(1, 2048, 8192, 1024),
  stepped(2, 4096, 16384, 1024),
  stepped(4, 8192, 30720, 1024),
  stepped(8, 16384, 61440, 4096),
  stepped(16, 32768, 122880, 8192),
];

/** The vCPU values Fargate accepts. */
export const FARGATE_VCPUS: number[] = FARGATE_SIZES.map((size) => size.vcpu);

/** The memory choices for a vCPU value, or undefined when Fargate does not offer that vCPU value. */
export function fargateMemoryFor(vcpu: number): FargateMemoryRange | undefined {
  return FARGATE_SIZES.find((size) => size.vcpu === vcpu);
}
