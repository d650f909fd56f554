// Package k8s holds Kubernetes manifests for lotsense-cloud replicas (README.md) and a
// test that parses them, and deploy/emqx's, and checks what the replicas rely on:
// probes on GET /healthz, the shared-subscription group, Secrets mounted as files.
package k8s
