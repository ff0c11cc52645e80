"""The example pipeline of apps/example, written in Python against the jsii-built wheels.

It builds the same stack as apps/example/src/example-pipeline-stack.ts with the default
context (PUBLIC_SUBNETS egress, AUTO staging, no desktop) and the same outputs, so that
test/templates.test.ts can compare its template with the TypeScript one. It runs without
esbuild and without Docker: the Lambda handlers come pre-bundled inside the packages, and a
Docker image asset is only hashed at synth time (it is built when it is published).
"""
import os
import sys

import aws_cdk as cdk
from constructs import Construct

from batch_pipeline.batch import BatchProcessorOptions, JobImage
from batch_pipeline.network import EgressMode, PipelineNetworkProps
from batch_pipeline.orchestration import PipelineOrchestrationOptions, StagingStrategy
from batch_pipeline.pipeline import BatchPipeline

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
# The sample job of the example app: the same directory gives the same image asset hash.
JOB_DIRECTORY = os.path.join(REPO_ROOT, "apps", "example", "job")
# The constants of example-pipeline-stack.ts.
LOCAL_JOB_COMMAND = ["node", "job/report.mjs"]
EXAMPLE_CIDR = "10.0.0.0/25"
EXAMPLE_MAX_VCPUS = 11


class ExamplePipelineStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        self.pipeline = BatchPipeline(
            self,
            "Pipeline",
            image=JobImage.from_asset(JOB_DIRECTORY),
            watch_prefix="incoming/",
            network_props=PipelineNetworkProps(egress=EgressMode.PUBLIC_SUBNETS, cidr=EXAMPLE_CIDR),
            processor_props=BatchProcessorOptions(
                local_command=LOCAL_JOB_COMMAND,
                vcpu=0.25,
                memory_mib=512,
                maxv_cpus=EXAMPLE_MAX_VCPUS,
            ),
            orchestration_props=PipelineOrchestrationOptions(staging=StagingStrategy.AUTO),
        )
        # The stack outputs (where to upload, where reports land, ...) come from BatchPipeline itself.


def main() -> None:
    outdir = os.environ.get("CDK_OUTDIR")
    if not outdir:
        sys.exit("app.py: set CDK_OUTDIR to the directory the cloud assembly goes to")
    app = cdk.App(outdir=outdir)
    ExamplePipelineStack(app, "BatchPipelineExample",
                         env=cdk.Environment(account="123456789012", region="eu-west-2"))
    assembly = app.synth()
    stack = assembly.get_stack_artifact("BatchPipelineExample")
    print(f"python: synthesized {stack.stack_name} into {assembly.directory}")


if __name__ == "__main__":
    main()
