// The example pipeline of apps/example in Go, against the Go modules jsii-pacmak generated.
//
// `go build` compiling this program compiles every generated module (the packages it does not
// use directly are imported for their side effect of being compiled) against the jsii Go
// runtime and aws-cdk-go. It builds the same stack as apps/example/src/example-pipeline-stack.ts
// with the default context; run it with CDK_OUTDIR set to synthesize it.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	_ "github.com/batch-pipeline/batch-pipeline-go/appstream"
	"github.com/batch-pipeline/batch-pipeline-go/batch"
	_ "github.com/batch-pipeline/batch-pipeline-go/datasync"
	"github.com/batch-pipeline/batch-pipeline-go/network"
	"github.com/batch-pipeline/batch-pipeline-go/orchestration"
	"github.com/batch-pipeline/batch-pipeline-go/pipeline"
	_ "github.com/batch-pipeline/batch-pipeline-go/storage"
)

// The constants of example-pipeline-stack.ts.
const (
	exampleCidr     = "10.0.0.0/25"
	exampleMaxVcpus = 11
)

func newExamplePipelineStack(scope constructs.Construct, id string, props *awscdk.StackProps, jobDirectory string) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	p := pipeline.NewBatchPipeline(stack, jsii.String("Pipeline"), &pipeline.BatchPipelineProps{
		Image:       batch.JobImage_FromAsset(jsii.String(jobDirectory), nil),
		WatchPrefix: jsii.String("incoming/"),
		NetworkProps: &network.PipelineNetworkProps{
			Egress: network.EgressMode_PUBLIC_SUBNETS,
			Cidr:   jsii.String(exampleCidr),
		},
		ProcessorProps: &batch.BatchProcessorOptions{
			LocalCommand: jsii.Strings("node", "job/report.mjs"),
			Vcpu:         jsii.Number(0.25),
			MemoryMiB:    jsii.Number(512),
			MaxvCpus:     jsii.Number(exampleMaxVcpus),
		},
		OrchestrationProps: &orchestration.PipelineOrchestrationOptions{
			Staging: orchestration.StagingStrategy_AUTO,
		},
	})
	output := func(id string, value *string, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	watchPrefix := *p.WatchPrefix()
	reportsPrefix := *p.ReportsPrefix()
	output("UploadBucketName", p.Storage().Uploads().Bucket().BucketName(),
		"Upload a file under s3://<this bucket>/"+watchPrefix+" to start a run")
	output("WatchPrefix", jsii.String(watchPrefix), "Key prefix of the upload bucket that starts runs")
	output("ReportsBucketName", p.Storage().ReportsBucket().BucketName(),
		"Reports land under "+reportsPrefix+"runs/<runId>/out/ in this bucket")
	output("ReportsPrefix", jsii.String(reportsPrefix), "Key prefix of the reports bucket that reports go under")
	output("StateMachineArn", p.StateMachine().StateMachineArn(), "One execution per upload, named after the run id")
	output("NotificationTopicArn", p.NotificationTopic().TopicArn(), "Failure notifications (one per failed run); subscribe to it")
	if p.Dashboard() != nil {
		output("DashboardName", p.Dashboard().DashboardName(),
			"CloudWatch dashboard of the runs, their duration, trigger errors, dead letters and alarms")
	}
	return stack
}

func main() {
	defer jsii.Close()
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		fmt.Fprintln(os.Stderr, "go-build: set CDK_OUTDIR to the directory the cloud assembly goes to")
		os.Exit(1)
	}
	// The sample job of the example app, found from the working directory (test/go-build).
	jobDirectory, err := filepath.Abs(filepath.Join("..", "..", "..", "apps", "example", "job"))
	if err != nil {
		panic(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	newExamplePipelineStack(app, "BatchPipelineExample", &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("eu-west-2")},
	}, jobDirectory)
	assembly := app.Synth(nil)
	fmt.Printf("go: synthesized %s into %s\n", *assembly.GetStackArtifact(jsii.String("BatchPipelineExample")).StackName(), *assembly.Directory())
}
