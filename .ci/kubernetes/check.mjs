// Checks rendered Kubernetes manifests (kustomize build output on stdin) against the Kubernetes API
// schemas and against what spamcheck needs to roll out without dropping a request. Usage:
//
//   node check.mjs <overlay name> <Dockerfile> <docs/configuration.md> < rendered.yaml
//
// Exits 1 and names every problem found. Called by bin/check-kubernetes for each overlay.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { Namespace } from "kubernetes-models/v1/Namespace";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";

const [overlay, dockerfilePath, referencePath] = process.argv.slice(2);
const models = {
  "v1/Namespace": Namespace,
  "v1/ConfigMap": ConfigMap,
  "v1/Secret": Secret,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "policy/v1/PodDisruptionBudget": PodDisruptionBudget,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "networking.k8s.io/v1/Ingress": Ingress,
  "networking.k8s.io/v1/NetworkPolicy": NetworkPolicy,
};
const services = ["gateway", "lookup-worker", "archiver", "notifier"];
const problems = [];
const problem = (where, what) => problems.push(`${overlay}: ${where}: ${what}`);

const docs = parseAllDocuments(readFileSync(0, "utf8")).map((doc) => doc.toJS()).filter(Boolean);
for (const doc of docs) {
  const type = `${doc.apiVersion}/${doc.kind}`;
  const Model = models[type];
  if (!Model) {
    problem(`${doc.kind} ${doc.metadata?.name}`, `${type} is not a kind these manifests are checked for`);
    continue;
  }
  try {
    new Model(doc).validate();
  } catch (error) {
    problem(`${doc.kind} ${doc.metadata?.name}`, error.message);
  }
}
const named = (kind, name) => docs.find((d) => d.kind === kind && d.metadata?.name === name);
const selects = (selector, labels) =>
  Object.entries(selector?.matchLabels ?? selector ?? {}).every(([k, v]) => labels?.[k] === v);

// Images: the dev overlay runs what the Dockerfile builds; production must say which release.
const targets = [...readFileSync(dockerfilePath, "utf8").matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
const reference = readFileSync(referencePath, "utf8");
for (const deployment of docs.filter((d) => d.kind === "Deployment")) {
  const pod = deployment.spec.template;
  const spamcheck = pod.metadata?.labels?.["app.kubernetes.io/part-of"] === "spamcheck";
  for (const container of pod.spec.containers) {
    const image = container.image ?? "";
    const where = `Deployment ${deployment.metadata.name}, container ${container.name}`;
    const own = image.match(/(?:^|\/)spamcheck\/([a-z-]+):?(.*)$/);
    if (own && !targets.includes(own[1])) problem(where, `image ${image}: the Dockerfile has no target ${own[1]}`);
    // A moving tag would have each new pod (a scale-out, an eviction) run whatever was pushed last.
    if (own && (!own[2] || own[2] === "latest")) problem(where, `image ${image} has no version`);
    if (!container.resources?.requests?.memory || !container.resources?.limits?.memory) {
      problem(where, "needs a memory request and limit (the JVM sizes its heap from the limit)");
    }
    for (const variable of [...(container.env ?? []), ...envFromKeys(container)]) {
      if (spamcheck && /^(SPAMCHECK|TWILIO|KAFKA)_/.test(variable.name) && !reference.includes(`\`${variable.name}\``)) {
        problem(where, `${variable.name} is not documented in docs/configuration.md`);
      }
      const ref = variable.valueFrom?.secretKeyRef;
      if (ref && !named("Secret", ref.name) && !(overlay === "production" && ref.name === "spamcheck-secrets")) {
        problem(where, `${variable.name} refers to Secret ${ref.name}, which this overlay does not create`);
      }
    }
  }
  if (!spamcheck) continue;
  checkService(deployment);
}
if (overlay === "production" && docs.some((d) => d.kind === "Secret")) {
  problem("Secret", "production manifests must not carry secrets: the operator creates spamcheck-secrets");
}
for (const name of services) {
  if (!named("Deployment", name)) problem(`Deployment ${name}`, "missing");
}
const hpa = named("HorizontalPodAutoscaler", "gateway");
if (hpa?.spec.scaleTargetRef?.name !== "gateway") problem("HorizontalPodAutoscaler gateway", "must scale the gateway");
for (const autoscaler of docs.filter((d) => d.kind === "HorizontalPodAutoscaler")) {
  const target = named("Deployment", autoscaler.spec.scaleTargetRef?.name);
  if (target?.spec.replicas !== undefined) {
    problem(`Deployment ${target.metadata.name}`, "an autoscaler owns its replicas: a count would reset them on every apply");
  }
}
if (overlay === "production" && !docs.some((d) => d.kind === "Namespace" && d.metadata.name === "spamcheck")) {
  problem("Namespace spamcheck", "the production overlay must create the namespace it puts everything in");
}

function envFromKeys(container) {
  return (container.envFrom ?? []).flatMap((source) =>
    Object.keys(named("ConfigMap", source.configMapRef?.name)?.data ?? {}).map((name) => ({ name })));
}

function checkService(deployment) {
  const name = deployment.metadata.name;
  const pod = deployment.spec.template;
  const main = pod.spec.containers.find((c) => c.name === name);
  const where = `Deployment ${name}`;
  if (!main) return problem(where, `no container named ${name}`);
  const management = main.ports?.find((p) => p.name === "management");
  if (!management) problem(where, "no container port named management");
  for (const [probe, path] of [["readinessProbe", "/actuator/health/readiness"], ["livenessProbe", "/actuator/health/liveness"]]) {
    const get = main[probe]?.httpGet;
    if (get?.port !== "management" || get?.path !== path) problem(where, `${probe} must GET ${path} on the management port`);
  }
  if (!pod.spec.securityContext?.runAsNonRoot) problem(where, "must run as non-root");
  for (const container of pod.spec.containers) {
    const context = container.securityContext ?? {};
    if (context.readOnlyRootFilesystem !== true || context.allowPrivilegeEscalation !== false) {
      problem(`${where}, container ${container.name}`, "needs readOnlyRootFilesystem and no privilege escalation");
    }
  }
  // SIGTERM starts Spring's graceful shutdown (30 s per phase): the pod must get that long after
  // its preStop pause, or in-flight requests and uncommitted offsets are cut off by SIGKILL.
  const preStop = Number(main.lifecycle?.preStop?.exec?.command?.at(-1) ?? 0);
  if ((pod.spec.terminationGracePeriodSeconds ?? 30) < preStop + 30) {
    problem(where, `terminationGracePeriodSeconds must cover preStop (${preStop} s) plus a 30 s graceful shutdown`);
  }
  if (name === "gateway" && !(preStop > 0)) problem(where, "needs a preStop pause so endpoints drop it before SIGTERM");
  const autoscaled = docs.find((d) => d.kind === "HorizontalPodAutoscaler" && d.spec.scaleTargetRef?.name === name);
  const replicas = deployment.spec.replicas ?? autoscaled?.spec.minReplicas ?? 1;
  if (deployment.spec.strategy?.rollingUpdate?.maxUnavailable !== 0 && replicas > 1) {
    problem(where, "a rolling update must not take a serving pod away before its replacement is ready (maxUnavailable: 0)");
  }
  const budget = docs.find((d) => d.kind === "PodDisruptionBudget" && selects(d.spec.selector, pod.metadata.labels));
  if (!budget) problem(where, "no PodDisruptionBudget selects its pods");
}

if (problems.length > 0) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`${overlay}: ${docs.length} manifests valid`);
