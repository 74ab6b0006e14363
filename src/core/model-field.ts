/**
 * The `model` field every protocol's request carries: required, and bounded, with the words Ollama answers when it
 * is missing.
 */
import { z } from "zod";

export const MODEL_REQUIRED = "model is required";

// Real names are short; a bound keeps megabyte "names" out of error messages and log lines.
export const MAX_NAME = 512;
export const NAME_TOO_LONG = `model name is longer than ${MAX_NAME} characters`;

/** `model` on routes where Ollama answers 400 `model is required` when it is missing or empty. */
export const requiredModel = z.string({ error: MODEL_REQUIRED }).min(1, MODEL_REQUIRED).max(MAX_NAME, NAME_TOO_LONG);
