import { postHook } from "@/server/triggers/hook-route";

/** Incoming webhook deliveries (server/triggers/hook-route.ts): authenticated by the trigger's own signature. */
export const POST = postHook;
