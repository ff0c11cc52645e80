"""The mistakes a user makes, made from Python: each fails naming BatchPipeline and the prop as a
Python user wrote it (snake_case), with the message the pipeline README shows.

Run by run.sh after app.py, in the same virtualenv. Exits 1 on the first message that differs.
"""
import sys

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3

from batch_pipeline.batch import BatchProcessorOptions, JobImage
from batch_pipeline.orchestration import PipelineOrchestrationOptions
from batch_pipeline.pipeline import BatchPipeline
from batch_pipeline.storage import PipelineStorageProps, UploadBucketProps

IMAGE = "public.ecr.aws/docker/library/python:3.13-slim"


def error_of(**props) -> str:
    """The message BatchPipeline fails with for `props`, in a fresh stack."""
    stack = cdk.Stack(cdk.App(), "Errors", env=cdk.Environment(account="123456789012", region="eu-west-2"))
    existing = props.pop("existing_upload_bucket", None)
    if existing:
        props["existing_upload_bucket"] = s3.Bucket.from_bucket_name(stack, "Existing", existing)
    try:
        BatchPipeline(stack, "Pipeline", image=JobImage.from_registry(IMAGE), **props)
    except Exception as error:  # jsii raises the JavaScript error as a Python exception
        return str(error)
    return "(no error)"


CASES = [
    (
        "given memory that the vCPU cannot have",
        dict(processor_props=BatchProcessorOptions(vcpu=0.5, memory_mib=1000)),
        "BatchPipeline 'Pipeline': 'processor_props.memory_mib' 1000 is not valid with 'vcpu' 0.5; "
        "allowed: 1024-4096 in steps of 1024",
    ),
    (
        "given a watch prefix without '/'",
        dict(watch_prefix="incoming"),
        "BatchPipeline 'Pipeline': 'watch_prefix' incoming is not valid; allowed: '' or one or more folder names",
    ),
    (
        "given both an existing upload bucket and upload bucket props",
        dict(existing_upload_bucket="my-uploads",
             storage_props=PipelineStorageProps(uploads=UploadBucketProps(intelligent_tiering=True))),
        "BatchPipeline 'Pipeline': 'storage_props.uploads' is not valid together with 'existing_upload_bucket'; "
        "allowed: either 'existing_upload_bucket' or 'storage_props.uploads', not both (an existing bucket is used as it is)",
    ),
    (
        "given a run timeout shorter than the steps",
        dict(orchestration_props=PipelineOrchestrationOptions(run_timeout=cdk.Duration.minutes(30))),
        "BatchPipeline 'Pipeline': 'orchestration_props.run_timeout' 30 minutes is shorter than the step timeouts together",
    ),
]

failed = 0
for given, props, expected in CASES:
    message = error_of(**props)
    if expected in message:
        print(f"python errors: {given}: ok")
    else:
        failed += 1
        print(f"python errors: {given}: expected the message to contain\n  {expected}\nbut it was\n  {message}", file=sys.stderr)
sys.exit(1 if failed else 0)
