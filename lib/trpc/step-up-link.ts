import { TRPCClientError, type TRPCLink } from "@trpc/client";
import { observable } from "@trpc/server/observable";
import type { AppRouter } from "@/server/api/root";

/** Asks the person to re-authenticate (the step-up dialog); resolves true once account.stepUp succeeded. */
export type StepUpRequester = () => Promise<boolean>;

let requester: StepUpRequester | null = null;

/** The dialog registers itself here (components/auth/step-up-dialog.tsx). */
export function setStepUpRequester(fn: StepUpRequester | null): void {
  requester = fn;
}

function needsStepUp(error: unknown): boolean {
  return error instanceof TRPCClientError && (error.data as { appCode?: string } | undefined)?.appCode === "STEP_UP_REQUIRED";
}

/**
 * A mutation refused with STEP_UP_REQUIRED opens the step-up dialog; once the person re-authenticated it is sent
 * again, once. Queries are never retried here (no query needs step-up).
 */
export function stepUpLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let retried = false;
        let sub: { unsubscribe: () => void } | undefined;
        const run = () => {
          sub = next(op).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error) => {
              if (retried || op.type !== "mutation" || !requester || !needsStepUp(error)) return observer.error(error);
              retried = true;
              requester().then(
                (ok) => (ok ? run() : observer.error(error)),
                () => observer.error(error),
              );
            },
          });
        };
        run();
        return () => sub?.unsubscribe();
      });
}
