/**
 * Hashing for prefix affinity. `affinityKey` turns a conversation's stable prefix (system text, first user message)
 * into a 32-bit key; `rendezvousScore` ranks replicas for that key by weighted rendezvous (highest random weight)
 * hashing, so each replica wins a share of keys proportional to its weight, and a replica leaving or returning moves
 * only the keys it wins. Pure and allocation-free: both run on the request path.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_TO_32 = 4294967296;

/**
 * FNV-1a (32-bit) over the parts' UTF-16 code units, with a 0 unit between parts so ["ab", "c"] and ["a", "bc"]
 * differ. Hashes code units rather than UTF-8 bytes to skip an encoding pass; the key never leaves the process.
 */
export function affinityKey(parts: readonly string[]): number {
	let hash = FNV_OFFSET;
	for (let p = 0; p < parts.length; p++) {
		if (p > 0) hash = Math.imul(hash, FNV_PRIME); // the separator: xor with 0, then multiply
		const part = parts[p] as string;
		for (let i = 0; i < part.length; i++) hash = Math.imul(hash ^ part.charCodeAt(i), FNV_PRIME);
	}
	return hash >>> 0;
}

/** MurmurHash3's finaliser: FNV keys differing in one bit must land on unrelated points. */
export function mix32(value: number): number {
	let h = value;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}

/**
 * The replica's score for a key; the highest score is the preferred replica. `seed` identifies the replica (the hash
 * of its normalised URL). weight / -ln(u), u uniform in (0, 1), is the weighted rendezvous form whose maximum falls
 * on each replica with probability weight / Σweights.
 */
export function rendezvousScore(key: number, seed: number, weight: number): number {
	const u = (mix32(key ^ seed) + 0.5) / TWO_TO_32;
	return weight / -Math.log(u);
}
