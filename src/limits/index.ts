/**
 * The limits engine's public face: per-key rate, token, concurrency and quota limits with per-day usage, in process
 * (MemoryLimitStore) or shared by replicas through Redis (RedisLimitStore). The HTTP wiring lives elsewhere.
 */
export { MemoryLimitStore, type MemoryStoreOptions } from "./memory-store.ts";
export { RedisLimitStore, type RedisStoreOptions } from "./redis-store.ts";
export {
	type AdmitInput,
	type AdmitResult,
	DEFAULT_LEASE_TTL_MS,
	type KeyLimits,
	LIMIT_NAMES,
	type LimitName,
	type LimitStore,
	type Refusal,
	type SettleInput,
	type UsageQuery,
	type UsageRow,
} from "./types.ts";
