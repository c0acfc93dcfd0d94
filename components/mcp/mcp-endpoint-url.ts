/** The workspace's hosted MCP endpoint as this browser reaches Cadre. */
export function mcpEndpointUrl(slug: string): string {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  return `${origin}/api/mcp/${slug}`;
}
