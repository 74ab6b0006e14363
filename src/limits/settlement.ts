/**
 * What a request is charged when it ends. The upstream's reported usage wins wherever it was given; otherwise the
 * prompt is the estimate made at admission and the completion one token per content delta received. A request that
 * failed before the upstream sent anything is charged nothing but what the upstream reported. The difference from what
 * admission reserved is the store's business (`SettleInput.reservedTokens`).
 */

/** How an answer ended. A client abort is not an error; a cut by the upstream, or an error status, is. */
export type Ending = "complete" | "aborted" | "cut" | "failed";

export type Figures = {
	/** Usage the upstream reported, if it did (whole answers, a stream's usage chunk, a relayed body's usage). */
	reportedPrompt?: number;
	reportedCompletion?: number;
	/** Content deltas received from the upstream. */
	deltas: number;
	/** The prompt's estimate from admission (bytes ÷ 4). */
	promptEstimate: number;
};

export type Charge = { promptTokens: number; completionTokens: number; error: boolean };

export function charge(figures: Figures, ending: Ending): Charge {
	// An upstream that sent a delta has read the prompt, even if the answer then failed.
	const read = ending !== "failed" || figures.deltas > 0;
	return {
		promptTokens: figures.reportedPrompt ?? (read ? figures.promptEstimate : 0),
		completionTokens: figures.reportedCompletion ?? figures.deltas,
		error: ending === "failed" || ending === "cut",
	};
}

/** The ending from what the request log knows: its status, whether the client left, whether the stream broke. */
export function endingOf(status: number, aborted: boolean, cut: boolean): Ending {
	if (aborted) return "aborted";
	if (status >= 400 && status !== 499) return "failed";
	return cut ? "cut" : "complete";
}
