"use client";

import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { AppRouter } from "@/server/api/root";

/**
 * The typed tRPC hooks of the web app. Query keys carry a prefix (the workspace the URL points at) so
 * that two workspaces never share cached data.
 */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter, { keyPrefix: true }>();
