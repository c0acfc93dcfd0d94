/**
 * One retry budget per run step, shared by the step's attempts and the gateway's fallbacks and retries. Without it
 * the two stack (3 gateway calls × 3 step attempts = 9 paid calls for one step); with it a step makes at most
 * `1 + retries` model calls per `generate` it needs: every model call of a generate after its first, and every
 * step attempt after the first, takes one retry from the same budget.
 *
 * The step runner (server/jobs/step.ts) opens the budget around the step's function (AsyncLocalStorage: the agent
 * code between the step and the gateway passes nothing along); a call outside a step has its own gateway limit only.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export class RetryBudget {
  private used = 0;
  constructor(readonly retries: number) {}

  /** Takes one retry; false when none is left. */
  take(): boolean {
    if (this.used >= this.retries) return false;
    this.used++;
    return true;
  }

  get remaining(): number {
    return Math.max(0, this.retries - this.used);
  }
}

const scope = new AsyncLocalStorage<RetryBudget>();

/** Runs `fn` with `budget` as the retry budget of every model call it makes. */
export function withRetryBudget<T>(budget: RetryBudget, fn: () => T): T {
  return scope.run(budget, fn);
}

/** The retry budget of the step this code runs in, if any. */
export function currentRetryBudget(): RetryBudget | undefined {
  return scope.getStore();
}
