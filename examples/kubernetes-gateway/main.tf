# Canary on Kubernetes through Gateway API (any implementation: Envoy
# Gateway, Istio, Cilium, NGINX Gateway Fabric, GKE, ...).
#
# Two Deployments and two Services (web-blue, web-green) run the colors; rule
# "main" of HTTPRoute "web" splits traffic between the Services by weight.
# Moving active_color to green writes 90/10, 50/50 and 0/100, each step held
# and watched; the green Pods must be ready first and stay ready, and a
# failing check puts the weights back.
#
# The hand-off: kubernetes_manifest.route creates the route with the starting
# weights and declares spec.rules computed, so the switch owns the weights.
# The switch marks the route (annotation bluegreen-tf.io/switch) so no second
# switch can fight over it.

terraform {
  required_providers {
    kubernetes = { source = "hashicorp/kubernetes", version = "~> 2.31" }
    bluegreen  = { source = "bluegreen-tf/bluegreen" }
  }
}

variable "kubeconfig" {
  type    = string
  default = "~/.kube/config"
}

variable "namespace" {
  type    = string
  default = "prod"
}

variable "images" {
  type = map(string)
  default = {
    blue  = "ghcr.io/example/web:1.4.0"
    green = "ghcr.io/example/web:1.5.0"
  }
}

variable "active_color" {
  type    = string
  default = "blue"
}

provider "kubernetes" {
  config_path = var.kubeconfig
}

provider "bluegreen" {
  kubernetes = {
    config_path = var.kubeconfig
  }
}

resource "kubernetes_deployment_v1" "web" {
  for_each = var.images

  metadata {
    name      = "web-${each.key}"
    namespace = var.namespace
  }
  spec {
    replicas = 3
    selector {
      match_labels = { app = "web", color = each.key }
    }
    template {
      metadata {
        labels = { app = "web", color = each.key }
      }
      spec {
        container {
          name  = "web"
          image = each.value
          port {
            container_port = 8080
          }
          readiness_probe {
            http_get {
              path = "/healthz"
              port = 8080
            }
          }
        }
      }
    }
  }
}

# One Service per color: the route's backendRefs.
resource "kubernetes_service_v1" "color" {
  for_each = var.images

  metadata {
    name      = "web-${each.key}"
    namespace = var.namespace
  }
  spec {
    selector = { app = "web", color = each.key }
    port {
      port        = 80
      target_port = 8080
    }
  }
}

resource "kubernetes_manifest" "route" {
  manifest = {
    apiVersion = "gateway.networking.k8s.io/v1"
    kind       = "HTTPRoute"
    metadata   = { name = "web", namespace = var.namespace }
    spec = {
      parentRefs = [{ name = "public", namespace = "infra" }]
      hostnames  = ["web.example.com"]
      rules = [{
        name = "main"
        backendRefs = [
          { name = "web-blue", port = 80, weight = 100 }, # the starting weights only
          { name = "web-green", port = 80, weight = 0 },
        ]
      }]
    }
  }
  computed_fields = ["spec.rules"] # bluegreen_gateway_route_switch.web owns the weights
}

resource "bluegreen_gateway_route_switch" "web" {
  namespace     = var.namespace
  route         = kubernetes_manifest.route.manifest.metadata.name
  rule_name     = "main"
  blue_service  = { name = kubernetes_service_v1.color["blue"].metadata[0].name, port = 80 }
  green_service = { name = kubernetes_service_v1.color["green"].metadata[0].name, port = 80 }
  active_color  = var.active_color

  pod_readiness = {
    min_ready_percent = 100
  }

  strategy = {
    type          = "canary"
    steps         = [10, 50]
    step_interval = "2m"
  }
  bake_time = "5m"

  rollback_on = {
    evaluation_interval = "20s"
    failure_threshold   = 2
  }

  depends_on = [kubernetes_deployment_v1.web]
}

output "weights" {
  value = "blue=${bluegreen_gateway_route_switch.web.blue_weight} green=${bluegreen_gateway_route_switch.web.green_weight} (${bluegreen_gateway_route_switch.web.status})"
}
