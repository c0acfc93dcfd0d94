import { serve } from "inngest/next";
import { inngest, runFunction } from "@/server/jobs/inngest";

/**
 * The Inngest endpoint: Inngest calls it to execute runs. Only meaningful with INNGEST_SIGNING_KEY (and
 * INNGEST_EVENT_KEY) set, or INNGEST_DEV=1; without them the SDK answers 500 and runs execute in-process.
 */
export const { GET, POST, PUT } = serve({ client: inngest, functions: [runFunction] });
