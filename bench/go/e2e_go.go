// e2e_go.go - the reference of bench/e2e_bench.c in the AWS SDK for Go v2
// (Debian: golang-github-aws-aws-sdk-go-v2-dev): the same GetItem and
// PutItem of PynamoDB's UserModel against $DDB_TEST_ENDPOINT, sequential
// on one client, with the client CPU per call (getrusage), printed as
// "RESULT go_<measure> <value> <unit>" lines for scripts/bench.sh.
//
// Build (GOPATH mode, Debian's sources, no network):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o e2e_go bench/go/e2e_go.go
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func cpuSeconds() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func main() {
	endpoint := os.Getenv("DDB_TEST_ENDPOINT")
	if endpoint == "" {
		fmt.Fprintln(os.Stderr, "e2e_go: DDB_TEST_ENDPOINT must name the engine")
		os.Exit(2)
	}
	count := 5000
	if len(os.Args) > 1 {
		count, _ = strconv.Atoi(os.Args[1])
	}
	client := dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		EndpointResolver: dynamodb.EndpointResolverFromURL(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(os.Getenv("AWS_ACCESS_KEY_ID"),
			os.Getenv("AWS_SECRET_ACCESS_KEY"), ""),
		RetryMaxAttempts: 3,
	})
	ctx := context.Background()
	item := map[string]types.AttributeValue{
		"user_name": s("username"), "email": s("some_user@gmail.com"), "first_name": s("John"),
		"last_name": s("Doe"), "phone_number": s("4155551111"), "country": s("USA"),
		"preferences": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"timezone": s("America/New_York"), "allows_notifications": &types.AttributeValueMemberBOOL{Value: true},
			"date_of_birth": s("2022-10-26T20:00:00.000000+0000")}},
		"last_login": s("2022-10-27T20:00:00.000000+0000"),
	}
	put := func() error {
		_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("User"), Item: item})
		return err
	}
	get := func() error {
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("User"),
			Key: map[string]types.AttributeValue{"user_name": s("username")}})
		if err == nil && out.Item == nil {
			err = fmt.Errorf("no item")
		}
		return err
	}
	measure := func(name string, fn func() error) {
		for i := 0; i < count/10+1; i++ {
			if err := fn(); err != nil {
				fmt.Fprintln(os.Stderr, "e2e_go:", name, err)
				os.Exit(1)
			}
		}
		// best of 3 rounds, rate and CPU each, as e2e_bench.c measures
		rate, cpuUs := 0.0, 1e300
		for round := 0; round < 3; round++ {
			w0, c0 := time.Now(), cpuSeconds()
			for i := 0; i < count; i++ {
				if err := fn(); err != nil {
					fmt.Fprintln(os.Stderr, "e2e_go:", name, err)
					os.Exit(1)
				}
			}
			wall, cpu := time.Since(w0).Seconds(), cpuSeconds()-c0
			if r := float64(count) / wall; r > rate {
				rate = r
			}
			if c := cpu / float64(count) * 1e6; c < cpuUs {
				cpuUs = c
			}
		}
		fmt.Printf("AWS SDK for Go v2: %s %10.0f calls/s %9.1f us CPU/call\n", name, rate, cpuUs)
		fmt.Printf("RESULT go_%s_rate %.0f calls/s\nRESULT go_%s_cpu %.2f us\n", name, rate, name, cpuUs)
	}
	if err := put(); err != nil { // the table exists: e2e_bench made it
		fmt.Fprintln(os.Stderr, "e2e_go: first put:", err)
		os.Exit(1)
	}
	measure("get_seq", get)
	measure("put_seq", put)
}
