import { orgApiHandler } from "@/server/rest/org-api";

/** The organisation administration API (server/rest/org-api.ts; docs/api.md "Organisations"). */
export const GET = orgApiHandler;
export const POST = orgApiHandler;
export const PATCH = orgApiHandler;
export const PUT = orgApiHandler;
export const DELETE = orgApiHandler;
