"use client";

import { useState } from "react";
import { errorMessage } from "@/lib/trpc/errors";

/**
 * The error line of a card whose buttons run mutations: `handlers` (spread into mutationOptions) clear it
 * when one starts and set it when one fails.
 */
export function useActionError() {
  const [error, setError] = useState<string | null>(null);
  const handlers = { onMutate: () => setError(null), onError: (e: unknown) => setError(errorMessage(e)) };
  return { error, setError, handlers };
}
