import { handlers } from "@/server/rest/define";
import { createMemoryDocumentRoute, listMemoryDocumentsRoute } from "@/server/rest/routes/memory-documents";

export const { GET, POST } = handlers(listMemoryDocumentsRoute, createMemoryDocumentRoute);
