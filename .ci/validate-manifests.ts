/**
 * Validates the Kubernetes manifests in deploy/kubernetes against the Kubernetes OpenAPI schemas (through the
 * kubernetes-models package), and checks that they agree with the proxy: probes on /health and /health/ready,
 * the port, and a termination grace period longer than the proxy's own drain.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { Deployment, StatefulSet } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { ConfigMap, Secret, Service } from "kubernetes-models/v1";

const DIR = join(import.meta.dir, "..", "deploy", "kubernetes");
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
	"apps/v1/Deployment": Deployment,
	"apps/v1/StatefulSet": StatefulSet,
	"autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
	"v1/ConfigMap": ConfigMap,
	"v1/Secret": Secret,
	"v1/Service": Service,
};

type Doc = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown> };
const docs: Doc[] = [];
for (const file of readdirSync(DIR)
	.filter((f) => f.endsWith(".yaml"))
	.sort()) {
	const parsed = Bun.YAML.parse(await Bun.file(join(DIR, file)).text());
	for (const doc of (Array.isArray(parsed) ? parsed : [parsed]) as Doc[]) {
		const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
		if (!Model) throw new Error(`${file}: no schema for ${doc.apiVersion} ${doc.kind}`);
		new Model(doc as never).validate();
		docs.push(doc);
		console.log(`ok  ${file}: ${doc.kind}/${doc.metadata.name}`);
	}
}

const deployment = docs.find((d) => d.kind === "Deployment" && d.metadata.name === "ollama-proxy") as unknown as {
	spec: {
		template: {
			spec: {
				terminationGracePeriodSeconds: number;
				containers: {
					env: { name: string; value: string }[];
					ports: { containerPort: number }[];
					livenessProbe: { httpGet: { path: string } };
					readinessProbe: { httpGet: { path: string } };
				}[];
			};
		};
	};
};
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const grace = Number(container?.env.find((e) => e.name === "SHUTDOWN_GRACE_MS")?.value) / 1000;
const checks: [string, boolean][] = [
	["liveness probe on /health", container?.livenessProbe.httpGet.path === "/health"],
	["readiness probe on /health/ready", container?.readinessProbe.httpGet.path === "/health/ready"],
	["container port 11434", container?.ports[0]?.containerPort === 11434],
	["termination grace longer than the proxy's drain", pod.terminationGracePeriodSeconds > grace],
];
for (const [what, ok] of checks) {
	console.log(`${ok ? "ok " : "BAD"} ${what}`);
	if (!ok) process.exitCode = 1;
}
