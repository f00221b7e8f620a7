// Waiting in tests: every wait has a deadline and fails with what it waited for, instead of hanging the suite.

/** `p`, or a failure naming `what` once `ms` have passed. */
export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Poll `check` every 100 ms until it holds; fail naming `what` once `ms` have passed (the polling stops too). */
export async function pollUntil(check: () => boolean, ms: number, what: string): Promise<void> {
  let stopped = false;
  const poll = async () => {
    while (!stopped && !check()) await new Promise((r) => setTimeout(r, 100));
  };
  try {
    await withDeadline(poll(), ms, what);
  } finally {
    stopped = true;
  }
}
