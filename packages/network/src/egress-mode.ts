/**
 * How the pipeline's jobs reach container registries and AWS APIs.
 *
 * Monthly idle cost (us-east-1 prices, 730 hours, 2 AZs, before per-GB data processing):
 * - `NAT_GATEWAY`: one NAT gateway, about 33 USD (0.045 USD per hour).
 * - `VPC_ENDPOINTS`: 3 interface endpoints in 2 AZs, about 44 USD (0.01 USD per endpoint per AZ per hour); the S3 gateway endpoint is free.
 * - `PUBLIC_SUBNETS`: nothing, 0 USD; jobs get public IPs and no ingress.
 *
 * In every mode a new VPC gets an S3 gateway endpoint (free) on its private subnets.
 */
export enum EgressMode {
  /**
   * Jobs run in private subnets behind a single NAT gateway, as the original
   * system did. Reaches every registry; S3 traffic takes the S3 gateway endpoint
   * and pays no NAT data processing.
   */
  NAT_GATEWAY = 'NAT_GATEWAY',

  /**
   * Jobs run in isolated subnets without any internet route; an S3 gateway
   * endpoint and interface endpoints for ECR (api, dkr) and CloudWatch Logs
   * carry all traffic. Reaches only private ECR repositories of the same region.
   */
  VPC_ENDPOINTS = 'VPC_ENDPOINTS',

  /**
   * Jobs run in public subnets with a public IP and a security group without
   * ingress. Reaches every registry. The cheapest mode when idle. The isolated
   * private subnets reach S3 only, through the S3 gateway endpoint.
   */
  PUBLIC_SUBNETS = 'PUBLIC_SUBNETS',
}
