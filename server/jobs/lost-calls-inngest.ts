/**
 * The lost model calls on Inngest (when configured: ./inngest-enabled.ts). No in-process executor runs there, so its
 * minute sweep (./executor.ts `sweepLostCalls`) does not either: this function runs the same sweep every minute
 * (cron). It turns the rows in flight that dead processes left past their expiry into their estimated `lost` usage
 * rows (server/ledger/calls-in-flight.ts); a row is written once whoever sweeps, so two sweeps at once do no harm.
 */
import { sweepLostCalls } from "./executor";
import { inngest } from "./inngest";

export const lostCallsFunction = inngest.createFunction(
  {
    id: "record-lost-model-calls",
    name: "Record the usage of model calls whose process died mid-call",
    triggers: [{ cron: "* * * * *" }],
    concurrency: [{ limit: 1 }],
    retries: 0,
  },
  async ({ step }) => step.run("sweep", () => sweepLostCalls()),
);
