// Command terraform-provider-bluegreen is the Terraform provider that makes a
// gated, self-rolling-back blue-green deployment a property of `terraform apply`.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/bluegreen-tf/terraform-provider-bluegreen/internal/provider"
)

// version is set by goreleaser at release time.
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/bluegreen-tf/bluegreen",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err.Error())
	}
}
