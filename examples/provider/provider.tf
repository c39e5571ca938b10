# Credentials come from the AWS SDK's default chain (environment, profile,
# SSO, web identity, instance role). Everything here is optional.
provider "bluegreen" {
  region      = "eu-west-1"
  max_retries = 10

  assume_role {
    role_arn     = "arn:aws:iam::123456789012:role/deployer"
    session_name = "terraform-bluegreen"
    duration     = "1h"
  }

  default_tags {
    tags = {
      team = "payments"
    }
  }
}

# Against the local sandbox (make sandbox) instead of AWS:
# provider "bluegreen" {
#   region = "us-east-1"
#   endpoints {
#     elbv2      = "http://127.0.0.1:4566"
#     cloudwatch = "http://127.0.0.1:4566"
#     sts        = "http://127.0.0.1:4566"
#   }
# }
