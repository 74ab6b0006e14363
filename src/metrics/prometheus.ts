/**
 * A minimal Prometheus registry: counters, gauges and histograms with labels, rendered in the text exposition
 * format (version 0.0.4). Small on purpose: the proxy needs a handful of series and no client library's weight.
 */
type Labels = Record<string, string>;

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

function labelText(labels: Labels): string {
	const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
	return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

const keyOf = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

export abstract class Metric {
	constructor(
		readonly name: string,
		readonly help: string,
		readonly type: "counter" | "gauge" | "histogram",
	) {}
	abstract samples(): string[];
	render(): string {
		return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`, ...this.samples()].join("\n");
	}
}

export class Counter extends Metric {
	private readonly values = new Map<string, { labels: Labels; value: number }>();
	constructor(name: string, help: string) {
		super(name, help, "counter");
	}
	inc(labels: Labels = {}, by = 1) {
		const key = keyOf(labels);
		const entry = this.values.get(key) ?? { labels, value: 0 };
		entry.value += by;
		this.values.set(key, entry);
	}
	get(labels: Labels = {}): number {
		return this.values.get(keyOf(labels))?.value ?? 0;
	}
	samples() {
		return [...this.values.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`);
	}
}

export class Gauge extends Metric {
	private value = 0;
	constructor(name: string, help: string) {
		super(name, help, "gauge");
	}
	add(by: number) {
		this.value += by;
	}
	get() {
		return this.value;
	}
	samples() {
		return [`${this.name} ${this.value}`];
	}
}

/** A gauge per label set, set to a value read elsewhere (a fleet's state at scrape time). */
export class LabelledGauge extends Metric {
	private readonly values = new Map<string, { labels: Labels; value: number }>();
	constructor(name: string, help: string) {
		super(name, help, "gauge");
	}
	set(labels: Labels, value: number) {
		this.values.set(keyOf(labels), { labels, value });
	}
	samples() {
		return [...this.values.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${value}`);
	}
}

export class Histogram extends Metric {
	private readonly series = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
	constructor(
		name: string,
		help: string,
		readonly buckets: readonly number[],
	) {
		super(name, help, "histogram");
	}
	observe(labels: Labels, value: number) {
		const key = keyOf(labels);
		const entry = this.series.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
		this.buckets.forEach((bound, i) => {
			if (value <= bound) entry.counts[i] = (entry.counts[i] as number) + 1;
		});
		entry.sum += value;
		entry.count += 1;
		this.series.set(key, entry);
	}
	samples() {
		return [...this.series.values()].flatMap(({ labels, counts, sum, count }) => [
			...this.buckets.map(
				(bound, i) => `${this.name}_bucket${labelText({ ...labels, le: String(bound) })} ${counts[i]}`,
			),
			`${this.name}_bucket${labelText({ ...labels, le: "+Inf" })} ${count}`,
			`${this.name}_sum${labelText(labels)} ${sum}`,
			`${this.name}_count${labelText(labels)} ${count}`,
		]);
	}
}

export function renderMetrics(metrics: readonly Metric[]): string {
	return `${metrics.map((m) => m.render()).join("\n")}\n`;
}
