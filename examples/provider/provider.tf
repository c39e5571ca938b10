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

# Kubernetes switches only (no AWS region needed), in the kubernetes
# provider's conventions; KUBE_CONFIG_PATH, KUBE_HOST, KUBE_TOKEN, ... work too:
# provider "bluegreen" {
#   kubernetes = {
#     config_path    = "~/.kube/config"
#     config_context = "prod"
#   }
# }
#
# or for EKS:
# provider "bluegreen" {
#   kubernetes = {
#     host                   = data.aws_eks_cluster.prod.endpoint
#     cluster_ca_certificate = base64decode(data.aws_eks_cluster.prod.certificate_authority[0].data)
#     exec = {
#       api_version = "client.authentication.k8s.io/v1beta1"
#       command     = "aws"
#       args        = ["eks", "get-token", "--cluster-name", "prod"]
#     }
#   }
# }
