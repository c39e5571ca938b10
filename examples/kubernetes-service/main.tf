# Blue-green on Kubernetes with a Service selector flip.
#
# Two Deployments run the two colors; the Service "web" sends all traffic to
# one of them. To release: set the idle color's image, apply (its Pods roll
# out and get ready; no traffic reaches them), then set active_color to that
# color and apply again. The switch changes the Service's selector from
# color=blue to color=green only when the green Pods are ready, watches them
# for bake_time, and puts color=blue back by itself if they crash-loop.
#
# The hand-off: kubernetes_service_v1.web creates the Service with the
# starting selector and ignores it from then on; the switch owns the
# selector's "color" key. The Deployments stay yours.

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
  description = "The image each color runs."
  type        = map(string)
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

# Same conventions as the kubernetes provider (config_path, host, token, ...).
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

resource "kubernetes_service_v1" "web" {
  metadata {
    name      = "web"
    namespace = var.namespace
  }
  spec {
    selector = { app = "web", color = "blue" } # the starting color only
    port {
      port        = 80
      target_port = 8080
    }
  }
  lifecycle {
    ignore_changes = [spec[0].selector] # bluegreen_kubernetes_service_switch.web owns it
  }
}

resource "bluegreen_kubernetes_service_switch" "web" {
  namespace    = kubernetes_service_v1.web.metadata[0].namespace
  service      = kubernetes_service_v1.web.metadata[0].name
  active_color = var.active_color

  # Every Pod of the receiving color must be ready before the flip, and stay
  # ready during the bake.
  pod_readiness = {
    min_ready_count   = 3
    min_ready_percent = 100
  }
  bake_time = "5m"

  rollback_on = {
    evaluation_interval = "15s"
    failure_threshold   = 2
  }

  # The Pods exist before the flip is attempted.
  depends_on = [kubernetes_deployment_v1.web]
}

output "serving" {
  value = "${bluegreen_kubernetes_service_switch.web.active_color} (${bluegreen_kubernetes_service_switch.web.status})"
}
