import { sessionRunEvents } from "@/server/rest/sse-session";

export const dynamic = "force-dynamic";

/** The web app's live stream of a run's events (session + workspace membership via ?workspace= or x-cadre-workspace). */
export const GET = sessionRunEvents;
