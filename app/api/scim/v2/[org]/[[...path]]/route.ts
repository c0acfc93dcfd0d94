import { scimHandler } from "@/server/scim/http";

export const GET = scimHandler;
export const POST = scimHandler;
export const PUT = scimHandler;
export const PATCH = scimHandler;
export const DELETE = scimHandler;
