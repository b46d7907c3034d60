//! The manifest the re-lint benches type in (shared by `hubspoke-lsp`'s
//! `relint` and `hubspoke-lint`'s `lsp_stdio`, which include this file).

/// Deployment + Service pairs of 40 lines; `replicas` is the character we change.
pub fn manifest(replicas: &[u32]) -> String {
    let mut text = String::new();
    for (i, count) in replicas.iter().enumerate() {
        text.push_str(&format!(
            "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: team-a
  labels:
    app: web-{i}
spec:
  replicas: {count}
  selector:
    matchLabels:
      app: web-{i}
  template:
    metadata:
      labels:
        app: web-{i}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/web:1.{i}.0
          ports:
            - containerPort: 8080
          resources:
            limits:
              memory: 128Mi
          securityContext:
            privileged: true
---
apiVersion: v1
kind: Service
metadata:
  name: web-{i}
  namespace: team-a
spec:
  selector:
    app: web-{i}
  ports:
    - port: 80
      targetPort: 8080
---
"
        ));
    }
    text
}
