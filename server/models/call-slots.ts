/**
 * The process-wide cap on model calls in flight (CADRE_MAX_CONCURRENT_MODEL_CALLS), shared by every run and every
 * other caller of the gateway. The gateway holds a permit around each provider call only (not around routing,
 * budget checks or Retry-After waits); callers beyond the cap wait in line, first in first out, and a wait ends
 * early when the caller's abort signal fires. The wait is not part of the call's timeout: a queued call is never
 * recorded as the model's timeout. State lives on globalThis (several bundles of one Next process share it).
 */
import { Semaphore } from "@/lib/semaphore";
import { env } from "@/server/env";

const globalForSlots = globalThis as unknown as { cadreModelCallSlots?: Semaphore };

export function modelCallSlots(): Semaphore {
  globalForSlots.cadreModelCallSlots ??= new Semaphore(env().CADRE_MAX_CONCURRENT_MODEL_CALLS);
  return globalForSlots.cadreModelCallSlots;
}

/** Replaces the process's slots (tests); `undefined`: from the environment again at the next call. */
export function configureModelCallSlots(limit?: number): Semaphore | undefined {
  globalForSlots.cadreModelCallSlots = limit === undefined ? undefined : new Semaphore(limit);
  return globalForSlots.cadreModelCallSlots;
}
