import { handlers } from "@/server/rest/define";
import { deleteMemoryDocumentRoute, getMemoryDocumentRoute } from "@/server/rest/routes/memory-documents";

export const { GET, DELETE } = handlers(getMemoryDocumentRoute, deleteMemoryDocumentRoute);
