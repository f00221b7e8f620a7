// Why a claim is not evaluated: math that could not be read as something to evaluate (EvalError: "cannot check" with
// the reason, never a ✗), a quantity the declared network does not have (NoSuchQuantity: a ✗ — the claim names a
// unit, layer or weight that is not there), or work too costly to do (TooMuchWork: "cannot check", never a hang).
export class EvalError extends Error {}

/** w^{(4)} in a 4-layer net, a_5 in a 4-unit layer: read with certainty, and wrong. */
export class NoSuchQuantity extends EvalError {}

/** A claim that would take too long to evaluate: "cannot check", never ✗ — the math may well be right. */
export class TooMuchWork extends EvalError {}

/** Sums and products evaluated per claim, over all draws and index values: a few seconds at most. */
export const workPerClaim = 2_000_000;
/** The longest range one \sum or \prod may have. */
export const maxRange = 100_000;
