// Why a claim is not evaluated: math that cannot be evaluated as written (EvalError, a ✗ with the reason), or that
// would cost the checker too much (TooMuchWork: "cannot check", never a hang and never a ✗), with those limits.
export class EvalError extends Error {}

/** A claim that would take too long to evaluate: "cannot check", never ✗ — the math may well be right. */
export class TooMuchWork extends EvalError {}

/** Sums and products evaluated per claim, over all draws and index values: a few seconds at most. */
export const workPerClaim = 2_000_000;
/** The longest range one \sum or \prod may have. */
export const maxRange = 100_000;
