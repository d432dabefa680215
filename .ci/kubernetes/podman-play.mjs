// Runs rendered Kubernetes manifests (the dev overlay, images swapped for local builds) with
// `podman kube play`, the nearest thing to a cluster these machines have, then waits until every
// container's readiness probe passes. Usage:
//
//   node podman-play.mjs up   <rendered.yaml> <network> <work dir>   # prints {"<deployment>": "<pod IP>"}
//   node podman-play.mjs down <rendered.yaml> <network> <work dir>
//
// podman 4.3 is not Kubernetes, and where it differs this adapts the manifests for it, no more:
// - it has no Services: each pod joins one network with its Services' names as DNS aliases;
// - it has no load balancing, so each Deployment runs one replica;
// - it publishes every containerPort on the host, so ports are dropped once the probes' named
//   ports are resolved;
// - it turns probes into health checks it cannot run here (named ports become port 0, no systemd
//   timers), so this script runs each readiness and liveness probe itself, as the kubelet would;
// - an emptyDir becomes a named volume shared by every pod using that name, and root-owned: each
//   gets a name of its own and the kubelet's 0777 mode;
// - it reads a Secret as a podman secret holding the JSON of its data map.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments, stringify } from "yaml";

const [command, renderedPath, network, workDir] = process.argv.slice(2);
const docs = parseAllDocuments(readFileSync(renderedPath, "utf8")).map((d) => d.toJS()).filter(Boolean);
const deployments = docs.filter((d) => d.kind === "Deployment");
const podman = (...args) => execFileSync("podman", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
const quietly = (...args) => { try { return podman(...args); } catch { return null; } };
const podName = (deployment) => `${deployment.metadata.name}-pod-0`;
const volumeName = (deployment, volume) => `${network}-${deployment.metadata.name}-${volume.name}`;
const infrastructure = (deployment) =>
  deployment.spec.template.metadata?.labels?.["app.kubernetes.io/part-of"] !== "spamcheck";

if (command === "down") {
  // Killed at once: graceful stops are checked in the compose part of the smoke, and stopping the
  // pods one by one, Kafka's among the first, held each service's stop on a broker already gone
  // (about 40 s at the end of every run).
  for (const deployment of deployments) {
    quietly("pod", "rm", "-f", "-t", "0", podName(deployment));
    for (const volume of emptyDirs(deployment)) quietly("volume", "rm", "-f", volumeName(deployment, volume));
  }
  for (const secret of docs.filter((d) => d.kind === "Secret")) quietly("secret", "rm", secret.metadata.name);
  quietly("network", "rm", "-f", network);
} else if (command === "up") {
  mkdirSync(workDir, { recursive: true });
  const configMaps = docs.filter((d) => d.kind === "ConfigMap").map((configMap) => {
    const file = `${workDir}/configmap-${configMap.metadata.name}.yaml`;
    writeFileSync(file, stringify(configMap));
    return file;
  });
  for (const secret of docs.filter((d) => d.kind === "Secret")) {
    const file = `${workDir}/secret-${secret.metadata.name}.json`;
    writeFileSync(file, JSON.stringify(secret.data ?? {}), { mode: 0o600 });
    podman("secret", "create", secret.metadata.name, file);
  }
  podman("network", "create", network);
  const probes = {};
  // Kafka and PostgreSQL first, as a cluster would end up after the services' restarts.
  for (const group of [deployments.filter(infrastructure), deployments.filter((d) => !infrastructure(d))]) {
    for (const deployment of group) probes[deployment.metadata.name] = play(deployment, configMaps);
    await awaitProbes(group, probes, "readinessProbe", 300);
  }
  await awaitProbes(deployments, probes, "livenessProbe", 30);
  console.log(JSON.stringify(Object.fromEntries(deployments.map((d) => [d.metadata.name, podIp(d)]))));
} else {
  console.error("usage: podman-play.mjs up|down <rendered.yaml> <network> <work dir>");
  process.exit(2);
}

function emptyDirs(deployment) {
  return (deployment.spec.template.spec.volumes ?? []).filter((v) => v.emptyDir);
}

function play(deployment, configMaps) {
  const pod = deployment.spec.template;
  const probes = [];
  for (const container of pod.spec.containers) {
    const ports = Object.fromEntries((container.ports ?? []).filter((p) => p.name).map((p) => [p.name, p.containerPort]));
    for (const kind of ["readinessProbe", "livenessProbe"]) {
      const probe = container[kind];
      if (probe?.httpGet) probes.push({ kind, container: container.name, path: probe.httpGet.path, port: ports[probe.httpGet.port] ?? probe.httpGet.port });
      if (probe?.exec) probes.push({ kind, container: container.name, exec: probe.exec.command });
    }
    for (const key of ["ports", "readinessProbe", "livenessProbe", "startupProbe"]) delete container[key];
  }
  const renamed = {};
  for (const volume of emptyDirs(deployment)) {
    const name = volumeName(deployment, volume);
    podman("volume", "create", name);
    execFileSync("chmod", ["0777", podman("volume", "inspect", "--format", "{{.Mountpoint}}", name)]);
    renamed[volume.name] = name;
    volume.name = name;
  }
  for (const container of pod.spec.containers) {
    for (const mount of container.volumeMounts ?? []) mount.name = renamed[mount.name] ?? mount.name;
  }
  deployment.spec.replicas = 1;
  const aliases = docs
    .filter((d) => d.kind === "Service" && Object.entries(d.spec.selector ?? {}).every(([k, v]) => pod.metadata.labels?.[k] === v))
    .map((service) => `alias=${service.metadata.name}`);
  const file = `${workDir}/deployment-${deployment.metadata.name}.yaml`;
  writeFileSync(file, stringify(deployment));
  const networkOption = aliases.length ? `${network}:${aliases.join(",")}` : network;
  podman("kube", "play", "--network", networkOption, ...configMaps.flatMap((f) => ["--configmap", f]), file);
  return probes;
}

function podIp(deployment) {
  const infra = JSON.parse(podman("pod", "inspect", podName(deployment))).InfraContainerID;
  return podman("inspect", "--format", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, infra);
}

async function passes(deployment, probe) {
  if (probe.exec) return quietly("exec", `${podName(deployment)}-${probe.container}`, ...probe.exec) !== null;
  try {
    const response = await fetch(`http://${podIp(deployment)}:${probe.port}${probe.path}`, { signal: AbortSignal.timeout(5000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function awaitProbes(group, probes, kind, seconds) {
  const deadline = Date.now() + seconds * 1000;
  for (const deployment of group) {
    for (const probe of probes[deployment.metadata.name].filter((p) => p.kind === kind)) {
      const what = `${deployment.metadata.name}/${probe.container} ${kind} (${probe.exec ? probe.exec.join(" ") : `:${probe.port}${probe.path}`})`;
      while (!(await passes(deployment, probe))) {
        if (Date.now() > deadline) {
          console.error(`podman-play: ${what} did not pass within ${seconds} s`);
          process.exit(1);
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
      console.error(`podman-play: ${what} passes`);
    }
  }
}
