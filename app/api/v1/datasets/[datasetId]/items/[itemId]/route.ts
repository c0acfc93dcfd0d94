import { handlers } from "@/server/rest/define";
import { updateDatasetItemRoute, deleteDatasetItemRoute } from "@/server/rest/routes/datasets";

export const { PATCH, DELETE } = handlers(updateDatasetItemRoute, deleteDatasetItemRoute);
