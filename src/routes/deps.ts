import type { Logger } from "pino";
import type { Config } from "../config.ts";
import type { RequestLog } from "../http/request-context.ts";
import type { Clock } from "../translate/clock.ts";
import type { ModelCatalog } from "../upstream/model-catalog.ts";
import type { Upstream } from "../upstream/upstream.ts";

/** Everything a route needs from outside, passed in so that tests can build the app around a test upstream. */
export type AppDeps = {
	config: Config;
	upstream: Upstream;
	catalog: ModelCatalog;
	log: Logger;
	clock: Clock;
	requests: RequestLog;
};
