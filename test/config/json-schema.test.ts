import { describe, expect, test } from "bun:test";
import { configJsonSchema } from "../../src/config/json-schema.ts";
import { parseFileConfig } from "../../src/config/settings.ts";

const root = `${import.meta.dir}/../..`;

describe("the configuration file's JSON Schema", () => {
	test("the committed deploy/config.schema.json is the one the zod schema generates (run `bun run config-schema`)", async () => {
		expect(await Bun.file(`${root}/deploy/config.schema.json`).text()).toBe(configJsonSchema());
	});

	test("it describes the documented shape", () => {
		const schema = JSON.parse(configJsonSchema());
		expect(schema.required).toEqual(["upstreams"]);
		expect(Object.keys(schema.properties)).toEqual([
			"$schema",
			"listen",
			"log_level",
			"max_upstream_connections",
			"client_stall_ms",
			"upstreams",
			"agents",
			"models",
			"keys",
			"limits",
			"state",
			"cors",
		]);
		expect(schema.properties.upstreams.items.properties.kind.enum).toEqual(["openai", "azure", "ollama"]);
		expect(schema.properties.max_upstream_connections).toMatchObject({ type: "integer", minimum: 1, maximum: 65_536 });
		expect(schema.properties.client_stall_ms).toMatchObject({ type: "integer", exclusiveMinimum: 0 });
	});
});

describe("the example configuration in deploy/", () => {
	test("is valid, with its keys taken from the environment", async () => {
		const text = await Bun.file(`${root}/deploy/ollama-proxy.example.yaml`).text();
		const env = { OPENAI_API_KEY: "sk-a", OPENROUTER_API_KEY: "sk-or-b", TEAM_KEY: "team-key-0123456789abcdef" };
		const config = parseFileConfig(text, env, "example");
		expect(config.upstreams.map((u) => [u.name, u.api_key])).toEqual([
			["openai", "sk-a"],
			["openrouter", "sk-or-b"],
			["local", undefined],
		]);
		expect(config.models.map((m) => m.name)).toEqual(["coder", "gpt-4.1"]);
		expect(config.keys?.[0]?.key).toBe("team-key-0123456789abcdef");
	});
});

describe("the compose setup in deploy/: three replicas around one Valkey", () => {
	test("its configuration is valid, with per-key limits and three replicas' shares", async () => {
		const text = await Bun.file(`${root}/deploy/compose.config.yaml`).text();
		const env = {
			OPENAI_API_KEY: "sk-a",
			ALICE_KEY: "alice-key-0123456789abcdef",
			OPS_KEY: "ops-key-0123456789abcdef",
		};
		const config = parseFileConfig(text, env, "compose");
		expect(config.keys?.map((k) => [k.name, k.admin ?? false, k.limits])).toEqual([
			[
				"alice",
				false,
				{ requests_per_minute: 60, tokens_per_minute: 200_000, concurrent: 4, tokens_per_day: 5_000_000 },
			],
			["ops", true, undefined],
		]);
		expect(config.state).toEqual({ replicas: 3 });
	});

	test("every proxy service points REDIS_URL at the Valkey service and mounts that configuration", async () => {
		const compose = Bun.YAML.parse(await Bun.file(`${root}/deploy/compose.yaml`).text()) as {
			services: Record<string, { environment?: Record<string, string>; volumes?: string[]; image?: string }>;
		};
		const proxies = Object.entries(compose.services).filter(([name]) => name.startsWith("proxy-"));
		expect(proxies.map(([name]) => name)).toEqual(["proxy-1", "proxy-2", "proxy-3"]);
		for (const [, service] of proxies) {
			expect(service.environment?.REDIS_URL).toBe("redis://valkey:6379");
			expect(service.volumes).toEqual(["./compose.config.yaml:/etc/ollama-proxy/config.yaml:ro"]);
		}
		expect(compose.services.valkey?.image).toStartWith("valkey/valkey:");
	});
});
