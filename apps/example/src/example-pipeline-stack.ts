import { Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { EgressMode, PipelineNetwork } from '@batch-pipeline/network';

export interface ExamplePipelineStackProps extends StackProps {
  /** How jobs reach registries; the example uses the cheapest mode when idle. */
  readonly egress?: EgressMode;
}

/** The batch pipeline, composed from the construct packages with their safe defaults. */
export class ExamplePipelineStack extends Stack {
  public readonly network: PipelineNetwork;

  constructor(scope: Construct, id: string, props: ExamplePipelineStackProps = {}) {
    super(scope, id, props);
    this.network = new PipelineNetwork(this, 'Network', {
      egress: props.egress ?? EgressMode.PUBLIC_SUBNETS,
      cidr: '10.0.0.0/25',
    });
  }
}
