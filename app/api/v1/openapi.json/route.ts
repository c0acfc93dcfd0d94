import { openApiJson } from "@/server/rest/openapi";

export function GET() {
  return new Response(openApiJson(), { headers: { "content-type": "application/json" } });
}
