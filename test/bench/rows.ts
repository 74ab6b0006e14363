/** Building a report row from per-arm figures, for however many product arms this run has. */
import { type Arm, isProduct, type Product } from "./client.ts";
import type { BenchContext } from "./context.ts";
import type { Row } from "./report.ts";

export type PerArm<T> = Record<Arm, T>;
export const perArm = <T>(make: () => T): PerArm<T> => ({
	direct: make(),
	passthrough: make(),
	proxy: make(),
	binary: make(),
});

export const products = (ctx: BenchContext): Product[] => ctx.arms.filter(isProduct);

type Cells = {
	direct?: string;
	/** The figure of the pass-through or of a product arm. */
	value: (arm: "passthrough" | Product) => string;
	/** A product arm's figure against the pass-through's. */
	ratio: (arm: Product) => string;
	target: string;
	/** Omitted: an informational row. A product arm for which it answers undefined is not judged. */
	met?: (arm: Product) => boolean | undefined;
};

export function makeRow(ctx: BenchContext, figure: string, cells: Cells): Row {
	const ratio: Row["ratio"] = {};
	const met: NonNullable<Row["met"]> = {};
	for (const arm of products(ctx)) {
		ratio[arm] = cells.ratio(arm);
		const judged = cells.met?.(arm);
		if (judged !== undefined) met[arm] = judged;
	}
	return {
		figure,
		...(cells.direct !== undefined && { direct: cells.direct }),
		passthrough: cells.value("passthrough"),
		proxy: cells.value("proxy"),
		...(ctx.arms.includes("binary") && { binary: cells.value("binary") }),
		ratio,
		target: cells.target,
		...(cells.met && { met }),
	};
}
