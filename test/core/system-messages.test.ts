import { describe, expect, test } from "bun:test";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { mergeSystemMessages } from "../../src/core/system-messages.ts";

type M = ChatCompletionMessageParam;

describe("mergeSystemMessages: one leading system message for templates that take no other", () => {
	test.each<[string, M[], M[]]>([
		["no system message: unchanged", [{ role: "user", content: "hi" }], [{ role: "user", content: "hi" }]],
		[
			"Claude Code: the environment block after the prompt joins the leading one",
			[
				{ role: "system", content: "You are an agent." },
				{ role: "user", content: "say ping" },
				{ role: "system", content: "# Environment" },
			],
			[
				{ role: "system", content: "You are an agent.\n\n# Environment" },
				{ role: "user", content: "say ping" },
			],
		],
		[
			"Codex: two leading developer messages become one; text parts are joined",
			[
				{ role: "system", content: "base" },
				{
					role: "system",
					content: [
						{ type: "text", text: "skills" },
						{ type: "text", text: " and more" },
					],
				},
				{ role: "user", content: "go" },
				{ role: "assistant", content: "ok" },
			],
			[
				{ role: "system", content: "base\n\nskills and more" },
				{ role: "user", content: "go" },
				{ role: "assistant", content: "ok" },
			],
		],
		[
			"an empty system text adds no blank lines",
			[
				{ role: "user", content: "go" },
				{ role: "system", content: "" },
				{ role: "system", content: "late" },
			],
			[
				{ role: "system", content: "late" },
				{ role: "user", content: "go" },
			],
		],
	])("%s", (_, messages, expected) => {
		expect(mergeSystemMessages(messages)).toEqual(expected);
	});
});
