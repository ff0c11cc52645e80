package dev.batchpipeline.smoke;

import java.nio.file.Path;
import java.util.List;

import dev.batchpipeline.batch.BatchProcessorOptions;
import dev.batchpipeline.batch.JobImage;
import dev.batchpipeline.network.EgressMode;
import dev.batchpipeline.network.PipelineNetworkProps;
import dev.batchpipeline.orchestration.PipelineOrchestrationOptions;
import dev.batchpipeline.orchestration.StagingStrategy;
import dev.batchpipeline.pipeline.BatchPipeline;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.constructs.Construct;

/**
 * The example pipeline of apps/example, written in Java against the jsii-built jars.
 *
 * <p>It builds the same stack as apps/example/src/example-pipeline-stack.ts with the default
 * context (PUBLIC_SUBNETS egress, AUTO staging, no desktop) and the same outputs, so that
 * test/templates.test.ts can compare its template with the TypeScript one. It runs without
 * esbuild and without Docker: the Lambda handlers come pre-bundled inside the packages.
 */
public final class ExampleApp {
    /** The constants of example-pipeline-stack.ts. */
    static final List<String> LOCAL_JOB_COMMAND = List.of("node", "job/report.mjs");
    static final String EXAMPLE_CIDR = "10.0.0.0/25";
    static final int EXAMPLE_MAX_VCPUS = 11;

    /** The example stack with the default context. */
    static final class ExamplePipelineStack extends Stack {
        ExamplePipelineStack(final Construct scope, final String id, final StackProps props, final Path jobDirectory) {
            super(scope, id, props);
            BatchPipeline.Builder.create(this, "Pipeline")
                .image(JobImage.fromAsset(jobDirectory.toString()))
                .watchPrefix("incoming/")
                .networkProps(PipelineNetworkProps.builder()
                    .egress(EgressMode.PUBLIC_SUBNETS)
                    .cidr(EXAMPLE_CIDR)
                    .build())
                .processorProps(BatchProcessorOptions.builder()
                    .localCommand(LOCAL_JOB_COMMAND)
                    .vcpu(0.25)
                    .memoryMiB(512)
                    .maxvCpus(EXAMPLE_MAX_VCPUS)
                    .build())
                .orchestrationProps(PipelineOrchestrationOptions.builder()
                    .staging(StagingStrategy.AUTO)
                    .build())
                .build();

            // The stack outputs (where to upload, where reports land, ...) come from BatchPipeline itself.
        }
    }

    private ExampleApp() {
    }

    public static void main(final String[] args) {
        String outdir = System.getenv("CDK_OUTDIR");
        if (outdir == null || outdir.isEmpty()) {
            throw new IllegalStateException("ExampleApp: set CDK_OUTDIR to the directory the cloud assembly goes to");
        }
        // The sample job of the example app: the same directory gives the same image asset hash.
        // Maven runs the app in test/java-app, three levels below the repository root.
        Path jobDirectory = Path.of("..", "..", "..", "apps", "example", "job").toAbsolutePath().normalize();
        App app = new App(AppProps.builder().outdir(outdir).build());
        new ExamplePipelineStack(app, "BatchPipelineExample", StackProps.builder()
            .env(Environment.builder().account("123456789012").region("eu-west-2").build())
            .build(), jobDirectory);
        CloudAssembly assembly = app.synth();
        System.out.println("java: synthesized " + assembly.getStackArtifact("BatchPipelineExample").getStackName()
            + " into " + assembly.getDirectory());
    }
}
