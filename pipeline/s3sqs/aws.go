package s3sqs

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/logging"
	"github.com/awsaudit/awsaudit/conf"
	"github.com/awsaudit/awsaudit/pipeline"
)

// endpointRegion signs requests to an Endpoint_URL when nothing names a
// region: S3-compatible stores accept any.
const endpointRegion = "us-east-1"

// New starts a source on SQS and S3 clients built from the standard AWS
// chain (environment, shared config and credentials files with
// AWS_PROFILE, web identity / IRSA, ECS and EC2 instance roles) with the
// Region and Endpoint_URL overrides. Credentials are looked up once now so
// that a missing chain is logged at start-up (without any secret); they
// are not required yet, the chain may provide them later.
func New(cfg conf.S3Input, log pipeline.Logger) (*Source, error) {
	if log == nil {
		log = func(pipeline.Level, string) {}
	}
	sqsc, s3c, err := clients(cfg, log)
	if err != nil {
		return nil, err
	}
	return NewWith(cfg, sqsc, s3c, log), nil
}

// clients builds the SDK clients of New.
func clients(cfg conf.S3Input, log pipeline.Logger) (*sqs.Client, *s3.Client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The SDK logs to stderr by default; route it to the source's logger
	// at debug level (ClientLogMode stays off: no requests or signatures).
	opts := []func(*config.LoadOptions) error{config.WithLogger(logging.LoggerFunc(func(_ logging.Classification, format string, v ...any) {
		log(pipeline.LevelDebug, "aws-sdk: "+fmt.Sprintf(format, v...))
	}))}
	if cfg.Region != "" {
		opts = append(opts, config.WithRegion(cfg.Region))
	}
	awsCfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("s3sqs: AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		if cfg.EndpointURL == "" {
			return nil, nil, fmt.Errorf("s3sqs: no AWS region: set Region, use an sqs.REGION.amazonaws.com Queue_URL, or set AWS_REGION")
		}
		awsCfg.Region = endpointRegion
	}
	if _, err := awsCfg.Credentials.Retrieve(ctx); err != nil {
		log(pipeline.LevelWarn, fmt.Sprintf("no AWS credentials from the default chain yet (requests fail until there are): %v", err))
	}
	sqsc := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
		}
	})
	s3c := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.EndpointURL != "" {
			o.BaseEndpoint = aws.String(cfg.EndpointURL)
			o.UsePathStyle = true
		}
		// S3-compatible stores often send no checksum; that is not news.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	log(pipeline.LevelInfo, fmt.Sprintf("reading %s (region %s, %d workers, visibility %v, wait %v)",
		cfg.QueueURL, awsCfg.Region, cfg.Workers, cfg.VisibilityTimeout, cfg.WaitTime))
	return sqsc, s3c, nil
}
