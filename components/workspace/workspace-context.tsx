"use client";

import { createContext, useContext } from "react";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import type { Permission, Role } from "@/lib/permissions";

export type CurrentWorkspace = inferRouterOutputs<AppRouter>["workspaces"]["current"];

export interface ShellUser {
  id: string;
  email: string;
  name: string | null;
}

export interface WorkspaceContextValue {
  slug: string;
  workspace: CurrentWorkspace;
  role: Role;
  user: ShellUser;
  can: (permission: Permission) => boolean;
}

const WorkspaceContext = createContext<WorkspaceContextValue | null>(null);

export const WorkspaceContextProvider = WorkspaceContext.Provider;

/** The workspace the page is in, with the signed-in user's role and permissions (from workspaces.current). */
export function useWorkspace(): WorkspaceContextValue {
  const value = useContext(WorkspaceContext);
  if (!value) throw new Error("useWorkspace() outside a workspace page");
  return value;
}
