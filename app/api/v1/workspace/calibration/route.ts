import { handlers } from "@/server/rest/define";
import { getCalibrationSettingsRoute, updateCalibrationSettingsRoute } from "@/server/rest/routes/labels";

export const { GET, PUT } = handlers(getCalibrationSettingsRoute, updateCalibrationSettingsRoute);
