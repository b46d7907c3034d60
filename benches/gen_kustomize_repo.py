#!/usr/bin/env python3
"""Deterministic generator of a repository of N kustomizations for the render
bench: apps with a base (Deployment, Service, ServiceAccount + RoleBinding,
a ConfigMap generator) and two overlays (staging, production: namespace,
name prefix, labels, annotations, images, replicas, a strategic-merge patch
file, an inline patch, a JSON 6902 patch, a merging ConfigMap generator),
every production overlay using a shared Component. One directory per
kustomization; `kustomizations.txt` lists them (what the bench renders).

Two Flux clusters, `clusters/staging` and `clusters/production`, each with its
bootstrap (`flux-system/gotk-sync.yaml`) and one Flux Kustomization per app
overlay of its environment, with `postBuild.substitute` (`cluster_env`,
`region`) that the bases read (`${cluster_env}`, `${region:=eu-west-1}`): what
`hubspoke_render::render` renders per cluster (the `render/flux-clusters` bench).

Usage: benches/gen_kustomize_repo.py --kustomizations 1000 --out target/render-bench-repo
Standard library only; same arguments, same bytes.
"""

import argparse
import os

BASE = """resources:
  - deployment.yaml
  - service.yaml
  - rbac.yaml
configMapGenerator:
  - name: {app}-settings
    literals:
      - LOG_LEVEL=info
      - APP={app}
"""

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app: {app}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {app}
  template:
    metadata:
      labels:
        app: {app}
      annotations:
        cluster: ${{cluster_env}}
        region: ${{region:=eu-west-1}}
    spec:
      serviceAccountName: {app}
      containers:
        - name: {app}
          image: registry.example.com/{app}:1.0.{n}
          ports:
            - containerPort: 8080
          envFrom:
            - configMapRef:
                name: {app}-settings
          resources:
            requests:
              cpu: 50m
        - name: proxy
          image: envoyproxy/envoy:v1.30.0
      volumes:
        - name: config
          configMap:
            name: {app}-settings
"""

SERVICE = """apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  selector:
    app: {app}
  ports:
    - port: 80
      targetPort: 8080
"""

RBAC = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: {app}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {app}-view
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
subjects:
  - kind: ServiceAccount
    name: {app}
"""

OVERLAY = """namespace: {app}-{env}
namePrefix: {env}-
labels:
  - pairs:
      env: {env}
    includeSelectors: true
commonAnnotations:
  team: team-{team}
resources:
  - ../../base
{components}images:
  - name: registry.example.com/{app}
    newTag: "2.{n}.0"
replicas:
  - name: {app}
    count: {replicas}
configMapGenerator:
  - name: {app}-settings
    behavior: merge
    literals:
      - LOG_LEVEL={level}
patches:
  - path: resources.yaml
  - target:
      kind: Deployment
      name: {app}
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: {app}
      spec:
        template:
          spec:
            containers:
              - name: {app}
                securityContext:
                  runAsNonRoot: true
  - target:
      kind: Service
    patch: |-
      - op: add
        path: /spec/ports/-
        value:
          name: metrics
          port: 9090
"""

RESOURCES_PATCH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
spec:
  template:
    spec:
      containers:
        - name: {app}
          resources:
            limits:
              memory: {memory}Mi
"""

COMPONENT = """apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
  - target:
      kind: Deployment
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: any
        annotations:
          prometheus.io/scrape: "true"
"""


GOTK_SYNC = """apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/example/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/{env}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"""

FLUX_APP = """---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {app}
  namespace: flux-system
spec:
  interval: 10m
  path: ./apps/{app}/overlays/{env}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
  postBuild:
    substitute:
      cluster_env: {env}
"""


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="\n") as f:
        f.write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--kustomizations", type=int, default=1000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    out = args.out
    dirs = ["components/monitoring"]
    write(os.path.join(out, "components/monitoring/kustomization.yaml"), COMPONENT)
    n = 0
    while len(dirs) < args.kustomizations:
        app = f"app-{n:04d}"
        base = f"apps/{app}/base"
        fields = dict(app=app, n=n, team=n % 17)
        write(os.path.join(out, base, "kustomization.yaml"), BASE.format(**fields))
        write(os.path.join(out, base, "deployment.yaml"), DEPLOYMENT.format(**fields))
        write(os.path.join(out, base, "service.yaml"), SERVICE.format(**fields))
        write(os.path.join(out, base, "rbac.yaml"), RBAC.format(**fields))
        dirs.append(base)
        for env, replicas, level, memory in (("staging", 1, "debug", 256), ("production", 3, "warn", 512)):
            if len(dirs) >= args.kustomizations:
                break
            overlay = f"apps/{app}/overlays/{env}"
            components = "components:\n  - ../../../../components/monitoring\n" if env == "production" else ""
            write(
                os.path.join(out, overlay, "kustomization.yaml"),
                OVERLAY.format(env=env, replicas=replicas, level=level, components=components, **fields),
            )
            write(os.path.join(out, overlay, "resources.yaml"), RESOURCES_PATCH.format(memory=memory, **fields))
            dirs.append(overlay)
        n += 1
    write(os.path.join(out, "kustomizations.txt"), "\n".join(dirs) + "\n")
    for env in ("staging", "production"):
        write(os.path.join(out, f"clusters/{env}/flux-system/gotk-sync.yaml"), GOTK_SYNC.format(env=env))
        write(
            os.path.join(out, f"clusters/{env}/flux-system/kustomization.yaml"),
            "resources:\n  - gotk-sync.yaml\n",
        )
        apps = [d.split("/")[1] for d in dirs if d.endswith(f"/overlays/{env}")]
        write(
            os.path.join(out, f"clusters/{env}/apps.yaml"),
            "".join(FLUX_APP.format(app=app, env=env) for app in apps),
        )
    print(f"{out}: {len(dirs)} kustomizations")


if __name__ == "__main__":
    main()
